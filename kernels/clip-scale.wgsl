// clip-scale.wgsl — stage 3 of clipGradNorm: g *= scale[0] in place (scale from clip-finalize.wgsl; exactly 1.0
// when the norm is below maxNorm, which leaves g bitwise unchanged).
// Bindings: 0 uniform Params {n, gx}, 1 scale ((1) f32, read), 2 g (n f32, read_write).
// Workgroup: 256 threads, one per element, grid folded into (x, y).
struct Params { n: u32, gx: u32, pad0: u32, pad1: u32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> scale: array<f32>;
@group(0) @binding(2) var<storage, read_write> g: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.gx * 256u;
  if (i >= p.n) { return; }
  g[i] = g[i] * scale[0];
}
