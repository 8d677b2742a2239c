// clip-common.wgsl — shared by clip-sumsq.wgsl, clip-sumsq-segments.wgsl and clip-finalize.wgsl (the host prepends it):
// a 256-thread workgroup sum in a fixed tree order (deterministic). Call from uniform control flow (it has barriers).
var<workgroup> acc: array<f32, 256>;

fn wg_sum(t: u32, s: f32) -> f32 {
  acc[t] = s;
  workgroupBarrier();
  for (var h = 128u; h > 0u; h >>= 1u) {
    if (t < h) { acc[t] += acc[t + h]; }
    workgroupBarrier();
  }
  return acc[0];
}
