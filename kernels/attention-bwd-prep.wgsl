// attention-bwd-prep.wgsl — first backward pass of fused attention: per query row r = (b*H + h)*Tq + i,
// D_r = rowsum(dO_r * O_r) (the softmax-backward correction), packed with the forward's logsumexp as
// stats[r] = vec2(lse_r, D_r) so the dq and dk/dv kernels need one statistics binding (WebGPU guarantees only
// 8 storage buffers per stage, and dk/dv already uses 8).
// Prepended by the host: generated constants (DH, DH4, TILE, WG) and attention-common.wgsl.
// Bindings: 0 uniform Params, 1 out (B,Tq,E), 2 dO (B,Tq,E), 3 lse (B,H,Tq), 4 stats (B,H,Tq) vec2 write.
// Workgroup (WG = 64), one thread per row, 1-D dispatch over B*H*Tq rows (folded into x, y). Same for both variants.
@group(0) @binding(1) var<storage, read> out: array<f32>;
@group(0) @binding(2) var<storage, read> dO: array<f32>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<vec2<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = row_id(wid, lid);
  if (r >= p.B * p.H * p.Tq) { return; }
  let qr = query_row(r);
  let i = qr.i; let h = qr.h; let b = qr.b;
  let ob = qr.base;
  var D = 0.0;
  for (var d = 0u; d < DH; d++) { D += dO[ob + d] * out[ob + d]; }
  stats[r] = vec2<f32>(lse[r], D);
}
