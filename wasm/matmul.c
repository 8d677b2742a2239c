// Batched matmul C = op(A) op(B), A (M,K) or (K,M) with transA, B (K,N) or (N,K) with transB, row-major.
// GotoBLAS-style: a KC-deep slice of B is packed into NR-wide column panels and a 4-row slice of A into an MR-wide
// panel (zero-padded), so a single register-blocked 4x8 micro-kernel (8 f32x4 accumulators) serves all four
// transpose combinations; packing costs O(MK + KN) against O(MNK) for the product.
#include "common.h"

#define MR 4
#define NR 8
#define KC 256

// B[k][j] for k in [k0, k0+kc), j in [c0, c1), packed as panels [ceil((c1-c0)/NR)][kc][NR].
static void pack_b(const float* B, int transB, int K, int N, int k0, int kc, int c0, int c1, float* Bp) {
  for (int j0 = c0; j0 < c1; j0 += NR) {
    int nr = imin(NR, c1 - j0);
    float* dst = Bp + ((j0 - c0) / NR) * kc * NR;
    if (!transB) {
      const float* src = B + (int64_t)k0 * N + j0;
      if (nr == NR) {
        for (int k = 0; k < kc; k++, src += N, dst += NR) {
          wasm_v128_store(dst, wasm_v128_load(src));
          wasm_v128_store(dst + 4, wasm_v128_load(src + 4));
        }
      } else {
        for (int k = 0; k < kc; k++, src += N, dst += NR) {
          int j = 0;
          for (; j < nr; j++) dst[j] = src[j];
          for (; j < NR; j++) dst[j] = 0.0f;
        }
      }
    } else {
      for (int jj = 0; jj < NR; jj++) {
        if (jj < nr) {
          const float* src = B + (int64_t)(j0 + jj) * K + k0;
          for (int k = 0; k < kc; k++) dst[k * NR + jj] = src[k];
        } else {
          for (int k = 0; k < kc; k++) dst[k * NR + jj] = 0.0f;
        }
      }
    }
  }
}

// A[i][k] for i in [i0, i0+mr), k in [k0, k0+kc), packed as [kc][MR].
static void pack_a(const float* A, int transA, int M, int K, int i0, int mr, int k0, int kc, float* Ap) {
  if (!transA) {
    for (int ii = 0; ii < MR; ii++) {
      if (ii < mr) {
        const float* src = A + (int64_t)(i0 + ii) * K + k0;
        for (int k = 0; k < kc; k++) Ap[k * MR + ii] = src[k];
      } else {
        for (int k = 0; k < kc; k++) Ap[k * MR + ii] = 0.0f;
      }
    }
  } else {
    const float* src = A + (int64_t)k0 * M + i0;
    if (mr == MR) {
      for (int k = 0; k < kc; k++, src += M) wasm_v128_store(Ap + k * MR, wasm_v128_load(src));
    } else {
      for (int k = 0; k < kc; k++, src += M) {
        int ii = 0;
        for (; ii < mr; ii++) Ap[k * MR + ii] = src[ii];
        for (; ii < MR; ii++) Ap[k * MR + ii] = 0.0f;
      }
    }
  }
}

