// embedding.wgsl — row gather: out[n, j] = table[idx[n], j] (the forward of ops/embedding.ts).
// Bindings: 0 uniform Params, 1 table (V*d f32, read), 2 idx (N i32, read), 3 out (N*d f32, write).
// Uniforms: total = N*d output elements, d = row width, V = table rows, gx = workgroups along x (grid folding).
// Workgroup: 256 threads, one per output element (consecutive threads read consecutive columns of a row),
// grid folded into (x, y) when there are more than 65535 groups.
// An out-of-range index (< 0 or >= V) writes a zero row: a kernel cannot throw; the CPU reference throws instead.
struct Params { total: u32, d: u32, V: u32, gx: u32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> table: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.gx * 256u;
  if (i >= p.total) { return; }
  let n = i / p.d;
  let j = i - n * p.d;
  let v = idx[n];
  if (v < 0 || u32(v) >= p.V) {
    out[i] = 0.0;
    return;
  }
  out[i] = table[u32(v) * p.d + j];
}
