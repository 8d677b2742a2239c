// Fused multi-head attention, forward and backward (src/engine/ops/attention.ts): q (B,Tq,H*dh), k/v (B,Tk,H*dh),
// causal masks aligned to the end of the keys, optional key mask (B,Tk) i32 (1 = valid), optional additive bias Bi at
// element b*sB + h*sH + i*sQ + j*sK (strides 0 on broadcast axes; -inf = masked); a query row without a visible key
// outputs zeros (lse 0) and gets zero gradients. With a bias the backward also writes dS (B,H,Tq,Tk) = p (dp - D). Per (b, i, h) row: scores over the visible keys in SIMD dot
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

/** Scaled scores of query row (b, i, h) over the keys js[0..n) plus the bias (-inf = masked); returns their max. */
static float scores(const float* q, const float* K, const float* Bi, int64_t bo, int sK, int64_t kb, int E, int dh, float scale, const int* js,
                    int n, float* s) {
  float m = -__builtin_inff();
  for (int t = 0; t < n; t++) {
    float x = dot(q, K + kb + (int64_t)js[t] * E, dh) * scale;
    if (Bi) x += Bi[bo + (int64_t)js[t] * sK];
    s[t] = x;
    m = fmaxf_(m, x);
  }
  return m;
}

EXPORT(attention_fwd)
void attention_fwd(const float* Q, const float* K, const float* V, const int* M, const float* Bi, int sB, int sH, int sQ, int sK, float* O,
                   float* LSE, int B, int Tq, int Tk, int H, int dh, int causal, float scale, float* scratch) {
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
        int64_t bo = (int64_t)b * sB + (int64_t)h * sH + (int64_t)i * sQ;
        float m = scores(q, K, Bi, bo, sK, (int64_t)b * Tk * E + h * dh, E, dh, scale, js, n, s);
        if (m == -__builtin_inff()) continue;  // every visible key masked by the bias: zeros, lse 0
        float z = 0;
        for (int t = 0; t < n; t++) z += (s[t] = expf_(s[t] - m));  // exp(-inf) = 0
        float inv = 1.0f / z;
        float* o = O + ((int64_t)b * Tq + i) * E + h * dh;
        for (int t = 0; t < n; t++) axpy(o, s[t] * inv, V + ((int64_t)b * Tk + js[t]) * E + h * dh, dh);
        LSE[((int64_t)b * H + h) * Tq + i] = m + logf_(z);
      }
    }
}

EXPORT(attention_bwd)
void attention_bwd(const float* Q, const float* K, const float* V, const float* LSE, const float* G, const int* M, const float* Bi, int sB,
                   int sH, int sQ, int sK, float* dQ, float* dK, float* dV, float* dS, int B, int Tq, int Tk, int H, int dh, int causal,
                   float scale, float* scratch) {
  int E = H * dh;
  float* p = scratch;
  float* dp = scratch + Tk;
  int* js = (int*)(scratch + 2 * Tk);
  for (int64_t t = 0; t < (int64_t)B * Tq * E; t++) dQ[t] = 0.0f;
  for (int64_t t = 0; t < (int64_t)B * Tk * E; t++) { dK[t] = 0.0f; dV[t] = 0.0f; }
  if (dS) for (int64_t t = 0; t < (int64_t)B * H * Tq * Tk; t++) dS[t] = 0.0f;
  for (int b = 0; b < B; b++)
    for (int i = 0; i < Tq; i++) {
      int n = visible(M, b, i, Tq, Tk, causal, js);
      if (!n) continue;
      for (int h = 0; h < H; h++) {
        int64_t qo = ((int64_t)b * Tq + i) * E + h * dh;
        const float* q = Q + qo;
        const float* g = G + qo;
        float lse = LSE[((int64_t)b * H + h) * Tq + i];
        int64_t bo = (int64_t)b * sB + (int64_t)h * sH + (int64_t)i * sQ;
        if (scores(q, K, Bi, bo, sK, (int64_t)b * Tk * E + h * dh, E, dh, scale, js, n, p) == -__builtin_inff()) continue;
        float D = 0;
        for (int t = 0; t < n; t++) {
          int64_t ko = ((int64_t)b * Tk + js[t]) * E + h * dh;
          p[t] = expf_(p[t] - lse);  // masked (-inf) keys: 0
          dp[t] = dot(g, V + ko, dh);
          D += p[t] * dp[t];
        }
        float* dsRow = dS ? dS + (((int64_t)b * H + h) * Tq + i) * Tk : 0;
        for (int t = 0; t < n; t++) {
          int64_t ko = ((int64_t)b * Tk + js[t]) * E + h * dh;
          float ds = p[t] * (dp[t] - D);
          if (dsRow) dsRow[js[t]] = ds;
          ds *= scale;
          axpy(dQ + qo, ds, K + ko, dh);
          axpy(dK + ko, ds, q, dh);
          axpy(dV + ko, p[t], g, dh);
        }
      }
    }
}