// C[0..mr, 0..nr] (+)= Ap^T Bp over kc steps.
static void micro4x8(int kc, const float* a, const float* b, float* C, int ldc, int accumulate, int mr, int nr) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < kc; k++, a += MR, b += NR) {
    v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    v128_t a0 = wasm_v128_load32_splat(a);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a0, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a0, b1));
    v128_t a1 = wasm_v128_load32_splat(a + 1);
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a1, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a1, b1));
    v128_t a2 = wasm_v128_load32_splat(a + 2);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a2, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a2, b1));
    v128_t a3 = wasm_v128_load32_splat(a + 3);
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a3, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a3, b1));
  }
  if (mr == MR && nr == NR) {
    float* r0 = C; float* r1 = C + ldc; float* r2 = r1 + ldc; float* r3 = r2 + ldc;
    if (accumulate) {
      c00 = wasm_f32x4_add(c00, wasm_v128_load(r0)); c01 = wasm_f32x4_add(c01, wasm_v128_load(r0 + 4));
      c10 = wasm_f32x4_add(c10, wasm_v128_load(r1)); c11 = wasm_f32x4_add(c11, wasm_v128_load(r1 + 4));
      c20 = wasm_f32x4_add(c20, wasm_v128_load(r2)); c21 = wasm_f32x4_add(c21, wasm_v128_load(r2 + 4));
      c30 = wasm_f32x4_add(c30, wasm_v128_load(r3)); c31 = wasm_f32x4_add(c31, wasm_v128_load(r3 + 4));
    }
    wasm_v128_store(r0, c00); wasm_v128_store(r0 + 4, c01);
    wasm_v128_store(r1, c10); wasm_v128_store(r1 + 4, c11);
    wasm_v128_store(r2, c20); wasm_v128_store(r2 + 4, c21);
    wasm_v128_store(r3, c30); wasm_v128_store(r3 + 4, c31);
    return;
  }
  float t[MR * NR] __attribute__((aligned(16)));
  wasm_v128_store(t, c00); wasm_v128_store(t + 4, c01);
  wasm_v128_store(t + 8, c10); wasm_v128_store(t + 12, c11);
  wasm_v128_store(t + 16, c20); wasm_v128_store(t + 20, c21);
  wasm_v128_store(t + 24, c30); wasm_v128_store(t + 28, c31);
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nr; j++) C[i * ldc + j] = (accumulate ? C[i * ldc + j] : 0.0f) + t[i * NR + j];
}

/** Scratch floats needed by matmul for N columns. */
EXPORT(matmul_scratch) int matmul_scratch(int N) { return KC * ((N + NR - 1) / NR) * NR + KC * MR; }

// Rows [r0, r1) x columns [c0, c1) of one batch item. Bp must hold the packed slice of columns [c0, c1) for this k block.
static void matmul_rows(const float* A, float* C, const float* Bp, float* Ap, int M, int N, int K, int transA, int k0, int kc,
                        int r0, int r1, int c0, int c1) {
  for (int i0 = r0; i0 < r1; i0 += MR) {
    int mr = imin(MR, r1 - i0);
    pack_a(A, transA, M, K, i0, mr, k0, kc, Ap);
    for (int j0 = c0; j0 < c1; j0 += NR) {
      micro4x8(kc, Ap, Bp + ((j0 - c0) / NR) * kc * NR, C + (int64_t)i0 * N + j0, N, k0 > 0, mr, imin(NR, c1 - j0));
    }
  }
}

// One block of the product: batch items [b0, b1), rows [r0, r1), columns [c0, c1) of C (the unit a thread takes:
// src/engine/wasm-threads.ts splits at multiples of MR rows / NR columns). Every element is computed by the same
// micro-kernel over the same k order whatever the split, so 1 and N threads give bitwise equal results.
// Scratch: matmul_scratch(c1 - c0) floats, private to the caller.
EXPORT(matmul_part)
void matmul_part(const float* A, const float* B, float* C, int M, int N, int K, int strideA, int strideB, int transA, int transB,
                 float* scratch, int b0, int b1, int r0, int r1, int c0, int c1) {
  float* Bp = scratch;
  float* Ap = scratch + KC * ((c1 - c0 + NR - 1) / NR) * NR;
  for (int bt = b0; bt < b1; bt++) {
    const float* a = A + (int64_t)bt * strideA;
    const float* b = B + (int64_t)bt * strideB;
    float* c = C + (int64_t)bt * M * N;
    if (K == 0) {
      for (int i = r0; i < r1; i++)
        for (int j = c0; j < c1; j++) c[(int64_t)i * N + j] = 0.0f;
      continue;
    }
    for (int k0 = 0; k0 < K; k0 += KC) {
      int kc = imin(KC, K - k0);
      pack_b(b, transB, K, N, k0, kc, c0, c1, Bp);
      matmul_rows(a, c, Bp, Ap, M, N, K, transA, k0, kc, r0, r1, c0, c1);
    }
  }
}

EXPORT(matmul)
void matmul(const float* A, const float* B, float* C, int M, int N, int K, int batch, int strideA, int strideB, int transA,
            int transB, float* scratch) {
  matmul_part(A, B, C, M, N, K, strideA, strideB, transA, transB, scratch, 0, batch, 0, M, 0, N);
}
