// attention-fwd.wgsl — fused multi-head attention forward: out = softmax(scale · q kᵀ + mask) v per (batch, head),
// plus the per-row logsumexp that the backward kernels use to recompute probabilities (flash-attention style).
// Prepended by the host: generated constants (DH, DH4, TILE, WG), attention-common.wgsl (Params, helpers) and
// attention-mask.wgsl (binding 4: key mask or bias, `key_bias`).
// Bindings: 0 uniform Params, 1 q (B,Tq,E), 2 k (B,Tk,E), 3 v (B,Tk,E), 4 mb: key mask / bias / dummy (p.mode),
//           5 out (B,Tq,E) write, 6 lse (B,H,Tq) write (0 for rows without a visible key; never read for them).
// Softmax is online (running max m, running sum l, rescaled accumulator), so one pass over the keys suffices.
// Entry points (variants; ops/attention.ts picks one per adapter, both pass the same tests):
//   rowwise — one thread per (b, h, query row), workgroup (WG = 64): q row, accumulator in fixed-size private arrays,
//             k/v read straight from global memory, no barriers. Best on SwiftShader (barriers are costly, and
//             a CPU's caches already serve the k/v rows shared by neighbouring threads). Dispatch: 1-D over B*H*Tq rows.
//   tiled   — one workgroup per (block of WG query rows, h, b) = dispatch (ceil(Tq/WG), H, B): TILE k/v rows are staged
//             cooperatively in workgroup memory as vec4s and shared by the WG query threads,
//             cutting global reads of k/v by up to WG (<= 64) times. The right design for real GPUs. Causal workgroups stop at the
//             last key visible to their last query.
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;

@compute @workgroup_size(WG)
fn rowwise(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = row_id(wid, lid);
  if (r >= p.B * p.H * p.Tq) { return; }
  let qr = query_row(r);
  let i = qr.i; let h = qr.h; let b = qr.b;
  let qb = qr.base;
  var qs: array<f32, DH>;
  var acc: array<f32, DH>;
  for (var d = 0u; d < DH; d++) { qs[d] = q[qb + d] * p.scale; }
  var m = NEG_BIG;
  var l = 0.0;
  let kEnd = key_end(i);
  for (var j = 0u; j < kEnd; j++) {
    let kbias = key_bias(b, h, i, j);
    if (!kbias.ok) { continue; }
    let kb = (b * p.Tk + j) * p.E + h * DH;
    var s = kbias.add;
    for (var d = 0u; d < DH; d++) { s += qs[d] * k[kb + d]; }
    if (s > m) {
      let corr = exp(m - s);
      l *= corr;
      for (var d = 0u; d < DH; d++) { acc[d] *= corr; }
      m = s;
    }
    let e = exp(s - m);
    l += e;
    for (var d = 0u; d < DH; d++) { acc[d] += e * v[kb + d]; }
  }
  let inv = select(0.0, 1.0 / l, l > 0.0);
  for (var d = 0u; d < DH; d++) { out[qb + d] = acc[d] * inv; }
  lse[r] = select(0.0, m + log(max(l, 1e-30)), l > 0.0);
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
  let qb = (b * p.Tq + min(i, p.Tq - 1u)) * p.E + h * DH;
  var qv: array<vec4<f32>, DH4>;   // zero-initialised: padding lanes stay 0
  var acc: array<vec4<f32>, DH4>;
  for (var d = 0u; d < DH; d++) { qv[d / 4u][d % 4u] = q[qb + d] * p.scale; }
  var m = NEG_BIG;
  var l = 0.0;
  let kEnd = select(0u, key_end(i), inRange);
  // workgroup-uniform bound: the last query of the block sees the most keys
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
      let kbias = key_bias(b, h, i, k0 + jj);
      if (!kbias.ok) { continue; }
      let kt = jj * DH4;
      var s = kbias.add;
      for (var c = 0u; c < DH4; c++) { s += dot(qv[c], Ks[kt + c]); }
      if (s > m) {
        let corr = exp(m - s);
        l *= corr;
        for (var c = 0u; c < DH4; c++) { acc[c] *= corr; }
        m = s;
      }
      let e = exp(s - m);
      l += e;
      for (var c = 0u; c < DH4; c++) { acc[c] += e * Vs[kt + c]; }
    }
    workgroupBarrier();
  }
  if (!inRange) { return; }
  let inv = select(0.0, 1.0 / l, l > 0.0);
  for (var d = 0u; d < DH; d++) { out[qb + d] = acc[d / 4u][d % 4u] * inv; }
  lse[(b * p.H + h) * p.Tq + i] = select(0.0, m + log(max(l, 1e-30)), l > 0.0);
}
