// attention-bwd-dkdv.wgsl — fused attention backward, key side: for each key row j (per batch b, head h)
//   p_ij = exp(scale · q_i·k_j − lse_i) (recomputed from the saved logsumexp),
//   dv_j = Σ_i p_ij dO_i,   dk_j = scale · Σ_i p_ij (dO_i·v_j − D_i) q_i   over the queries i that see key j.
// One thread owns one dk row and one dv row and loops over queries: deterministic, no float atomics.
// Masked keys (and keys no query sees) get zero gradients.
// Prepended by the host: generated constants (DH, DH4, TILE, WG), attention-common.wgsl and attention-mask.wgsl.
// Bindings: 0 uniform Params, 1 q (B,Tq,E), 2 k (B,Tk,E), 3 v (B,Tk,E), 4 mb: key mask / bias / dummy (p.mode),
//           5 stats (B,H,Tq) vec2(lse, D) from attention-bwd-prep.wgsl, 6 dO (B,Tq,E), 7 dk (B,Tk,E) write,
//           8 dv (B,Tk,E) write.  (8 storage buffers: the WebGPU default per-stage limit.)
// Entry points:
//   rowwise — one thread per (b, h, j), workgroup (WG = 64), 1-D dispatch over B*H*Tk rows; private arrays of DH floats.
//   tiled   — workgroup per (block of WG keys, h, b) = dispatch (ceil(Tk/WG), H, B); TILE q/dO rows and their
//             (lse, D) staged in workgroup memory and shared by the WG key threads. Causal workgroups start at the
//             first query that sees their first key.
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(5) var<storage, read> stats: array<vec2<f32>>;
@group(0) @binding(6) var<storage, read> dO: array<f32>;
@group(0) @binding(7) var<storage, read_write> dk: array<f32>;
@group(0) @binding(8) var<storage, read_write> dv: array<f32>;

@compute @workgroup_size(WG)
fn rowwise(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = row_id(wid, lid);
  if (r >= p.B * p.H * p.Tk) { return; }
  let j = r % p.Tk;
  let bh = r / p.Tk;
  let h = bh % p.H;
  let b = bh / p.H;
  let kb = (b * p.Tk + j) * p.E + h * DH;
  var ks: array<f32, DH>;
  var vs: array<f32, DH>;
  var gk: array<f32, DH>;
  var gv: array<f32, DH>;
  for (var d = 0u; d < DH; d++) { ks[d] = k[kb + d] * p.scale; vs[d] = v[kb + d]; }
  for (var i = query_start(j); i < p.Tq; i++) {
    let kbias = key_bias(b, h, i, j);
    if (!kbias.ok) { continue; }
    let qb = (b * p.Tq + i) * p.E + h * DH;
    let st = stats[bh * p.Tq + i];
    var s = kbias.add;
    var dp = 0.0;
    for (var d = 0u; d < DH; d++) { s += ks[d] * q[qb + d]; dp += vs[d] * dO[qb + d]; }
    let pij = exp(s - st.x);
    let ds = pij * (dp - st.y);
    for (var d = 0u; d < DH; d++) { gv[d] += pij * dO[qb + d]; gk[d] += ds * q[qb + d]; }
  }
  for (var d = 0u; d < DH; d++) { dk[kb + d] = gk[d] * p.scale; dv[kb + d] = gv[d]; }
}

var<workgroup> Qs: array<vec4<f32>, TILE * DH4>;
var<workgroup> Gs: array<vec4<f32>, TILE * DH4>;  // dO rows
var<workgroup> Ss: array<vec2<f32>, TILE>;        // (lse, D) per query

@compute @workgroup_size(WG)
fn tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wid.z;
  let h = wid.y;
  let j0 = wid.x * WG;
  let j = j0 + lid.x;
  let jc = min(j, p.Tk - 1u);
  let kb = (b * p.Tk + jc) * p.E + h * DH;
  var kv: array<vec4<f32>, DH4>;
  var vv: array<vec4<f32>, DH4>;
  var gk: array<vec4<f32>, DH4>;
  var gv: array<vec4<f32>, DH4>;
  for (var d = 0u; d < DH; d++) { kv[d / 4u][d % 4u] = k[kb + d] * p.scale; vv[d / 4u][d % 4u] = v[kb + d]; }
  let inRange = j < p.Tk;
  let iStart = select(p.Tq, query_start(j), inRange);
  // workgroup-uniform start: the first key of the block is seen by the earliest query
  let iStartWg = query_start(j0);
  let rb = (b * p.H + h) * p.Tq;
  for (var i0 = iStartWg; i0 < p.Tq; i0 += TILE) {
    let n = min(TILE, p.Tq - i0);
    for (var e = lid.x; e < n * DH4; e += WG) {
      let ii = e / DH4;
      let d = (e % DH4) * 4u;
      let g = (b * p.Tq + i0 + ii) * p.E + h * DH + d;
      var qx = vec4<f32>(0.0);
      var gx = vec4<f32>(0.0);
      for (var t = 0u; t < 4u; t++) {
        if (d + t < DH) { qx[t] = q[g + t]; gx[t] = dO[g + t]; }
      }
      Qs[e] = qx;
      Gs[e] = gx;
    }
    for (var ii = lid.x; ii < n; ii += WG) { Ss[ii] = stats[rb + i0 + ii]; }
    workgroupBarrier();
    let iFirst = max(iStart, i0);
    for (var i = iFirst; i < i0 + n; i++) {
      let kbias = key_bias(b, h, i, jc);
      if (!kbias.ok) { continue; }
      let qt = (i - i0) * DH4;
      var s = kbias.add;
      var dp = 0.0;
      for (var c = 0u; c < DH4; c++) { s += dot(kv[c], Qs[qt + c]); dp += dot(vv[c], Gs[qt + c]); }
      let st = Ss[i - i0];
      let pij = exp(s - st.x);
      let ds = pij * (dp - st.y);
      for (var c = 0u; c < DH4; c++) { gv[c] += pij * Gs[qt + c]; gk[c] += ds * Qs[qt + c]; }
    }
    workgroupBarrier();
  }
  if (j >= p.Tk) { return; }
  for (var d = 0u; d < DH; d++) { dk[kb + d] = gk[d / 4u][d % 4u] * p.scale; dv[kb + d] = gv[d / 4u][d % 4u]; }
}
