// matmul-vec4.wgsl — batched C[b] = op(A[b]) · op(B[b]) with vec4 loads; f32. Fast paths of kernels/matmul.wgsl.
// Bindings: 0 uniform Params (same struct as matmul.wgsl), 1 A (read, array<vec4<f32>>), 2 B (read, array<vec4<f32>>),
//           3 C (write, array<f32>).
// Specialisation: the host (src/engine/ops/matmul.ts) PREPENDS `const TA: bool = …; const TB: bool = …;` (transA,
// transB), one pipeline per (variant, TA, TB); the transpose branches below test compile-time constants, so the
// inner loops carry no per-element transpose test and no bounds test.
// Preconditions (checked by the host, which falls back to matmul.wgsl otherwise):
//   K % 4 == 0; M % 4 == 0 when TA (A read as vec4 along M); N % 4 == 0 when !TB (B read as vec4 along N).
//   Then a vec4 is never partial. vec4_8x8 handles edge tiles by clamping row / quad indices to the last row / quad (reads
//   stay in bounds, their results land in outputs that are never stored): no bounds test in the K loop. tiled_vec4
//   zero-fills out-of-range quads while staging (once per 16-deep stage, outside the inner loop).
// Entry points (variant → entry):
//   vec4 → vec4_8x8 — 8x8 outputs per thread in registers (16 vec4 accumulators), no workgroup memory, workgroup
//               (8,8,1) → 64x64 tile. K in steps of 4: 8 vec4 loads of A + 8 of B feed 64 vec4 FMAs. For software
//               adapters (SwiftShader). Measured there (Node/Dawn, interleaved, bench shapes): 8x8 0.92–1.20 GFLOP/s,
//               8x4 0.78–1.11, 4x8 0.68–0.97; 4x4 ~0.8x of 8x4. The host picks it (ops/matmul.ts pickMatmulVariant).
//   tiledVec4 → tiled_vec4 — 64x64 output tile, 16-deep K stages in workgroup memory as vec4 (one vec4 global load
//               per thread per operand per stage), 4x4 per thread, workgroup (16,16,1). For real GPUs (not measured
//               on one here); on SwiftShader it is only 0.9–1.3x `tiled`.
struct Params {
  M: u32, N: u32, K: u32, batch: u32,
  strideA: u32, strideB: u32, transA: u32, transB: u32,
};
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

fn store4(b: u32, m: u32, n0: u32, v: vec4<f32>) {
  if (m >= p.M) { return; }
  let base = b * p.M * p.N + m * p.N;
  if (n0 + 3u < p.N) {
    C[base + n0] = v.x; C[base + n0 + 1u] = v.y; C[base + n0 + 2u] = v.z; C[base + n0 + 3u] = v.w;
    return;
  }
  if (n0 < p.N) { C[base + n0] = v.x; }
  if (n0 + 1u < p.N) { C[base + n0 + 1u] = v.y; }
  if (n0 + 2u < p.N) { C[base + n0 + 2u] = v.z; }
}

// c + a.x·b0 + a.y·b1 + a.z·b2 + a.w·b3: one output row (vec4 along N) gains a 1x4 · 4x4 product (k = 4 values).
fn fma4(c: vec4<f32>, a: vec4<f32>, b0: vec4<f32>, b1: vec4<f32>, b2: vec4<f32>, b3: vec4<f32>) -> vec4<f32> {
  return c + a.x * b0 + a.y * b1 + a.z * b2 + a.w * b3;
}

