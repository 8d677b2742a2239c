// Data movement and the small per-element ops that used to be declared CPU fallbacks on wasm
// (src/engine/ops/{shape,dropout}.ts): block copies (concat, slice, slicePad, writeSlice, same-dtype cast),
// rank-4 strided transpose, f32 <-> i32 casts, seeded dropout. Copies move raw 32-bit words (f32 and i32 alike).
#include "common.h"

// dst[o * dstRow + dstOff + c] = src[o * srcRow + srcOff + c] for o < outer, c < width (ops/shape.ts `Block`).
EXPORT(copy_block)
void copy_block(const uint32_t* src, uint32_t* dst, int outer, int width, int srcRow, int srcOff, int dstRow, int dstOff) {
  if (width <= 0) return;
  if (srcRow == width && dstRow == width && srcOff == 0 && dstOff == 0) {
    __builtin_memcpy(dst, src, (uint64_t)outer * width * 4);
    return;
  }
  for (int o = 0; o < outer; o++) __builtin_memcpy(dst + (int64_t)o * dstRow + dstOff, src + (int64_t)o * srcRow + srcOff, (uint64_t)width * 4);
}

EXPORT(fill_zero)
void fill_zero(uint32_t* dst, int n) { __builtin_memset(dst, 0, (uint64_t)n * 4); }

// out (o0, o1, o2, o3) contiguous = x at a*s0 + b*s1 + c*s2 + d*s3 (input strides in output axis order).
// Inner axis contiguous in the input: row copies; otherwise 4x4 blocks over the two last output axes so that both the
// reads (stride s3) and the writes stay within a few cache lines.
EXPORT(transpose4)
void transpose4(const uint32_t* x, uint32_t* out, int o0, int o1, int o2, int o3, int s0, int s1, int s2, int s3) {
  for (int a = 0; a < o0; a++)
    for (int b = 0; b < o1; b++) {
      const uint32_t* xb = x + (int64_t)a * s0 + (int64_t)b * s1;
      uint32_t* ob = out + ((int64_t)a * o1 + b) * o2 * o3;
      if (s3 == 1) {
        for (int c = 0; c < o2; c++) __builtin_memcpy(ob + (int64_t)c * o3, xb + (int64_t)c * s2, (uint64_t)o3 * 4);
        continue;
      }
      for (int c0 = 0; c0 < o2; c0 += 4) {
        int c1 = imin(o2, c0 + 4);
        for (int d0 = 0; d0 < o3; d0 += 16) {
          int d1 = imin(o3, d0 + 16);
          for (int c = c0; c < c1; c++) {
            const uint32_t* xr = xb + (int64_t)c * s2;
            uint32_t* orow = ob + (int64_t)c * o3;
            for (int d = d0; d < d1; d++) orow[d] = xr[(int64_t)d * s3];
          }
        }
      }
    }
}

// f32 -> i32: truncate toward zero, saturate to [-2^31, 2^31 - 128] (the largest f32 below 2^31), NaN -> 0 — the CPU
// reference's rule (and the WGSL conversion's range).
EXPORT(cast_f32_i32)
void cast_f32_i32(const float* x, int* out, int n) {
  v128_t lo = wasm_f32x4_splat(-2147483648.0f), hi = wasm_f32x4_splat(2147483520.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    v128_t nan = wasm_f32x4_ne(v, v);
    v = wasm_f32x4_pmin(wasm_f32x4_pmax(v, lo), hi);
    wasm_v128_store(out + i, wasm_v128_andnot(wasm_i32x4_trunc_sat_f32x4(v), nan));
  }
  for (; i < n; i++) {
    float v = x[i];
    out[i] = v != v ? 0 : v <= -2147483648.0f ? (int)0x80000000 : v >= 2147483520.0f ? 2147483520 : (int)v;
  }
}

EXPORT(cast_i32_f32)
void cast_i32_f32(const int* x, float* out, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, wasm_f32x4_convert_i32x4(wasm_v128_load(x + i)));
  for (; i < n; i++) out[i] = (float)x[i];
}

INLINE uint32_t lowbias32(uint32_t h) {
  h ^= h >> 16; h *= 0x7feb352du;
  h ^= h >> 15; h *= 0x846ca68bu;
  h ^= h >> 16;
  return h;
}

// y_i = lowbias32(i ^ sh) >= th ? x_i * scale : 0 (ops/dropout.ts: sh = lowbias32(seed), th = floor(p 2^32)).
EXPORT(dropout)
void dropout(const float* x, float* y, int n, uint32_t sh, uint32_t th, float scale) {
  for (int i = 0; i < n; i++) y[i] = lowbias32((uint32_t)i ^ sh) >= th ? x[i] * scale : 0.0f;
}
