// Elementwise kernels over rank-4 (padded) shapes with broadcast strides (0 on broadcast axes), as in
// src/engine/ops/elementwise.ts. The innermost axis runs in SIMD when both operands are contiguous or one is a
// broadcast scalar along it. Kind ids are the tables UNARY_IDS / BINARY_IDS in elementwise.ts.
#include "common.h"

enum { B_ADD, B_SUB, B_MUL, B_DIV, B_MAX };

#define BIN_LOOP(OPV, OPS)                                                                             \
  for (int i0 = 0; i0 < o0; i0++)                                                                      \
    for (int i1 = 0; i1 < o1; i1++)                                                                    \
      for (int i2 = 0; i2 < o2; i2++) {                                                                \
        const float* a = A + i0 * sa0 + i1 * sa1 + i2 * sa2;                                           \
        const float* b = B + i0 * sb0 + i1 * sb1 + i2 * sb2;                                           \
        int j = 0;                                                                                     \
        if (sa3 == 1 && sb3 == 1) {                                                                    \
          for (; j + 4 <= o3; j += 4) {                                                                \
            v128_t x = wasm_v128_load(a + j), y = wasm_v128_load(b + j);                               \
            wasm_v128_store(out + j, OPV);                                                             \
          }                                                                                            \
        } else if (sa3 == 1 && sb3 == 0) {                                                             \
          v128_t y = wasm_v128_load32_splat(b);                                                        \
          for (; j + 4 <= o3; j += 4) {                                                                \
            v128_t x = wasm_v128_load(a + j);                                                          \
            wasm_v128_store(out + j, OPV);                                                             \
          }                                                                                            \
        } else if (sa3 == 0 && sb3 == 1) {                                                             \
          v128_t x = wasm_v128_load32_splat(a);                                                        \
          for (; j + 4 <= o3; j += 4) {                                                                \
            v128_t y = wasm_v128_load(b + j);                                                          \
            wasm_v128_store(out + j, OPV);                                                             \
          }                                                                                            \
        }                                                                                              \
        for (; j < o3; j++) {                                                                          \
          float x = a[j * sa3], y = b[j * sb3];                                                        \
          out[j] = OPS;                                                                                \
        }                                                                                              \
        out += o3;                                                                                     \
      }

EXPORT(binary)
void binary(int kind, const float* A, const float* B, float* out, int o0, int o1, int o2, int o3, int sa0, int sa1, int sa2,
            int sa3, int sb0, int sb1, int sb2, int sb3) {
  switch (kind) {
    case B_ADD: BIN_LOOP(wasm_f32x4_add(x, y), x + y) break;
    case B_SUB: BIN_LOOP(wasm_f32x4_sub(x, y), x - y) break;
    case B_MUL: BIN_LOOP(wasm_f32x4_mul(x, y), x * y) break;
    case B_DIV: BIN_LOOP(wasm_f32x4_div(x, y), x / y) break;
    // Math.max semantics: NaN if either is NaN (pmax would not propagate it)
    case B_MAX: BIN_LOOP(wasm_f32x4_max(x, y), (x != x || y != y) ? __builtin_nanf("") : (x > y ? x : y)) break;
  }
}

enum { U_IDENTITY, U_NEG, U_AFFINE, U_EXP, U_LOG, U_SQRT, U_SQUARE, U_ABS, U_STEP, U_RELU, U_SIGMOID, U_TANH, U_SILU, U_GELU };

INLINE float unary1(int kind, float a, float al, float be) {
  switch (kind) {
    case U_IDENTITY: return a;
    case U_NEG: return -a;
    case U_AFFINE: return a * al + be;
    case U_EXP: return expf_(a);
    case U_LOG: return logf_(a);
    case U_SQRT: return sqrtf_(a);
    case U_SQUARE: return a * a;
    case U_ABS: return a < 0 ? -a : a;
    case U_STEP: return a > 0 ? 1.0f : 0.0f;
    case U_RELU: return a > 0 ? a : (a != a ? a : 0.0f);
    case U_SIGMOID: return sigmoidf_(a);
    case U_TANH: return tanhf_(a);
    case U_SILU: return a * sigmoidf_(a);
    case U_GELU: return 0.5f * a * (1.0f + tanhf_(0.7978845608f * (a + 0.044715f * a * a * a)));
  }
  return a;
}

#define UN_LOOP(EXPR)                                                                                 \
  for (int i0 = 0; i0 < o0; i0++)                                                                     \
    for (int i1 = 0; i1 < o1; i1++)                                                                   \
      for (int i2 = 0; i2 < o2; i2++) {                                                               \
        const float* x = X + i0 * s0 + i1 * s1 + i2 * s2;                                             \
        for (int j = 0; j < o3; j++) {                                                                \
          float a = x[j * s3];                                                                        \
          out[j] = EXPR;                                                                              \
        }                                                                                             \
        out += o3;                                                                                    \
      }

