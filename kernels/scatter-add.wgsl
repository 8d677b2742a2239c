// scatter-add.wgsl — the embedding backward: dtable[v, j] = Σ_{n : idx[n] == v} g[n, j], deterministically.
// WGSL has no f32 atomics. Instead of a compare-exchange loop on bitcast floats (whose summation order, and so
// whose rounding, changes from run to run, and which serialises on hot rows such as padding), the host first
// sorts the positions by index with a stable LSD radix sort (8-bit digits, ceil(log2(V+1)/8) passes):
//   radix-init.wgsl      keys = idx (out of range -> sentinel V), pos = 0..N-1
//   per pass: radix-hist.wgsl (per-block digit histogram) -> exclusive-scan.wgsl -> radix-scatter.wgsl (stable)
//   row-bounds.wgsl      bounds[v] = start of key v's run in the sorted keys (one binary search per row)
// and then THIS kernel lets each thread own one output (v, j) and sum the g rows of positions
// pos[bounds[v] .. bounds[v+1]) in ascending position order (the sort is stable). No float atomics, bitwise
// reproducible, the same summation order as the CPU reference; O(N) work per pass whatever the repetition.
// Bindings: 0 uniform Params {total = V*d, d, gx}, 1 bounds (V+1 u32), 2 pos (N u32, sorted by key), 3 g (N*d f32),
//           4 out (V*d f32, write). Rows without any position get 0.
// Workgroup: 256 threads, one per output element (consecutive threads = consecutive columns: coalesced g reads),
// grid folded into (x, y).
struct Params { total: u32, d: u32, gx: u32, pad: u32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> bounds: array<u32>;
@group(0) @binding(2) var<storage, read> pos: array<u32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.gx * 256u;
  if (i >= p.total) { return; }
  let v = i / p.d;
  let j = i - v * p.d;
  var acc = 0.0;
  for (var k = bounds[v]; k < bounds[v + 1u]; k++) { acc += g[pos[k] * p.d + j]; }
  out[i] = acc;
}
