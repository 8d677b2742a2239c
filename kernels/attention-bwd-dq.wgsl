// attention-bwd-dq.wgsl — fused attention backward, query side: for each query row i (per batch b, head h)
//   p_ij = exp(scale · q_i·k_j − lse_i) (recomputed; no probability matrix is stored),
//   ds_ij = p_ij (dO_i·v_j − D_i),   dq_i = scale · Σ_j ds_ij k_j   over the keys visible to i.
// With a bias (p.mode = 2) the thread also writes its row of dS = ds_ij (B,H,Tq,Tk) (0 for invisible keys): the bias
// gradient before the host sums it over the bias' broadcast axes (p_ij includes the bias through lse and s).
// One thread owns one dq row and loops over keys: deterministic, no atomics. Rows without a visible key get dq = 0.
// Prepended by the host: generated constants (DH, DH4, TILE, WG), attention-common.wgsl and attention-mask.wgsl.
// Bindings: 0 uniform Params, 1 q (B,Tq,E), 2 k (B,Tk,E), 3 v (B,Tk,E), 4 mb: key mask / bias / dummy (p.mode),
//           5 stats (B,H,Tq) vec2(lse, D) from attention-bwd-prep.wgsl, 6 dO (B,Tq,E), 7 dq (B,Tq,E) write,
//           8 dS (B,H,Tq,Tk) write (a dummy, never written, unless p.mode = 2).
// Entry points (same split as attention-fwd.wgsl):
//   rowwise — one thread per (b, h, i), workgroup (WG = 64), 1-D dispatch over B*H*Tq rows; private arrays of DH floats.
//   tiled   — workgroup per (block of WG queries, h, b) = dispatch (ceil(Tq/WG), H, B); TILE k/v rows + mask bits
//             staged in workgroup memory as vec4s and shared by the WG query threads.
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(5) var<storage, read> stats: array<vec2<f32>>;
@group(0) @binding(6) var<storage, read> dO: array<f32>;
@group(0) @binding(7) var<storage, read_write> dq: array<f32>;
@group(0) @binding(8) var<storage, read_write> dS: array<f32>;

/** dS of (row r, key j) when a bias is present. */
fn put_ds(r: u32, j: u32, x: f32) { if (p.mode == 2u) { dS[r * p.Tk + j] = x; } }

@compute @workgroup_size(WG)
fn rowwise(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = row_id(wid, lid);
  if (r >= p.B * p.H * p.Tq) { return; }
  let qr = query_row(r);
  let i = qr.i; let h = qr.h; let b = qr.b;
  let qb = qr.base;
  var qs: array<f32, DH>;
  var go: array<f32, DH>;
  var acc: array<f32, DH>;
  for (var d = 0u; d < DH; d++) { qs[d] = q[qb + d] * p.scale; go[d] = dO[qb + d]; }
  let st = stats[r];
  let kEnd = key_end(i);
  for (var j = 0u; j < kEnd; j++) {
    let kbias = key_bias(b, h, i, j);
    if (!kbias.ok) { put_ds(r, j, 0.0); continue; }
    let kb = (b * p.Tk + j) * p.E + h * DH;
    var s = kbias.add;
    var dp = 0.0;
    for (var d = 0u; d < DH; d++) { s += qs[d] * k[kb + d]; dp += go[d] * v[kb + d]; }
    let ds = exp(s - st.x) * (dp - st.y);
    put_ds(r, j, ds);
    for (var d = 0u; d < DH; d++) { acc[d] += ds * k[kb + d]; }
  }
  for (var j = kEnd; j < p.Tk; j++) { put_ds(r, j, 0.0); }
  for (var d = 0u; d < DH; d++) { dq[qb + d] = acc[d] * p.scale; }
}

var<workgroup> Ks: array<vec4<f32>, TILE * DH4>;
var<workgroup> Vs: array<vec4<f32>, TILE * DH4>;

@compute @workgroup_size(WG)
fn tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wid.z;
  let h = wid.y;
  let i0 = wid.x * WG;
  let i = i0 + lid.x;
  let inRange = i < p.Tq;
  let ic = min(i, p.Tq - 1u);
  let qb = (b * p.Tq + ic) * p.E + h * DH;
  var qv: array<vec4<f32>, DH4>;
  var gv: array<vec4<f32>, DH4>;
  var acc: array<vec4<f32>, DH4>;
  for (var d = 0u; d < DH; d++) { qv[d / 4u][d % 4u] = q[qb + d] * p.scale; gv[d / 4u][d % 4u] = dO[qb + d]; }
  let r = (b * p.H + h) * p.Tq + ic;
  let st = stats[r];
  let kEnd = select(0u, key_end(i), inRange);
  let kEndWg = key_end(min(i0 + WG - 1u, p.Tq - 1u));
  for (var k0 = 0u; k0 < kEndWg; k0 += TILE) {
    let n = min(TILE, kEndWg - k0);
    for (var e = lid.x; e < n * DH4; e += WG) {
      let jj = e / DH4;
      let d = (e % DH4) * 4u;
      let g = (b * p.Tk + k0 + jj) * p.E + h * DH + d;
      var kx = vec4<f32>(0.0);
      var vx = vec4<f32>(0.0);
      for (var t = 0u; t < 4u; t++) {
        if (d + t < DH) { kx[t] = k[g + t]; vx[t] = v[g + t]; }
      }
      Ks[e] = kx;
      Vs[e] = vx;
    }
    workgroupBarrier();
    let jn = select(0u, min(n, kEnd - k0), kEnd > k0);
    for (var jj = 0u; jj < jn; jj++) {
      let kbias = key_bias(b, h, ic, k0 + jj);
      if (!kbias.ok) { put_ds(r, k0 + jj, 0.0); continue; }
      let kt = jj * DH4;
      var s = kbias.add;
      var dp = 0.0;
      for (var c = 0u; c < DH4; c++) { s += dot(qv[c], Ks[kt + c]); dp += dot(gv[c], Vs[kt + c]); }
      let ds = exp(s - st.x) * (dp - st.y);
      put_ds(r, k0 + jj, ds);
      for (var c = 0u; c < DH4; c++) { acc[c] += ds * Ks[kt + c]; }
    }
    workgroupBarrier();
  }
  if (!inRange) { return; }
  for (var j = kEnd; j < p.Tk; j++) { put_ds(r, j, 0.0); }
  for (var d = 0u; d < DH; d++) { dq[qb + d] = acc[d / 4u][d % 4u] * p.scale; }
}
