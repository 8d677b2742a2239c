// LayerNorm over the last axis (src/engine/ops/layernorm.ts): y = (x - mean) * rstd * w + b, biased variance;
// backward: dx per row, dw / db summed over rows in row order. Two-pass statistics in f32 SIMD lanes.
#include "common.h"

INLINE float row_sum(const float* x, int D) {
  v128_t acc = wasm_f32x4_splat(0);
  int c = 0;
  for (; c + 4 <= D; c += 4) acc = wasm_f32x4_add(acc, wasm_v128_load(x + c));
  float s = hsum4(acc);
  for (; c < D; c++) s += x[c];
  return s;
}
INLINE float row_var(const float* x, int D, float mu) {
  v128_t acc = wasm_f32x4_splat(0), m = wasm_f32x4_splat(mu);
  int c = 0;
  for (; c + 4 <= D; c += 4) {
    v128_t t = wasm_f32x4_sub(wasm_v128_load(x + c), m);
    acc = wasm_f32x4_add(acc, wasm_f32x4_mul(t, t));
  }
  float s = hsum4(acc);
  for (; c < D; c++) s += (x[c] - mu) * (x[c] - mu);
  return s / (float)D;
}

EXPORT(layernorm_rows)
void layernorm_rows(const float* X, const float* W, const float* B, float* Y, int rows, int D, float eps) {
  for (int r = 0; r < rows; r++, X += D, Y += D) {
    float mu = row_sum(X, D) / (float)D;
    float rs = 1.0f / sqrtf_(row_var(X, D, mu) + eps);
    v128_t vm = wasm_f32x4_splat(mu), vr = wasm_f32x4_splat(rs);
    int c = 0;
    for (; c + 4 <= D; c += 4) {
      v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(X + c), vm), vr);
      wasm_v128_store(Y + c, wasm_f32x4_add(wasm_f32x4_mul(xh, wasm_v128_load(W + c)), wasm_v128_load(B + c)));
    }
    for (; c < D; c++) Y[c] = (X[c] - mu) * rs * W[c] + B[c];
  }
}

EXPORT(layernorm_grad_rows)
void layernorm_grad_rows(const float* X, const float* W, const float* G, float* DX, float* DW, float* DB, int rows, int D, float eps) {
  for (int c = 0; c < D; c++) { DW[c] = 0.0f; DB[c] = 0.0f; }
  for (int r = 0; r < rows; r++, X += D, G += D, DX += D) {
    float mu = row_sum(X, D) / (float)D;
    float rs = 1.0f / sqrtf_(row_var(X, D, mu) + eps);
    float s1 = 0, s2 = 0;
    for (int c = 0; c < D; c++) {
      float gh = G[c] * W[c];
      s1 += gh;
      s2 += gh * (X[c] - mu) * rs;
    }
    s1 /= (float)D;
    s2 /= (float)D;
    for (int c = 0; c < D; c++) {
      float xh = (X[c] - mu) * rs;
      DX[c] = rs * (G[c] * W[c] - s1 - xh * s2);
      DW[c] += G[c] * xh;
      DB[c] += G[c];
    }
  }
}
