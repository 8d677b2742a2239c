// Fused multi-head attention, forward and backward (src/engine/ops/attention.ts): q (B,Tq,H*dh), k/v (B,Tk,H*dh),
// causal masks aligned to the end of the keys, optional key mask (B,Tk) i32 (1 = valid); a query row without a visible
// key outputs zeros (lse 0) and gets zero gradients. Per (b, i, h) row: scores over the visible keys in SIMD dot
// products, one max/exp/sum pass, then p-weighted sums; the backward recomputes p from the saved logsumexp.
// Scratch: 2*Tk floats (scores, dp) + Tk ints (visible key list).
#include "common.h"

INLINE float dot(const float* a, const float* b, int n) {
  v128_t acc = wasm_f32x4_splat(0);
  int c = 0;
  for (; c + 4 <= n; c += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(a + c), wasm_v128_load(b + c)));
  float s = hsum4(acc);
  for (; c < n; c++) s += a[c] * b[c];
  return s;
}
INLINE void axpy(float* y, float a, const float* x, int n) {
  v128_t va = wasm_f32x4_splat(a);
  int c = 0;
  for (; c + 4 <= n; c += 4) wasm_v128_store(y + c, wasm_f32x4_add(wasm_v128_load(y + c), wasm_f32x4_mul(va, wasm_v128_load(x + c))));
  for (; c < n; c++) y[c] += a * x[c];
}

static int visible(const int* M, int b, int i, int Tq, int Tk, int causal, int* js) {
  int end = Tk;
  if (causal) {
    end = i + Tk - Tq + 1;
    if (end < 0) end = 0;
    if (end > Tk) end = Tk;
  }
  int n = 0;
  for (int j = 0; j < end; j++) if (!M || M[b * Tk + j] != 0) js[n++] = j;
  return n;
}

EXPORT(attention_fwd)
void attention_fwd(const float* Q, const float* K, const float* V, const int* M, float* O, float* LSE, int B, int Tq, int Tk, int H,
                   int dh, int causal, float scale, float* scratch) {
  int E = H * dh;
  float* s = scratch;
  int* js = (int*)(scratch + 2 * Tk);
  for (int64_t t = 0; t < (int64_t)B * Tq * E; t++) O[t] = 0.0f;
  for (int64_t t = 0; t < (int64_t)B * H * Tq; t++) LSE[t] = 0.0f;
  for (int b = 0; b < B; b++)
    for (int i = 0; i < Tq; i++) {
      int n = visible(M, b, i, Tq, Tk, causal, js);
      if (!n) continue;
      for (int h = 0; h < H; h++) {
        const float* q = Q + ((int64_t)b * Tq + i) * E + h * dh;
        float m = -__builtin_inff();
        for (int t = 0; t < n; t++) {
          s[t] = dot(q, K + ((int64_t)b * Tk + js[t]) * E + h * dh, dh) * scale;
          m = fmaxf_(m, s[t]);
        }
        float z = 0;
        for (int t = 0; t < n; t++) z += (s[t] = expf_(s[t] - m));
        float inv = 1.0f / z;
        float* o = O + ((int64_t)b * Tq + i) * E + h * dh;
        for (int t = 0; t < n; t++) axpy(o, s[t] * inv, V + ((int64_t)b * Tk + js[t]) * E + h * dh, dh);
        LSE[((int64_t)b * H + h) * Tq + i] = m + logf_(z);
      }
    }
}

EXPORT(attention_bwd)
void attention_bwd(const float* Q, const float* K, const float* V, const float* LSE, const float* G, const int* M, float* dQ, float* dK,
                   float* dV, int B, int Tq, int Tk, int H, int dh, int causal, float scale, float* scratch) {
  int E = H * dh;
  float* p = scratch;
  float* dp = scratch + Tk;
  int* js = (int*)(scratch + 2 * Tk);
  for (int64_t t = 0; t < (int64_t)B * Tq * E; t++) dQ[t] = 0.0f;
  for (int64_t t = 0; t < (int64_t)B * Tk * E; t++) { dK[t] = 0.0f; dV[t] = 0.0f; }
  for (int b = 0; b < B; b++)
    for (int i = 0; i < Tq; i++) {
      int n = visible(M, b, i, Tq, Tk, causal, js);
      if (!n) continue;
      for (int h = 0; h < H; h++) {
        int64_t qo = ((int64_t)b * Tq + i) * E + h * dh;
        const float* q = Q + qo;
        const float* g = G + qo;
        float lse = LSE[((int64_t)b * H + h) * Tq + i];
        float D = 0;
        for (int t = 0; t < n; t++) {
          int64_t ko = ((int64_t)b * Tk + js[t]) * E + h * dh;
          p[t] = expf_(dot(q, K + ko, dh) * scale - lse);
          dp[t] = dot(g, V + ko, dh);
          D += p[t] * dp[t];
        }
        for (int t = 0; t < n; t++) {
          int64_t ko = ((int64_t)b * Tk + js[t]) * E + h * dh;
          float ds = p[t] * (dp[t] - D) * scale;
          axpy(dQ + qo, ds, K + ko, dh);
          axpy(dK + ko, ds, q, dh);
          axpy(dV + ko, p[t], g, dh);
        }
      }
    }
}
