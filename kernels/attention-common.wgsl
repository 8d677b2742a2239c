// attention-common.wgsl — shared header of the fused multi-head attention kernels
// (attention-fwd.wgsl, attention-bwd-prep.wgsl, attention-bwd-dq.wgsl, attention-bwd-dkdv.wgsl); the host prepends it.
//
// The host (src/engine/ops/attention.ts) also prepends generated constants, one pipeline per head dim:
//   DH    head dim (1..128 = MAX_HEAD_DIM), a compile-time constant so per-row private arrays have a fixed size
//   DH4   ceil(DH / 4): vec4 chunks per head row (tiled variant; padding lanes are zero)
//   TILE  key (or query) rows per workgroup-memory tile in the tiled variant, sized so 2 tiles + side data fit 16 KiB
//   WG    threads per workgroup, one thread per query row (fwd, dq) or key row (dk/dv): 64 for the rowwise kernels;
//         for tiled, the smallest power of two >= the rows per (b, h), in [8, 64] (a 5-query slate does not idle 59 lanes)
//
// Layouts (heads packed in the last dim, no transposes): q/out/dO (B, Tq, E), k/v (B, Tk, E), E = H*DH;
// head h of row t of batch b starts at (b*T + t)*E + h*DH. keyMask (B, Tk) i32, 1 = valid; or an additive bias f32 at
// element b*sB + h*sH + i*sQ + j*sK (strides 0 on broadcast axes), -inf = masked (attention-mask.wgsl reads both).
// Per-row statistics are indexed r = (b*H + h)*Tq + i: lse (B, H, Tq) and stats (B, H, Tq) vec2(lse, D).
// Visibility: key j is visible to query i iff (mask[b, j] != 0 or no mask) and (not causal or j <= i + offset) and
// bias[b, h, i, j] != -inf, offset = Tk - Tq (queries aligned with the end of the keys). A query with no visible key
// outputs zeros.
struct Params {
  B: u32, Tq: u32, Tk: u32, H: u32,
  E: u32,          // H * DH, the row stride of q, k, v, out, dO
  causal: u32,     // 1 = causal
  mode: u32,       // binding `mb`: 0 = a dummy that is never read, 1 = a (B, Tk) i32 key mask, 2 = an f32 bias
  offset: i32,     // Tk - Tq
  scale: f32,      // softmax temperature applied to q·k (default 1/sqrt(DH))
  gx: u32,         // rowwise kernels: workgroups along x (the flat row index folds x and y)
  sB: u32, sH: u32, sQ: u32, sK: u32,  // bias strides along (B, H, Tq, Tk), 0 = broadcast (mode 2)
  _pad0: u32, _pad1: u32,
};
@group(0) @binding(0) var<uniform> p: Params;

// Finite "-inf" for the running max: WGSL does not guarantee IEEE infinities.
const NEG_BIG: f32 = -3.0e38;

/** Flat row index of a rowwise kernel (grid folded into x, y when it exceeds 65535 workgroups). */
fn row_id(wid: vec3<u32>, lid: vec3<u32>) -> u32 { return (wid.x + wid.y * p.gx) * WG + lid.x; }

/** A query row r of the flattened (B, H, Tq) grid: query index i, head h, batch b, and the offset of its head slice. */
struct QueryRow { i: u32, h: u32, b: u32, base: u32 };
fn query_row(r: u32) -> QueryRow {
  let i = r % p.Tq;
  let bh = r / p.Tq;
  let h = bh % p.H;
  let b = bh / p.H;
  return QueryRow(i, h, b, (b * p.Tq + i) * p.E + h * DH);
}

/** One past the last key visible to query i through the causal constraint, in [0, Tk]. */
fn key_end(i: u32) -> u32 {
  if (p.causal == 0u) { return p.Tk; }
  return u32(clamp(i32(i) + p.offset + 1, 0, i32(p.Tk)));
}

/** First query that sees key j through the causal constraint, in [0, Tq]. */
fn query_start(j: u32) -> u32 {
  if (p.causal == 0u) { return 0u; }
  return u32(clamp(i32(j) - p.offset, 0, i32(p.Tq)));
}
