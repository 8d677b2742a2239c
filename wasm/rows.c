// Row-wise kernels over the last axis (rows, cols): softmax / log-softmax (+ backward), cross-entropy (+ backward),
// RMSNorm (+ backward), L2 normalisation (+ backward); and (outer, red, inner) reductions. Same formulas as the CPU
// references in src/engine/ops/{softmax,cross-entropy,rmsnorm,normalize,reduce}.ts, f32 arithmetic.
#include "common.h"

INLINE float row_max(const float* x, int C) {
  float m = -__builtin_inff();
  int c = 0;
  if (C >= 4) {
    v128_t vm = wasm_v128_load(x);
    for (c = 4; c + 4 <= C; c += 4) vm = wasm_f32x4_pmax(vm, wasm_v128_load(x + c));
    m = fmaxf_(fmaxf_(wasm_f32x4_extract_lane(vm, 0), wasm_f32x4_extract_lane(vm, 1)),
               fmaxf_(wasm_f32x4_extract_lane(vm, 2), wasm_f32x4_extract_lane(vm, 3)));
  }
  for (; c < C; c++) m = fmaxf_(m, x[c]);
  return m;
}

// sum_c exp(x[c] - m); when `out` is given it receives the exponentials.
INLINE float row_expsum(const float* x, float m, int C, float* out) {
  v128_t vs = wasm_f32x4_splat(0), vm = wasm_f32x4_splat(m);
  int c = 0;
  for (; c + 4 <= C; c += 4) {
    v128_t e = expf4(wasm_f32x4_sub(wasm_v128_load(x + c), vm));
    if (out) wasm_v128_store(out + c, e);
    vs = wasm_f32x4_add(vs, e);
  }
  float s = hsum4(vs);
  for (; c < C; c++) {
    float e = expf_(x[c] - m);
    if (out) out[c] = e;
    s += e;
  }
  return s;
}

EXPORT(softmax_rows)
void softmax_rows(const float* X, float* Y, int rows, int C, int log) {
  for (int r = 0; r < rows; r++, X += C, Y += C) {
    float m = row_max(X, C);
    if (m == -__builtin_inff()) m = 0.0f;  // an all -inf row: exp gives 0s, log gives -inf, like the reference
    if (log) {
      float lse = m + logf_(row_expsum(X, m, C, 0));
      for (int c = 0; c < C; c++) Y[c] = X[c] - lse;
    } else {
      float inv = 1.0f / row_expsum(X, m, C, Y);
      for (int c = 0; c < C; c++) Y[c] *= inv;
    }
  }
}

EXPORT(softmax_grad_rows)
void softmax_grad_rows(const float* Y, const float* G, float* DX, int rows, int C, int log) {
  for (int r = 0; r < rows; r++, Y += C, G += C, DX += C) {
    float s = 0;
    if (log) {
      for (int c = 0; c < C; c++) s += G[c];
      for (int c = 0; c < C; c++) DX[c] = G[c] - expf_(Y[c]) * s;
    } else {
      for (int c = 0; c < C; c++) s += G[c] * Y[c];
      for (int c = 0; c < C; c++) DX[c] = Y[c] * (G[c] - s);
    }
  }
}

// Per-row losses into `loss` (0 on ignored rows); returns the number of counted rows. Targets are validated by the caller.
EXPORT(cross_entropy_rows)
int cross_entropy_rows(const float* X, const int* T, float* loss, int N, int C, int ignore) {
  int count = 0;
  for (int i = 0; i < N; i++, X += C) {
    if (T[i] == ignore) { loss[i] = 0.0f; continue; }
    float m = row_max(X, C);
    loss[i] = m + logf_(row_expsum(X, m, C, 0)) - X[T[i]];
    count++;
  }
  return count;
}

// dx = (softmax(x) - onehot(t)) * k_i, k_i = 0 on ignored rows, else coef[mode == none ? i : 0].
EXPORT(cross_entropy_grad_rows)
void cross_entropy_grad_rows(const float* X, const int* T, const float* coef, float* DX, int N, int C, int ignore, int perRow, float scale) {
  for (int i = 0; i < N; i++, X += C, DX += C) {
    if (T[i] == ignore) {
      for (int c = 0; c < C; c++) DX[c] = 0.0f;
      continue;
    }
    float k = (perRow ? coef[i] : coef[0]) * scale;
    float m = row_max(X, C);
    float inv = 1.0f / row_expsum(X, m, C, DX);
    for (int c = 0; c < C; c++) DX[c] = DX[c] * inv * k;
    DX[T[i]] -= k;
  }
}

