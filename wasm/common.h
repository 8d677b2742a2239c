// Shared helpers for the wasm kernels (wasm32, -msimd128, no libc). Every exported kernel takes byte pointers into
// the one linear memory that WasmBackend (src/engine/wasm-backend.ts) manages, plus plain int/float arguments.
#pragma once
#include <wasm_simd128.h>
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

INLINE int imin(int a, int b) { return a < b ? a : b; }
INLINE int imax(int a, int b) { return a > b ? a : b; }
INLINE float fmaxf_(float a, float b) { return a > b ? a : b; }
INLINE float sqrtf_(float x) { return __builtin_sqrtf(x); }

// expf: Cody-Waite range reduction x = n ln2 + r, |r| <= ln2/2, degree-6 polynomial (rel. error ~2e-7).
INLINE float expf_(float x) {
  if (x > 88.72f) return __builtin_inff();
  if (x < -103.9f) return 0.0f;
  float n = __builtin_rintf(x * 1.44269504089f);
  float r = x - n * 0.693145751953125f - n * 1.428606765330187e-06f;
  float p = 1.0f + r * (1.0f + r * (0.5f + r * (0.16666666f + r * (0.041666668f + r * (0.008333334f + r * 0.0013888889f)))));
  int ni = (int)n;
  // 2^n in two halves so n down to -149 (subnormals) and up to 128 stay exact
  int h = ni / 2;
  union { uint32_t u; float f; } a = { (uint32_t)(h + 127) << 23 }, b = { (uint32_t)(ni - h + 127) << 23 };
  return p * a.f * b.f;
}

// logf: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) = 2 atanh(s), s = (m-1)/(m+1) (series to s^9).
INLINE float logf_(float x) {
  if (!(x > 0.0f)) return x == 0.0f ? -__builtin_inff() : __builtin_nanf("");
  if (x == __builtin_inff()) return x;
  union { float f; uint32_t u; } v = { x };
  int e = (int)((v.u >> 23) & 0xff);
  if (e == 0) { v.f = x * 8388608.0f; e = (int)((v.u >> 23) & 0xff) - 23; }
  e -= 127;
  v.u = (v.u & 0x007fffff) | 0x3f800000;
  float m = v.f;
  if (m > 1.41421356f) { m *= 0.5f; e++; }
  float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
  float l = 2.0f * s * (1.0f + s2 * (0.33333333f + s2 * (0.2f + s2 * (0.14285714f + s2 * 0.11111111f))));
  return l + (float)e * 0.69314718056f;
}

INLINE float tanhf_(float x) {
  if (x > 9.0f) return 1.0f;
  if (x < -9.0f) return -1.0f;
  if (x > -0.004f && x < 0.004f) return x * (1.0f - x * x * (1.0f / 3.0f));
  float e = expf_(2.0f * x);
  return (e - 1.0f) / (e + 1.0f);
}
INLINE float sigmoidf_(float x) { return 1.0f / (1.0f + expf_(-x)); }

// SIMD exp (same algorithm, 4 lanes); inputs are clamped to [-87.3, 88.7], which is exact for softmax (x - max <= 0).
INLINE v128_t expf4(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, wasm_f32x4_splat(-87.3f)), wasm_f32x4_splat(88.7f));
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504089f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693145751953125f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(1.428606765330187e-06f)));
  v128_t p = wasm_f32x4_splat(0.0013888889f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.008333334f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.041666668f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.16666666f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  v128_t ni = wasm_i32x4_trunc_sat_f32x4(n);
  v128_t scale = wasm_i32x4_shl(wasm_i32x4_add(ni, wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, scale);
}

INLINE float hsum4(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

// Sum of squares of a row: f32x4 lanes, then the tail (rows.c, optim.c).
INLINE float row_sumsq(const float* x, int D) {
  v128_t v = wasm_f32x4_splat(0);
  int c = 0;
  for (; c + 4 <= D; c += 4) { v128_t a = wasm_v128_load(x + c); v = wasm_f32x4_add(v, wasm_f32x4_mul(a, a)); }
  float s = hsum4(v);
  for (; c < D; c++) s += x[c] * x[c];
  return s;
}
