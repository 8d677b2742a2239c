// The trie-constrained beam step of GSBI / the OneRec-style decoder (src/engine/ops/trie-beam.ts): integer
// bookkeeping over the flat trie tables (children (N, Kc), parent (N)) and open-item counts (U, N). Plain C.
#include "common.h"

// cand[r*K + c] = score[r] + logp[r*K + c] where beam r's node has a child for code c with open[u*N + child] > 0
// (u = r / beams), else -inf. Dead beams (node < 0) and codes c >= Kc get -inf.
EXPORT(trie_scores)
void trie_scores(const float* logp, const float* score, const int* node, const int* children, const int* open, float* cand, int R, int K,
                 int N, int Kc, int beams) {
  const float ninf = -__builtin_inff();
  for (int r = 0; r < R; r++) {
    const int* op = open + (int64_t)(r / beams) * N;
    const float* lp = logp + (int64_t)r * K;
    float* out = cand + (int64_t)r * K;
    int n = node[r];
    float s = score[r];
    int c = 0;
    if (n >= 0) {
      const int* ch = children + (int64_t)n * Kc;
      for (int kc = imin(K, Kc); c < kc; c++) {
        int x = ch[c];
        out[c] = x >= 0 && op[x] > 0 ? s + lp[c] : ninf;
      }
    }
    for (; c < K; c++) out[c] = ninf;
  }
}

// Beams advance to the top-k candidates: row r took candidate idx[r] of its user's beams*K candidates, i.e. parent
// row pr = (r / beams) * beams + idx[r] / K and code idx[r] % K. node2 = the child (or -1 where values[r] = -inf),
// codes2 = the parent's codes with column `level` set to offset + code, prow = pr.
EXPORT(trie_advance)
void trie_advance(const float* values, const int* idx, const int* node, const int* codes, const int* children, int* node2, int* codes2,
                  int* prow, int R, int K, int Kc, int beams, int LV, int level, int offset) {
  for (int r = 0; r < R; r++) {
    int t = idx[r];
    int pr = (r / beams) * beams + t / K;
    int code = t % K;
    int n = node[pr];
    int ch = n < 0 || code >= Kc ? -1 : children[(int64_t)n * Kc + code];
    node2[r] = values[r] == -__builtin_inff() ? -1 : ch;
    const int* src = codes + (int64_t)pr * LV;
    int* dst = codes2 + (int64_t)r * LV;
    for (int l = 0; l < LV; l++) dst[l] = src[l];
    dst[level] = offset + code;
    prow[r] = pr;
  }
}

// In place: user u's beam-0 leaf node[u*beams] and every ancestor below the root lose one open item (at most 64 levels).
EXPORT(trie_block)
void trie_block(int* open, const int* node, const int* parent, int U, int N, int beams) {
  for (int u = 0; u < U; u++) {
    int guard = 0;
    for (int v = node[(int64_t)u * beams]; v > 0 && guard < 64; v = parent[v], guard++) open[(int64_t)u * N + v] -= 1;
  }
}
