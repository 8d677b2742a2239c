// unary.wgsl — out[i] = EXPR(a = x[bcast(i)]).  Bindings: 0 Params, 1 x (read), 2 out (write).
// Also serves broadcastTo/copy with EXPR = a.
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = flat_id(gid);
  if (i >= p.n) { return; }
  let a = x[offset(i, p.sa)];
  let alpha = p.alpha; let beta = p.beta;
  out[i] = EXPR;
}
