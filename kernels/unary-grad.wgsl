// unary-grad.wgsl — fused backward of a unary map: dx[i] = EXPR(a = x[i], y = y[i], g = g[i]).
// Bindings: 0 Params, 1 x, 2 y (forward output), 3 g (upstream gradient), 4 dx. Same shape, no broadcast.
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Y: array<f32>;
@group(0) @binding(3) var<storage, read> G: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = flat_id(gid);
  if (i >= p.n) { return; }
  let a = X[i]; let y = Y[i]; let g = G[i];
  let alpha = p.alpha; let beta = p.beta;
  out[i] = EXPR;
}