EXPORT(unary)
void unary(int kind, const float* X, float* out, int o0, int o1, int o2, int o3, int s0, int s1, int s2, int s3, float al, float be) {
  int n = o0 * o1 * o2 * o3;
  int contiguous = s3 == 1 && s2 == o3 && s1 == o2 * o3 && s0 == o1 * o2 * o3;
  if (contiguous && (kind == U_AFFINE || kind == U_RELU || kind == U_IDENTITY || kind == U_NEG || kind == U_SQUARE || kind == U_EXP)) {
    int j = 0;
    v128_t va = wasm_f32x4_splat(al), vb = wasm_f32x4_splat(be), z = wasm_f32x4_splat(0);
    for (; j + 4 <= n; j += 4) {
      v128_t x = wasm_v128_load(X + j), y;
      switch (kind) {
        case U_AFFINE: y = wasm_f32x4_add(wasm_f32x4_mul(x, va), vb); break;
        case U_RELU: y = wasm_v128_bitselect(x, z, wasm_f32x4_gt(x, z)); break;
        case U_NEG: y = wasm_f32x4_neg(x); break;
        case U_SQUARE: y = wasm_f32x4_mul(x, x); break;
        case U_EXP: {
          // lanes outside expf4's clamp take the scalar path (overflow to inf, underflow to 0, NaN)
          v128_t ok = wasm_v128_and(wasm_f32x4_ge(x, wasm_f32x4_splat(-87.3f)), wasm_f32x4_le(x, wasm_f32x4_splat(88.7f)));
          if (!wasm_i32x4_all_true(ok)) {
            for (int q = 0; q < 4; q++) out[j + q] = expf_(X[j + q]);
            continue;
          }
          y = expf4(x);
          break;
        }
        default: y = x;
      }
      wasm_v128_store(out + j, y);
    }
    for (; j < n; j++) out[j] = unary1(kind, X[j], al, be);
    return;
  }
  switch (kind) {
    case U_IDENTITY: UN_LOOP(a) break;
    case U_AFFINE: UN_LOOP(a * al + be) break;
    default: UN_LOOP(unary1(kind, a, al, be)) break;
  }
}

INLINE float grad1(int kind, float a, float y, float g, float al) {
  switch (kind) {
    case U_IDENTITY: return g;
    case U_NEG: return -g;
    case U_AFFINE: return g * al;
    case U_EXP: return g * y;
    case U_LOG: return g / a;
    case U_SQRT: return g * 0.5f / y;
    case U_SQUARE: return 2.0f * a * g;
    case U_ABS: return a > 0 ? g : (a < 0 ? -g : 0.0f * g);
    case U_STEP: return 0.0f;
    case U_RELU: return a > 0 ? g : 0.0f;
    case U_SIGMOID: return g * y * (1.0f - y);
    case U_TANH: return g * (1.0f - y * y);
    case U_SILU: { float s = sigmoidf_(a); return g * s * (1.0f + a * (1.0f - s)); }
    case U_GELU: {
      float t = tanhf_(0.7978845608f * (a + 0.044715f * a * a * a));
      return g * (0.5f * (1.0f + t) + 0.5f * a * (1.0f - t * t) * 0.7978845608f * (1.0f + 3.0f * 0.044715f * a * a));
    }
  }
  return g;
}

EXPORT(unary_grad)
void unary_grad(int kind, const float* X, const float* Y, const float* G, float* out, int n, float al) {
  int j = 0;
  if (kind == U_RELU) {
    v128_t z = wasm_f32x4_splat(0);
    for (; j + 4 <= n; j += 4) {
      v128_t x = wasm_v128_load(X + j), g = wasm_v128_load(G + j);
      wasm_v128_store(out + j, wasm_v128_and(g, wasm_f32x4_gt(x, z)));
    }
  } else if (kind == U_AFFINE) {
    v128_t va = wasm_f32x4_splat(al);
    for (; j + 4 <= n; j += 4) wasm_v128_store(out + j, wasm_f32x4_mul(wasm_v128_load(G + j), va));
  }
  for (; j < n; j++) out[j] = grad1(kind, X[j], Y[j], G[j], al);
}

// out (padded shape os, contiguous) = sum of x (padded shape xs) over the axes where os is 1. ost: out strides, 0 on
// reduced axes. Summation order: ascending x index (f32), as the CPU reference.
EXPORT(sum_to)
void sum_to(const float* X, float* out, int n_out, int x0, int x1, int x2, int x3, int t0, int t1, int t2, int t3) {
  for (int i = 0; i < n_out; i++) out[i] = 0.0f;
  for (int i0 = 0; i0 < x0; i0++)
    for (int i1 = 0; i1 < x1; i1++)
      for (int i2 = 0; i2 < x2; i2++) {
        float* o = out + i0 * t0 + i1 * t1 + i2 * t2;
        int j = 0;
        if (t3 == 1) {
          for (; j + 4 <= x3; j += 4) wasm_v128_store(o + j, wasm_f32x4_add(wasm_v128_load(o + j), wasm_v128_load(X + j)));
          for (; j < x3; j++) o[j] += X[j];
        } else {
          float s = o[0];
          for (; j < x3; j++) s += X[j];
          o[0] = s;
        }
        X += x3;
      }
}
