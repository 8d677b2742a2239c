// clip-sumsq-segments.wgsl — stage 1 of clipGradNorm over a flat gradient arena: ONE dispatch for every segment.
// Workgroup W reads its row of the segment table (start, n, w, G) and does exactly what clip-sumsq.wgsl's workgroup w
// of G does for a tensor of n elements starting at `start`: elements w*256 + t, + G*256, ... per thread, a tree
// reduction in workgroup memory, partials[W] = the sum. Partials therefore come out in the same order and with the
// same rounding as the per-tensor dispatches (the norm is bitwise the same).
// Bindings: 0 uniform Params {P = workgroups, gx}, 1 g (flat f32, read), 2 table (4 × P i32, read),
//           3 partials (P f32, read_write).
// Needs clip-common.wgsl (wg_sum) prepended.
// Workgroup: 256 threads; dispatch P workgroups folded into (gx, ceil(P / gx)).
struct Params { P: u32, gx: u32, pad0: u32, pad1: u32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> table: array<u32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let W = wid.x + wid.y * p.gx;
  if (W >= p.P) { return; }  // uniform per workgroup: the barriers below stay in uniform control flow
  let t = lid.x;
  let start = table[4u * W];
  let n = table[4u * W + 1u];
  let w = table[4u * W + 2u];
  let stride = table[4u * W + 3u] * 256u;
  var s = 0.0;
  for (var i = w * 256u + t; i < n; i += stride) {
    let x = g[start + i];
    s += x * x;
  }
  let total = wg_sum(t, s);
  if (t == 0u) { partials[W] = total; }
}
