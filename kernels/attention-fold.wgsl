// attention-fold.wgsl — fold a key mask into an attention bias (src/engine/ops/attention.ts, when both are given):
//   out[b, h, i, j] = mask[b, j] != 0 ? bias[b*sB + h*sH + i*sQ + j*sK] : -inf,   out (B, Hb, Qb, Tk) contiguous,
// Hb / Qb = the bias' head / query extents (1 when it broadcasts there). The attention kernels then read one binding.
// Bindings: 0 uniform Params, 1 mask (B, Tk) i32, 2 bias (f32 bits), 3 out (B, Hb, Qb, Tk) write (f32 bits).
// Workgroup 64, one thread per output element, 1-D dispatch folded into x, y (gx workgroups along x).
struct Params { B: u32, Hb: u32, Qb: u32, Tk: u32, sB: u32, sH: u32, sQ: u32, sK: u32, n: u32, gx: u32, _p0: u32, _p1: u32 };
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> mask: array<i32>;
@group(0) @binding(2) var<storage, read> bias: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = (wid.x + wid.y * p.gx) * 64u + lid.x;
  if (o >= p.n) { return; }
  let j = o % p.Tk;
  let i = (o / p.Tk) % p.Qb;
  let h = (o / (p.Tk * p.Qb)) % p.Hb;
  let b = o / (p.Tk * p.Qb * p.Hb);
  out[o] = select(0xff800000u, bias[b * p.sB + h * p.sH + i * p.sQ + j * p.sK], mask[b * p.Tk + j] != 0);
}
