// binary.wgsl — out[i] = EXPR(a = A[bcast(i)], b = B[bcast(i)]).  Bindings: 0 Params, 1 A, 2 B, 3 out.
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = flat_id(gid);
  if (i >= p.n) { return; }
  let a = A[offset(i, p.sa)];
  let b = B[offset(i, p.sb)];
  out[i] = EXPR;
}