@compute @workgroup_size(8, 8, 1)
fn vec4_8x8(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n0 = gid.x * 8u; let m0 = gid.y * 8u; let b = gid.z;
  if (m0 >= p.M || n0 >= p.N) { return; }
  let K4 = p.K / 4u; let M4 = p.M / 4u; let N4 = p.N / 4u;
  let aBase = b * (p.strideA / 4u);
  let bBase = b * (p.strideB / 4u);
  // A: !TA → rows m0..m0+7 (clamped) read along K; TA → two vec4 along M per k (rows m0..m0+3 and m0+4..m0+7, the
  // second quad clamped to the last one; M % 4 == 0 so a quad is never partial).
  var ia0 = 0u; var ia1 = 0u; var ia2 = 0u; var ia3 = 0u; var ia4 = 0u; var ia5 = 0u; var ia6 = 0u; var ia7 = 0u;
  if (TA) {
    ia0 = aBase + m0 / 4u; ia4 = aBase + min(m0 / 4u + 1u, M4 - 1u);
  } else {
    let last = p.M - 1u;
    ia0 = aBase + min(m0, last) * K4; ia1 = aBase + min(m0 + 1u, last) * K4;
    ia2 = aBase + min(m0 + 2u, last) * K4; ia3 = aBase + min(m0 + 3u, last) * K4;
    ia4 = aBase + min(m0 + 4u, last) * K4; ia5 = aBase + min(m0 + 5u, last) * K4;
    ia6 = aBase + min(m0 + 6u, last) * K4; ia7 = aBase + min(m0 + 7u, last) * K4;
  }
  // B: !TB → two vec4 along N per k (columns n0..n0+3 and n0+4..n0+7, the second quad clamped; N % 4 == 0);
  //    TB → rows n0..n0+7 (clamped) read along K.
  var ib0 = 0u; var ib1 = 0u; var ib2 = 0u; var ib3 = 0u; var ib4 = 0u; var ib5 = 0u; var ib6 = 0u; var ib7 = 0u;
  if (TB) {
    let last = p.N - 1u;
    ib0 = bBase + min(n0, last) * K4; ib1 = bBase + min(n0 + 1u, last) * K4;
    ib2 = bBase + min(n0 + 2u, last) * K4; ib3 = bBase + min(n0 + 3u, last) * K4;
    ib4 = bBase + min(n0 + 4u, last) * K4; ib5 = bBase + min(n0 + 5u, last) * K4;
    ib6 = bBase + min(n0 + 6u, last) * K4; ib7 = bBase + min(n0 + 7u, last) * K4;
  } else {
    ib0 = bBase + n0 / 4u; ib4 = bBase + min(n0 / 4u + 1u, N4 - 1u);
  }
  // c_i / d_i: output row m0+i, columns n0..n0+3 / n0+4..n0+7
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  var c4 = vec4<f32>(0.0); var c5 = vec4<f32>(0.0); var c6 = vec4<f32>(0.0); var c7 = vec4<f32>(0.0);
  var d0 = vec4<f32>(0.0); var d1 = vec4<f32>(0.0); var d2 = vec4<f32>(0.0); var d3 = vec4<f32>(0.0);
  var d4 = vec4<f32>(0.0); var d5 = vec4<f32>(0.0); var d6 = vec4<f32>(0.0); var d7 = vec4<f32>(0.0);
  for (var kq = 0u; kq < K4; kq++) {
    // b0..b3 / e0..e3: rows k = 4kq..4kq+3 of op(B), columns n0..n0+3 / n0+4..n0+7
    var b0: vec4<f32>; var b1: vec4<f32>; var b2: vec4<f32>; var b3: vec4<f32>;
    var e0: vec4<f32>; var e1: vec4<f32>; var e2: vec4<f32>; var e3: vec4<f32>;
    if (TB) {
      let t = transpose(mat4x4<f32>(B[ib0 + kq], B[ib1 + kq], B[ib2 + kq], B[ib3 + kq]));
      b0 = t[0]; b1 = t[1]; b2 = t[2]; b3 = t[3];
      let u = transpose(mat4x4<f32>(B[ib4 + kq], B[ib5 + kq], B[ib6 + kq], B[ib7 + kq]));
      e0 = u[0]; e1 = u[1]; e2 = u[2]; e3 = u[3];
    } else {
      let o = kq * 4u * N4;
      b0 = B[ib0 + o]; b1 = B[ib0 + o + N4]; b2 = B[ib0 + o + 2u * N4]; b3 = B[ib0 + o + 3u * N4];
      e0 = B[ib4 + o]; e1 = B[ib4 + o + N4]; e2 = B[ib4 + o + 2u * N4]; e3 = B[ib4 + o + 3u * N4];
    }
    // a0..a7: rows m0..m0+7 of op(A), k = 4kq..4kq+3
    var a0: vec4<f32>; var a1: vec4<f32>; var a2: vec4<f32>; var a3: vec4<f32>;
    var a4: vec4<f32>; var a5: vec4<f32>; var a6: vec4<f32>; var a7: vec4<f32>;
    if (TA) {
      let s = kq * 4u * M4;
      let lo = transpose(mat4x4<f32>(A[ia0 + s], A[ia0 + s + M4], A[ia0 + s + 2u * M4], A[ia0 + s + 3u * M4]));
      a0 = lo[0]; a1 = lo[1]; a2 = lo[2]; a3 = lo[3];
      let hi = transpose(mat4x4<f32>(A[ia4 + s], A[ia4 + s + M4], A[ia4 + s + 2u * M4], A[ia4 + s + 3u * M4]));
      a4 = hi[0]; a5 = hi[1]; a6 = hi[2]; a7 = hi[3];
    } else {
      a0 = A[ia0 + kq]; a1 = A[ia1 + kq]; a2 = A[ia2 + kq]; a3 = A[ia3 + kq];
      a4 = A[ia4 + kq]; a5 = A[ia5 + kq]; a6 = A[ia6 + kq]; a7 = A[ia7 + kq];
    }
    c0 = fma4(c0, a0, b0, b1, b2, b3); d0 = fma4(d0, a0, e0, e1, e2, e3);
    c1 = fma4(c1, a1, b0, b1, b2, b3); d1 = fma4(d1, a1, e0, e1, e2, e3);
    c2 = fma4(c2, a2, b0, b1, b2, b3); d2 = fma4(d2, a2, e0, e1, e2, e3);
    c3 = fma4(c3, a3, b0, b1, b2, b3); d3 = fma4(d3, a3, e0, e1, e2, e3);
    c4 = fma4(c4, a4, b0, b1, b2, b3); d4 = fma4(d4, a4, e0, e1, e2, e3);
    c5 = fma4(c5, a5, b0, b1, b2, b3); d5 = fma4(d5, a5, e0, e1, e2, e3);
    c6 = fma4(c6, a6, b0, b1, b2, b3); d6 = fma4(d6, a6, e0, e1, e2, e3);
    c7 = fma4(c7, a7, b0, b1, b2, b3); d7 = fma4(d7, a7, e0, e1, e2, e3);
  }
  store4(b, m0 + 0u, n0, c0); store4(b, m0 + 0u, n0 + 4u, d0);
  store4(b, m0 + 1u, n0, c1); store4(b, m0 + 1u, n0 + 4u, d1);
  store4(b, m0 + 2u, n0, c2); store4(b, m0 + 2u, n0 + 4u, d2);
  store4(b, m0 + 3u, n0, c3); store4(b, m0 + 3u, n0 + 4u, d3);
  store4(b, m0 + 4u, n0, c4); store4(b, m0 + 4u, n0 + 4u, d4);
  store4(b, m0 + 5u, n0, c5); store4(b, m0 + 5u, n0 + 4u, d5);
  store4(b, m0 + 6u, n0, c6); store4(b, m0 + 6u, n0 + 4u, d6);
  store4(b, m0 + 7u, n0, c7); store4(b, m0 + 7u, n0 + 4u, d7);
}

