// Embedding gather / deterministic scatter-add (src/engine/ops/embedding.ts) and per-row top-k (ops/topk.ts).
#include "common.h"

// Returns -1, or the first position whose index is outside [0, V) (the caller raises the reference's error).
EXPORT(embedding_gather)
int embedding_gather(const float* table, const int* idx, float* out, int n, int d, int V) {
  for (int p = 0; p < n; p++) if (idx[p] < 0 || idx[p] >= V) return p;
  for (int p = 0; p < n; p++) {
    const float* src = table + (int64_t)idx[p] * d;
    float* dst = out + (int64_t)p * d;
    int j = 0;
    for (; j + 4 <= d; j += 4) wasm_v128_store(dst + j, wasm_v128_load(src + j));
    for (; j < d; j++) dst[j] = src[j];
  }
  return -1;
}

// out (V, d) = sum of g rows per index, ascending positions (the reference's order); out-of-range positions dropped.
EXPORT(embedding_scatter_add)
void embedding_scatter_add(const float* g, const int* idx, float* out, int n, int d, int V) {
  for (int64_t i = 0; i < (int64_t)V * d; i++) out[i] = 0.0f;
  for (int p = 0; p < n; p++) {
    int v = idx[p];
    if (v < 0 || v >= V) continue;
    const float* src = g + (int64_t)p * d;
    float* dst = out + (int64_t)v * d;
    int j = 0;
    for (; j + 4 <= d; j += 4) wasm_v128_store(dst + j, wasm_f32x4_add(wasm_v128_load(dst + j), wasm_v128_load(src + j)));
    for (; j < d; j++) dst[j] += src[j];
  }
}

// Sorted insertion into a k-list per row: order (value desc, index asc); columns scanned in ascending order, so an
// equal value never displaces an earlier column.
EXPORT(topk_rows)
void topk_rows(const float* X, float* values, int* indices, int R, int C, int k) {
  for (int r = 0; r < R; r++, X += C, values += k, indices += k) {
    int cnt = 0;
    for (int c = 0; c < C; c++) {
      float v = X[c];
      if (cnt == k && !(v > values[k - 1])) continue;
      int pos = cnt < k ? cnt : k - 1;
      while (pos > 0 && v > values[pos - 1]) {
        values[pos] = values[pos - 1];
        indices[pos] = indices[pos - 1];
        pos--;
      }
      values[pos] = v;
      indices[pos] = c;
      if (cnt < k) cnt++;
    }
  }
}
