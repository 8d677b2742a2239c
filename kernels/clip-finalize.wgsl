// clip-finalize.wgsl — stage 2 of clipGradNorm: total norm and clip factor, on the GPU (no readback).
//   norm = sqrt(Σ partials),  scale = min(1, maxNorm / (norm + 1e-6))   (torch.nn.utils.clip_grad_norm_)
// Bindings: 0 uniform Params {P = number of partials, maxNorm}, 1 partials (P f32), 2 norm ((1) f32, write), 3 scale ((1) f32, write).
// Needs clip-common.wgsl (wg_sum) prepended.
// Workgroup: 256 threads, dispatch (1, 1, 1): strided per-thread sums then a tree reduction (deterministic order).
struct Params { P: u32, maxNorm: f32, pad0: u32, pad1: u32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> norm: array<f32>;
@group(0) @binding(3) var<storage, read_write> scale: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let t = lid.x;
  var s = 0.0;
  for (var i = t; i < p.P; i += 256u) { s += partials[i]; }
  let total = wg_sum(t, s);
  if (t == 0u) {
    let nrm = sqrt(total);
    norm[0] = nrm;
    scale[0] = min(1.0, p.maxNorm / (nrm + 1e-6));
  }
}
