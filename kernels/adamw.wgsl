// adamw.wgsl — one fused, in-place AdamW step (exactly torch.optim.AdamW, amsgrad=False):
//   g' = g * gradScale                   (gradScale = 1, or a (1) f32 tensor from gradient clipping: no readback)
//   p  = p * (1 - lr * weightDecay)      (decoupled weight decay)
//   m  = beta1 * m + (1 - beta1) * g'
//   v  = beta2 * v + (1 - beta2) * g'²
//   p  = p - (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps),   bc1 = 1 - beta1^step, bc2 = 1 - beta2^step
// The step-dependent scalars (decay, stepSize = lr/bc1, sqrt(bc2)) are computed in f64 on the host, like PyTorch does
// with Python floats.
// Bindings: 0 uniform Params, 1 p (read_write), 2 g (read), 3 m (read_write), 4 v (read_write),
//           5 gradScale (read, (1) f32) — only in the `scaled` variant (the host replaces GSCALE_* tokens).
// Workgroup: 256 threads, one per element, grid folded into (x, y).
struct Params {
  n: u32, gx: u32, decay: f32, beta1: f32,
  beta2: f32, omb1: f32, omb2: f32, stepSize: f32,
  bc2sqrt: f32, eps: f32, pad0: u32, pad1: u32,
};
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
GSCALE_DECL

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.gx * 256u;
  if (i >= p.n) { return; }
  let g = grad[i] * GSCALE_EXPR;
  let mi = p.beta1 * m[i] + p.omb1 * g;
  let vi = p.beta2 * v[i] + p.omb2 * g * g;
  m[i] = mi;
  v[i] = vi;
  let denom = sqrt(vi) / p.bc2sqrt + p.eps;
  param[i] = param[i] * p.decay - p.stepSize * (mi / denom);
}