const TM = 64u;  // tile rows (M)
const TN = 64u;  // tile cols (N)
const TK = 16u;  // K depth per stage
var<workgroup> As: array<vec4<f32>, 256>;  // [TK][TM/4]: vec4 along M
var<workgroup> Bs: array<vec4<f32>, 256>;  // [TK][TN/4]: vec4 along N

@compute @workgroup_size(16, 16, 1)
fn tiled_vec4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wid.z;
  let tm0 = wid.y * TM; let tn0 = wid.x * TN;
  let t = lid.y * 16u + lid.x;  // 0..255
  let K4 = p.K / 4u; let M4 = p.M / 4u; let N4 = p.N / 4u;
  let aBase = b * (p.strideA / 4u);
  let bBase = b * (p.strideB / 4u);
  // Staging roles (fixed per thread). Along-M / along-N quads: t → (k = t / 16, quad = t % 16).
  // Along-K quads (!TA for A, TB for B): t → (row = t / 4, k quad = t % 4), the vec4 is scattered into 4 k rows.
  let sk = t / 16u; let sq = t % 16u;
  let rr = t / 4u; let rq = t % 4u;
  var acc0 = vec4<f32>(0.0); var acc1 = vec4<f32>(0.0); var acc2 = vec4<f32>(0.0); var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < p.K; k0 += TK) {
    // ---- stage A tile: op(A)[tm0.., k0..] → As[k][m/4]
    if (TA) {
      let k = k0 + sk; let mq = tm0 / 4u + sq;
      var v = vec4<f32>(0.0);
      if (k < p.K && mq < M4) { v = A[aBase + k * M4 + mq]; }
      As[sk * 16u + sq] = v;
    } else {
      let m = tm0 + rr; let kq = k0 / 4u + rq;
      var v = vec4<f32>(0.0);
      if (m < p.M && kq < K4) { v = A[aBase + m * K4 + kq]; }
      let i = rq * 4u * 16u + rr / 4u; let c = rr % 4u;
      As[i][c] = v.x; As[i + 16u][c] = v.y; As[i + 32u][c] = v.z; As[i + 48u][c] = v.w;
    }
    // ---- stage B tile: op(B)[k0.., tn0..] → Bs[k][n/4]
    if (TB) {
      let n = tn0 + rr; let kq = k0 / 4u + rq;
      var v = vec4<f32>(0.0);
      if (n < p.N && kq < K4) { v = B[bBase + n * K4 + kq]; }
      let i = rq * 4u * 16u + rr / 4u; let c = rr % 4u;
      Bs[i][c] = v.x; Bs[i + 16u][c] = v.y; Bs[i + 32u][c] = v.z; Bs[i + 48u][c] = v.w;
    } else {
      let k = k0 + sk; let nq = tn0 / 4u + sq;
      var v = vec4<f32>(0.0);
      if (k < p.K && nq < N4) { v = B[bBase + k * N4 + nq]; }
      Bs[sk * 16u + sq] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let av = As[kk * 16u + lid.y];
      let bv = Bs[kk * 16u + lid.x];
      acc0 += av.x * bv; acc1 += av.y * bv; acc2 += av.z * bv; acc3 += av.w * bv;
    }
    workgroupBarrier();
  }
  let m0 = tm0 + lid.y * 4u; let n0 = tn0 + lid.x * 4u;
  if (n0 >= p.N) { return; }
  store4(b, m0, n0, acc0); store4(b, m0 + 1u, n0, acc1); store4(b, m0 + 2u, n0, acc2); store4(b, m0 + 3u, n0, acc3);
}
