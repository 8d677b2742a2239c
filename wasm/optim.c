// AdamW step in place (src/engine/ops/adamw.ts: same host-side scalars, f32 arithmetic), and nearest-codeword
// assignment (src/engine/ops/rq-assign.ts: argmin_k ||x - e_k||^2, ties to the lowest k, f32 accumulation in j order).
#include "common.h"

EXPORT(adamw)
void adamw(float* P, const float* G, float* M, float* V, int n, float gscale, float decay, float b1, float b2, float stepSize,
           float bc2sqrt, float eps) {
  v128_t vs = wasm_f32x4_splat(gscale), vd = wasm_f32x4_splat(decay), vb1 = wasm_f32x4_splat(b1), vb2 = wasm_f32x4_splat(b2);
  v128_t v1b1 = wasm_f32x4_splat(1.0f - b1), v1b2 = wasm_f32x4_splat(1.0f - b2), vst = wasm_f32x4_splat(stepSize);
  v128_t vbc = wasm_f32x4_splat(1.0f / bc2sqrt), veps = wasm_f32x4_splat(eps);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t g = wasm_f32x4_mul(wasm_v128_load(G + i), vs);
    v128_t m = wasm_f32x4_add(wasm_f32x4_mul(vb1, wasm_v128_load(M + i)), wasm_f32x4_mul(v1b1, g));
    v128_t v = wasm_f32x4_add(wasm_f32x4_mul(vb2, wasm_v128_load(V + i)), wasm_f32x4_mul(v1b2, wasm_f32x4_mul(g, g)));
    wasm_v128_store(M + i, m);
    wasm_v128_store(V + i, v);
    v128_t den = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_sqrt(v), vbc), veps);
    wasm_v128_store(P + i, wasm_f32x4_sub(wasm_f32x4_mul(wasm_v128_load(P + i), vd), wasm_f32x4_mul(vst, wasm_f32x4_div(m, den))));
  }
  for (; i < n; i++) {
    float g = G[i] * gscale;
    float m = M[i] = b1 * M[i] + (1.0f - b1) * g;
    float v = V[i] = b2 * V[i] + (1.0f - b2) * g * g;
    P[i] = P[i] * decay - stepSize * (m / (sqrtf_(v) / bc2sqrt + eps));
  }
}

// f32 squared distance in j order (t = x - e, acc += t*t): the reference's arithmetic, shared by both assignment kernels.
INLINE float dist2_f32(const float* x, const float* e, int d) {
  float acc = 0;
  for (int j = 0; j < d; j++) { float t = x[j] - e[j]; acc += t * t; }
  return acc;
}

// Distances in the same order as the reference (per element t = x - e, acc += t*t, j ascending) for exact ties;
// four codewords at a time share each load of x.
EXPORT(nearest_code)
void nearest_code(const float* X, const float* E, int* INDEX, float* DIST, int N, int K, int d) {
  for (int n = 0; n < N; n++) {
    const float* x = X + (int64_t)n * d;
    float bd = __builtin_inff();
    int bk = -1;
    int k = 0;
    for (; k + 4 <= K; k += 4) {
      const float* e0 = E + (int64_t)k * d;
      const float* e1 = e0 + d; const float* e2 = e1 + d; const float* e3 = e2 + d;
      v128_t acc = wasm_f32x4_splat(0);
      for (int j = 0; j < d; j++) {
        v128_t xv = wasm_f32x4_splat(x[j]);
        v128_t ev = wasm_f32x4_make(e0[j], e1[j], e2[j], e3[j]);
        v128_t t = wasm_f32x4_sub(xv, ev);
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(t, t));
      }
      float a[4] __attribute__((aligned(16)));
      wasm_v128_store(a, acc);
      for (int q = 0; q < 4; q++) if (a[q] < bd || (a[q] == bd && bk < 0)) { bd = a[q]; bk = k + q; }
    }
    for (; k < K; k++) {
      float acc = dist2_f32(x, E + (int64_t)k * d, d);
      if (acc < bd || (acc == bd && bk < 0)) { bd = acc; bk = k; }
    }
    INDEX[n] = bk;
    DIST[n] = bd;
  }
}

// The second half of the GEMM path of nearest-codeword assignment (src/engine/ops/rq-assign.ts): DOT (N, K) = X·Eᵀ
// comes from the matmul kernel; each row's approximate distances ||x||^2 - 2 x.e + ||e||^2 pick the candidates within
// a bound of the f32 rounding of both forms, (8d + 32)·2^-24·(||x||^2 + max ||e||^2), and only those are re-scored with
// nearest_code's exact arithmetic (t = x - e, acc += t*t in j order, ties to the lowest k). The exhaustive argmin is
// always a candidate, so INDEX/DIST equal nearest_code's bit for bit; NaN distances are re-scored like the rest.
// CN: scratch of K floats.
EXPORT(nearest_code_rescore)
void nearest_code_rescore(const float* X, const float* E, const float* DOT, int* INDEX, float* DIST, int N, int K, int d, float* CN) {
  float cmax = 0;
  for (int k = 0; k < K; k++) {
    float c = row_sumsq(E + (int64_t)k * d, d);
    CN[k] = c;
    if (c > cmax) cmax = c;
  }
  const float rel = (8.0f * (float)d + 32.0f) * 5.9604644775390625e-8f;
  for (int n = 0; n < N; n++) {
    const float* x = X + (int64_t)n * d;
    const float* dot = DOT + (int64_t)n * K;
    const float xn = row_sumsq(x, d);
    float best = __builtin_inff();
    for (int k = 0; k < K; k++) {
      float a = xn - 2.0f * dot[k] + CN[k];
      if (a < best) best = a;
    }
    const float lim = best + rel * (xn + cmax) + 1e-30f;
    float bd = __builtin_inff();
    int bk = -1;
    for (int k = 0; k < K; k++) {
      if (xn - 2.0f * dot[k] + CN[k] > lim) continue;
      float s = dist2_f32(x, E + (int64_t)k * d, d);
      if (s < bd || (s == bd && bk < 0)) { bd = s; bk = k; }
    }
    INDEX[n] = bk;
    DIST[n] = bd;
  }
}

// Sum of squares of one gradient (f32 lanes of 1024-element blocks, accumulated in f64), for clipGradNorm.
EXPORT(sumsq)
double sumsq(const float* G, int n) {
  double total = 0;
  int i = 0;
  while (i < n) {
    int end = imin(n, i + 1024);
    v128_t acc = wasm_f32x4_splat(0);
    for (; i + 4 <= end; i += 4) { v128_t g = wasm_v128_load(G + i); acc = wasm_f32x4_add(acc, wasm_f32x4_mul(g, g)); }
    float s = hsum4(acc);
    for (; i < end; i++) s += G[i] * G[i];
    total += s;
  }
  return total;
}

EXPORT(scale_inplace)
void scale_inplace(float* G, int n, float s) {
  v128_t vs = wasm_f32x4_splat(s);
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(G + i, wasm_f32x4_mul(wasm_v128_load(G + i), vs));
  for (; i < n; i++) G[i] *= s;
}
