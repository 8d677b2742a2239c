// transpose.wgsl — general axis permutation (rank ≤ 4, padded): out[i] = x[Σ_k idx_k(i) * st_k], where idx(i) is the
// rank-4 index of flat output element i in `shape` and st_k is the input stride of the axis that becomes output axis k.
// Elements are copied as raw 32-bit words (u32), so the kernel serves f32 and i32 tensors alike.
// Bindings: 0 uniform Params, 1 x (read), 2 out (write). Workgroup: 256 threads, one per output element,
// grid folded into (x, y) by `gx`.
struct Params {
  shape: vec4<u32>,  // output shape (padded to rank 4)
  st: vec4<u32>,     // input strides, permuted to output axis order
  n: u32,            // output elements
  gx: u32,           // workgroups along x
};
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.gx * 256u;
  if (i >= p.n) { return; }
  var r = i;
  let i3 = r % p.shape.w; r = r / p.shape.w;
  let i2 = r % p.shape.z; r = r / p.shape.z;
  let i1 = r % p.shape.y;
  let i0 = r / p.shape.y;
  out[i] = x[i0 * p.st.x + i1 * p.st.y + i2 * p.st.z + i3 * p.st.w];
}
