// row-bounds.wgsl — embedding backward, after the radix sort: bounds[v] = first position k of the sorted keys with
// keys[k] >= v, for v = 0..V, so row v's positions are pos[bounds[v] .. bounds[v+1]). One binary search per row
// (instead of two per output element in scatter-add.wgsl: ~10x faster gather on SwiftShader).
// Bindings: 0 uniform Params {N, V, gx}, 1 keys (N u32, sorted ascending), 2 bounds (V+1 u32, write).
// Workgroup: 256 threads, one per v in 0..V, grid folded into (x, y).
struct Params { N: u32, V: u32, gx: u32, pad: u32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> keys: array<u32>;
@group(0) @binding(2) var<storage, read_write> bounds: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let v = gid.x + gid.y * p.gx * 256u;
  if (v > p.V) { return; }
  var lo = 0u;
  var hi = p.N;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (keys[mid] < v) { lo = mid + 1u; } else { hi = mid; }
  }
  bounds[v] = lo;
}