EXPORT(rmsnorm_rows)
void rmsnorm_rows(const float* X, const float* W, float* Y, int rows, int D, float eps) {
  for (int r = 0; r < rows; r++, X += D, Y += D) {
    float rs = 1.0f / sqrtf_(row_sumsq(X, D) / (float)D + eps);
    v128_t vr = wasm_f32x4_splat(rs);
    int c = 0;
    for (; c + 4 <= D; c += 4) wasm_v128_store(Y + c, wasm_f32x4_mul(wasm_f32x4_mul(wasm_v128_load(X + c), vr), wasm_v128_load(W + c)));
    for (; c < D; c++) Y[c] = X[c] * rs * W[c];
  }
}

// dx rows and dw (D) = sum over rows of g * x * rstd (accumulated in row order).
EXPORT(rmsnorm_grad_rows)
void rmsnorm_grad_rows(const float* X, const float* W, const float* G, float* DX, float* DW, int rows, int D, float eps) {
  for (int c = 0; c < D; c++) DW[c] = 0.0f;
  for (int r = 0; r < rows; r++, X += D, G += D, DX += D) {
    float rs = 1.0f / sqrtf_(row_sumsq(X, D) / (float)D + eps);
    float s = 0;
    for (int c = 0; c < D; c++) s += G[c] * W[c] * X[c];
    float k = s * rs * rs * rs / (float)D;
    for (int c = 0; c < D; c++) {
      DX[c] = rs * W[c] * G[c] - X[c] * k;
      DW[c] += G[c] * X[c] * rs;
    }
  }
}

EXPORT(l2norm_rows)
void l2norm_rows(const float* X, float* Y, int rows, int D, float eps) {
  for (int r = 0; r < rows; r++, X += D, Y += D) {
    float n = sqrtf_(row_sumsq(X, D));
    float inv = 1.0f / (n > eps ? n : eps);
    for (int c = 0; c < D; c++) Y[c] = X[c] * inv;
  }
}

EXPORT(l2norm_grad_rows)
void l2norm_grad_rows(const float* X, const float* G, float* DX, int rows, int D, float eps) {
  for (int r = 0; r < rows; r++, X += D, G += D, DX += D) {
    float n = sqrtf_(row_sumsq(X, D));
    float inv = 1.0f / (n > eps ? n : eps);
    float s = 0;
    for (int c = 0; c < D; c++) s += G[c] * X[c] * inv;
    float k = n > eps ? s : 0.0f;
    for (int c = 0; c < D; c++) DX[c] = (G[c] - X[c] * inv * k) * inv;
  }
}

// kind 0 sum, 1 mean, 2 max (ties: first index; writes IDX when given). x viewed as (outer, red, inner).
EXPORT(reduce_axis)
void reduce_axis(int kind, const float* X, float* OUT, int* IDX, int outer, int red, int inner) {
  for (int o = 0; o < outer; o++) {
    const float* xb = X + (int64_t)o * red * inner;
    float* ob = OUT + (int64_t)o * inner;
    if (kind != 2) {
      for (int j = 0; j < inner; j++) ob[j] = 0.0f;
      for (int r = 0; r < red; r++) {
        const float* xr = xb + (int64_t)r * inner;
        int j = 0;
        for (; j + 4 <= inner; j += 4) wasm_v128_store(ob + j, wasm_f32x4_add(wasm_v128_load(ob + j), wasm_v128_load(xr + j)));
        for (; j < inner; j++) ob[j] += xr[j];
      }
      if (kind == 1) for (int j = 0; j < inner; j++) ob[j] /= (float)red;
    } else {
      for (int j = 0; j < inner; j++) {
        float acc = xb[j];
        int arg = 0;
        for (int r = 1; r < red; r++) {
          float v = xb[(int64_t)r * inner + j];
          if (v > acc) { acc = v; arg = r; }
        }
        ob[j] = acc;
        if (IDX) IDX[(int64_t)o * inner + j] = arg;
      }
    }
  }
}

// The gradient of max over an axis: DX (outer, red, inner) is zero except DX[o, IDX[o, j], j] = G[o, j] (IDX from
// reduce_axis; an index outside [0, red) writes nothing).
EXPORT(reduce_max_grad)
void reduce_max_grad(const float* G, const int* IDX, float* DX, int outer, int red, int inner) {
  int64_t n = (int64_t)outer * red * inner;
  v128_t z = wasm_f32x4_splat(0);
  int64_t t = 0;
  for (; t + 4 <= n; t += 4) wasm_v128_store(DX + t, z);
  for (; t < n; t++) DX[t] = 0.0f;
  for (int o = 0; o < outer; o++)
    for (int j = 0; j < inner; j++) {
      int r = IDX[(int64_t)o * inner + j];
      if (r >= 0 && r < red) DX[((int64_t)o * red + r) * inner + j] = G[(int64_t)o * inner + j];
    }
}
