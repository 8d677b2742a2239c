// matmul.wgsl — batched C[b] = op(A[b]) · op(B[b]), op = optional transpose; f32.
// Bindings: 0 uniform Params, 1 A (read), 2 B (read), 3 C (write).
// Layouts: A is (batchA, M, K) or, transposed, (batchA, K, M); B is (batchB, K, N) or (batchB, N, K); C is (batch, M, N).
// A batch stride of 0 broadcasts that operand over the batch.
// Generic kernels: any shape. The vec4 fast paths (kernels/matmul-vec4.wgsl) fall back to `tiled` when they cannot run.
// Entry points (variants; the host picks one per adapter in ops/matmul.ts and the benchmark times all):
//   naive       — one output per thread, workgroup (16,16,1).                        Baseline.
//   blocked4x4  — 4x4 outputs per thread in registers (vec4 accumulators), no workgroup memory,
//                 workgroup (8,8,1) → 32x32 tile. Scalar loads with a bounds test per element: slow on SwiftShader.
//   tiled       — 64x64 output tile, 16-deep K tiles staged in workgroup memory, 4x4 per thread,
//                 workgroup (16,16,1). The right choice on real GPUs (memory reuse across the tile).
struct Params {
  M: u32, N: u32, K: u32, batch: u32,
  strideA: u32, strideB: u32, transA: u32, transB: u32,
};
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

fn a_at(b: u32, m: u32, k: u32) -> f32 {
  if (m >= p.M || k >= p.K) { return 0.0; }
  let base = b * p.strideA;
  if (p.transA == 1u) { return A[base + k * p.M + m]; }
  return A[base + m * p.K + k];
}
fn b_at(b: u32, k: u32, n: u32) -> f32 {
  if (k >= p.K || n >= p.N) { return 0.0; }
  let base = b * p.strideB;
  if (p.transB == 1u) { return B[base + n * p.K + k]; }
  return B[base + k * p.N + n];
}

@compute @workgroup_size(16, 16, 1)
fn naive(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x; let m = gid.y; let b = gid.z;
  if (m >= p.M || n >= p.N) { return; }
  var acc = 0.0;
  for (var k = 0u; k < p.K; k++) { acc += a_at(b, m, k) * b_at(b, k, n); }
  C[b * p.M * p.N + m * p.N + n] = acc;
}

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

@compute @workgroup_size(8, 8, 1)
fn blocked4x4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n0 = gid.x * 4u; let m0 = gid.y * 4u; let b = gid.z;
  if (m0 >= p.M || n0 >= p.N) { return; }
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  for (var k = 0u; k < p.K; k++) {
    let bv = vec4<f32>(b_at(b, k, n0), b_at(b, k, n0 + 1u), b_at(b, k, n0 + 2u), b_at(b, k, n0 + 3u));
    c0 += a_at(b, m0, k) * bv;
    c1 += a_at(b, m0 + 1u, k) * bv;
    c2 += a_at(b, m0 + 2u, k) * bv;
    c3 += a_at(b, m0 + 3u, k) * bv;
  }
  store4(b, m0, n0, c0); store4(b, m0 + 1u, n0, c1); store4(b, m0 + 2u, n0, c2); store4(b, m0 + 3u, n0, c3);
}

const TM = 64u;  // tile rows (M)
const TN = 64u;  // tile cols (N)
const TK = 16u;  // K depth per stage
var<workgroup> As: array<f32, 1024>;  // [TK][TM]
var<workgroup> Bs: array<f32, 1024>;  // [TK][TN]

@compute @workgroup_size(16, 16, 1)
fn tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wid.z;
  let tm0 = wid.y * TM; let tn0 = wid.x * TN;
  let t = lid.y * 16u + lid.x;  // 0..255
  var acc: array<vec4<f32>, 4>;
  for (var i = 0u; i < 4u; i++) { acc[i] = vec4<f32>(0.0); }
  for (var k0 = 0u; k0 < p.K; k0 += TK) {
    // stage: 256 threads × 4 loads = 16 × 64 for each operand
    for (var r = 0u; r < 4u; r++) {
      let e = t * 4u + r;          // 0..1023
      let kk = e / TM; let mm = e % TM;
      As[e] = a_at(b, tm0 + mm, k0 + kk);
      Bs[e] = b_at(b, k0 + kk, tn0 + mm);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let bo = kk * TN + lid.x * 4u;
      let bv = vec4<f32>(Bs[bo], Bs[bo + 1u], Bs[bo + 2u], Bs[bo + 3u]);
      let ao = kk * TM + lid.y * 4u;
      acc[0] += As[ao] * bv; acc[1] += As[ao + 1u] * bv; acc[2] += As[ao + 2u] * bv; acc[3] += As[ao + 3u] * bv;
    }
    workgroupBarrier();
  }
  let m0 = tm0 + lid.y * 4u; let n0 = tn0 + lid.x * 4u;
  if (n0 >= p.N) { return; }
  for (var i = 0u; i < 4u; i++) { store4(b, m0 + i, n0, acc[i]); }
}
