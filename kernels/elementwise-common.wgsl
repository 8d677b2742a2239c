// elementwise-common.wgsl — shared header for unary.wgsl, binary.wgsl, unary-grad.wgsl, sum-to.wgsl (the host prepends it).
// Shapes are right-aligned and padded to rank 4; strides of 0 broadcast.
// Templated: the host replaces `EXPR` (an f32 expression of `a`, `b`, `y`, `g`, `alpha`, `beta`) per op.
// Bindings (in the including files): 0 uniform Params, then inputs, then the output.
struct Params {
  shape: vec4<u32>,     // output shape (padded to 4)
  sa: vec4<u32>,        // strides of a / x  (0 where broadcast)
  sb: vec4<u32>,        // strides of b
  n: u32,               // output elements
  alpha: f32,
  beta: f32,
  gx: u32,              // workgroups along x (for folding the flat index)
};
@group(0) @binding(0) var<uniform> p: Params;

fn flat_id(gid: vec3<u32>) -> u32 { return gid.x + gid.y * p.gx * 256u; }

fn offset(i: u32, st: vec4<u32>) -> u32 {
  var r = i;
  let i3 = r % p.shape.w; r = r / p.shape.w;
  let i2 = r % p.shape.z; r = r / p.shape.z;
  let i1 = r % p.shape.y; r = r / p.shape.y;
  let i0 = r;
  return i0 * st.x + i1 * st.y + i2 * st.z + i3 * st.w;
}
// Workgroup: 256 threads, 1-D over output elements, grid folded into (x, y) when > 65535 groups.
