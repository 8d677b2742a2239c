// Fused multi-head attention, forward and backward (src/engine/ops/attention.ts): q (B,Tq,H*dh), k/v (B,Tk,H*dh),
// causal masks aligned to the end of the keys, optional key mask (B,Tk) i32 (1 = valid), optional additive bias Bi at
// element b*sB + h*sH + i*sQ + j*sK (strides 0 on broadcast axes; -inf = masked); a query row without a visible key
// outputs zeros (lse 0) and gets zero gradients. With a bias the backward also writes dS (B,H,Tq,Tk) = p (dp - D).
//
// Blocked per (b, h): Kᵀ (and Vᵀ for the backward) is packed once into scratch (dh × Tkp, Tkp = Tk rounded up to 8,
// zero padded); then query rows are taken 4 at a time, and every product is a 4×8 register-blocked SIMD micro-kernel:
//   scores S (4 × keys) = Q4 · Kᵀ     (8 keys per block, dh multiply-adds each; keys past the block's causal end skipped)
//   one pass per row: scale + bias + masks (-inf), max, f32x4 exp, sum, normalise (the softmax fused in)
//   O (4 × dh) = P · V                 (8 columns of dh per block, over the block's visible keys only)
// The backward recomputes P from the saved logsumexp, dP = G4 · Vᵀ, dS = P (dP − D), dQ = dS · K, keeps Pᵀ and dSᵀ
// of the head (keys × queries), then dK = dSᵀ · Q and dV = Pᵀ · G, 4 keys × 8 columns at a time from the first query
// that sees the block's first key. Causal blocks: a block of 4 rows
// touches keys up to its last row's end, rows of a partial block are padded with weight-0 copies.
// Scratch: attention_scratch(Tq, Tk, dh) floats.
#include "common.h"

INLINE int round8(int n) { return (n + 7) & ~7; }

EXPORT(attention_scratch) int attention_scratch(int Tq, int Tk, int dh) {
  int Tkp = round8(Tk > 0 ? Tk : 1), Tqp = round8(Tq > 0 ? Tq : 1);
  return (2 * dh + 8) * Tkp + 2 * Tkp * Tqp;
}

/** xt[d*Tkp + j] = X[j*E + d] for j < Tk, zeros for j in [Tk, Tkp). */
static void pack_t(const float* X, int E, int Tk, int Tkp, int dh, float* xt) {
  for (int j = 0; j < Tk; j++) {
    const float* x = X + (int64_t)j * E;
    for (int d = 0; d < dh; d++) xt[(int64_t)d * Tkp + j] = x[d];
  }
  for (int d = 0; d < dh; d++)
    for (int j = Tk; j < Tkp; j++) xt[(int64_t)d * Tkp + j] = 0.0f;
}

#define FMA(c, a, b) c = wasm_f32x4_add(c, wasm_f32x4_mul(a, b))

/** The 4×8 register block of both products: c[2r + h] = Σ_{t<n} a_r[t] · x[t*sx + 4h .. +4) for rows r < 4, h < 2. */
INLINE void block4x8(const float* a0, const float* a1, const float* a2, const float* a3, const float* x, int64_t sx, int n, v128_t c[8]) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int t = 0; t < n; t++, x += sx) {
    v128_t k0 = wasm_v128_load(x), k1 = wasm_v128_load(x + 4), s;
    s = wasm_f32x4_splat(a0[t]); FMA(c00, s, k0); FMA(c01, s, k1);
    s = wasm_f32x4_splat(a1[t]); FMA(c10, s, k0); FMA(c11, s, k1);
    s = wasm_f32x4_splat(a2[t]); FMA(c20, s, k0); FMA(c21, s, k1);
    s = wasm_f32x4_splat(a3[t]); FMA(c30, s, k0); FMA(c31, s, k1);
  }
  c[0] = c00; c[1] = c01; c[2] = c10; c[3] = c11; c[4] = c20; c[5] = c21; c[6] = c30; c[7] = c31;
}

/** S[r*Tkp + j] = Σ_d a_r[d] xt[d*Tkp + j] for r < 4, j < nk (a multiple of 8). */
static void rows_times_t(const float* const a[4], const float* xt, int Tkp, int dh, int nk, float* S) {
  for (int jb = 0; jb < nk; jb += 8) {
    v128_t c[8];
    block4x8(a[0], a[1], a[2], a[3], xt + jb, Tkp, dh, c);
    for (int r = 0; r < 4; r++) {
      wasm_v128_store(S + r * Tkp + jb, c[2 * r]);
      wasm_v128_store(S + r * Tkp + jb + 4, c[2 * r + 1]);
    }
  }
}

/** o_r[c] = Σ_{j<n} P[r*sp + j] X[j*E + c] for c < dh, stored for r < nr. */
static void p_times_rows(const float* P, int sp, int n, const float* X, int E, int dh, float* const o[4], int nr) {
  const float *p0 = P, *p1 = P + sp, *p2 = P + 2 * sp, *p3 = P + 3 * sp;
  int c = 0;
  for (; c + 8 <= dh; c += 8) {
    v128_t acc[8];
    block4x8(p0, p1, p2, p3, X + c, E, n, acc);
    for (int r = 0; r < nr; r++) {
      wasm_v128_store(o[r] + c, acc[2 * r]);
      wasm_v128_store(o[r] + c + 4, acc[2 * r + 1]);
    }
  }
  for (; c + 4 <= dh; c += 4) {
    v128_t c0 = wasm_f32x4_splat(0), c1 = c0, c2 = c0, c3 = c0;
    const float* x = X + c;
    for (int j = 0; j < n; j++, x += E) {
      v128_t v = wasm_v128_load(x);
      FMA(c0, wasm_f32x4_splat(p0[j]), v);
      FMA(c1, wasm_f32x4_splat(p1[j]), v);
      FMA(c2, wasm_f32x4_splat(p2[j]), v);
      FMA(c3, wasm_f32x4_splat(p3[j]), v);
    }
    v128_t acc[4] = {c0, c1, c2, c3};
    for (int r = 0; r < nr; r++) wasm_v128_store(o[r] + c, acc[r]);
  }
  for (; c < dh; c++)
    for (int r = 0; r < nr; r++) {
      const float* pr = P + r * sp;
      float s = 0;
      for (int j = 0; j < n; j++) s += pr[j] * X[(int64_t)j * E + c];
      o[r][c] = s;
    }
}

/** Causal end (exclusive) of query row i: keys j <= i + Tk − Tq. */
INLINE int key_end(int i, int Tq, int Tk, int causal) { return causal ? imax(0, imin(Tk, i + Tk - Tq + 1)) : Tk; }

/** The block of up to 4 query rows from i0: sets its row count *nr, returns its last row's key end (0: no key). */
INLINE int block_keys(int i0, int Tq, int Tk, int causal, int* nr) {
  *nr = imin(4, Tq - i0);
  return key_end(i0 + *nr - 1, Tq, Tk, causal);
}

/** Element offset of row i0 + r of head h in (B, Tq, H*dh); rows past the block's nr repeat its last (weight-0 padding). */
INLINE int64_t row_off(int b, int Tq, int i0, int r, int nr, int E, int h, int dh) { return ((int64_t)b * Tq + i0 + imin(r, nr - 1)) * E + h * dh; }

/** The bias row of (b, h, i), or 0 without a bias. */
INLINE const float* bias_row(const float* Bi, int sB, int sH, int sQ, int b, int h, int i) {
  return Bi ? Bi + (int64_t)b * sB + (int64_t)h * sH + (int64_t)i * sQ : 0;
}

/**
 * Logits of one row in place over s[0..nk): s*scale + bias for visible keys (j < e, key mask set), -inf otherwise;
 * returns their max (-inf: no visible key).
 */
static float logits_row(float* s, int nk, int e, const int* Mrow, const float* bias, int sK, float scale) {
  float m = -__builtin_inff();
  for (int j = 0; j < nk; j++) {
    float x = -__builtin_inff();
    if (j < e && (!Mrow || Mrow[j] != 0)) {
      x = s[j] * scale;
      if (bias) x += bias[(int64_t)j * sK];
    }
    s[j] = x;
    m = fmaxf_(m, x);
  }
  return m;
}

/** s[j] = exp(s[j] − m) (0 where s[j] = -inf) over s[0..nk), nk a multiple of 4; returns the sum. */
static float exp_row(float* s, int nk, float m) {
  v128_t vm = wasm_f32x4_splat(m), ninf = wasm_f32x4_splat(-__builtin_inff()), z = wasm_f32x4_splat(0);
  for (int j = 0; j < nk; j += 4) {
    v128_t x = wasm_v128_load(s + j);
    v128_t e = wasm_v128_andnot(expf4(wasm_f32x4_sub(x, vm)), wasm_f32x4_eq(x, ninf));
    wasm_v128_store(s + j, e);
    z = wasm_f32x4_add(z, e);
  }
  return hsum4(z);
}

INLINE void zero(float* x, int n) {
  for (int j = 0; j < n; j++) x[j] = 0.0f;
}

EXPORT(attention_fwd)
void attention_fwd(const float* Q, const float* K, const float* V, const int* M, const float* Bi, int sB, int sH, int sQ, int sK, float* O,
                   float* LSE, int B, int Tq, int Tk, int H, int dh, int causal, float scale, float* scratch) {
  int E = H * dh;
  int Tkp = round8(Tk > 0 ? Tk : 1);
  float* kt = scratch;
  float* S = scratch + (int64_t)dh * Tkp;
  for (int64_t t = 0; t < (int64_t)B * Tq * E; t++) O[t] = 0.0f;
  for (int64_t t = 0; t < (int64_t)B * H * Tq; t++) LSE[t] = 0.0f;
  if (Tk <= 0) return;
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++) {
      const float* Kb = K + (int64_t)b * Tk * E + h * dh;
      const float* Vb = V + (int64_t)b * Tk * E + h * dh;
      const int* Mrow = M ? M + (int64_t)b * Tk : 0;
      pack_t(Kb, E, Tk, Tkp, dh, kt);
      for (int i0 = 0; i0 < Tq; i0 += 4) {
        int nr, kend = block_keys(i0, Tq, Tk, causal, &nr);
        if (kend <= 0) continue;
        int nk = round8(kend);
        const float* q[4];
        float* o[4];
        for (int r = 0; r < 4; r++) {
          int64_t qo = row_off(b, Tq, i0, r, nr, E, h, dh);
          q[r] = Q + qo;
          o[r] = O + qo;
        }
        rows_times_t(q, kt, Tkp, dh, nk, S);
        for (int r = 0; r < 4; r++) {
          float* s = S + r * Tkp;
          int i = i0 + r;
          float m = r < nr ? logits_row(s, nk, key_end(i, Tq, Tk, causal), Mrow, bias_row(Bi, sB, sH, sQ, b, h, i), sK, scale) : -__builtin_inff();
          if (m == -__builtin_inff()) {  // no visible key (or a padding row): zeros, lse 0
            zero(s, nk);
            continue;
          }
          float z = exp_row(s, nk, m);
          v128_t inv = wasm_f32x4_splat(1.0f / z);
          for (int j = 0; j < nk; j += 4) wasm_v128_store(s + j, wasm_f32x4_mul(wasm_v128_load(s + j), inv));
          LSE[((int64_t)b * H + h) * Tq + i] = m + logf_(z);
        }
        p_times_rows(S, Tkp, kend, Vb, E, dh, o, nr);
      }
    }
}

EXPORT(attention_bwd)
void attention_bwd(const float* Q, const float* K, const float* V, const float* LSE, const float* G, const int* M, const float* Bi, int sB,
                   int sH, int sQ, int sK, float* dQ, float* dK, float* dV, float* dS, int B, int Tq, int Tk, int H, int dh, int causal,
                   float scale, float* scratch) {
  int E = H * dh;
  int Tkp = round8(Tk > 0 ? Tk : 1);
  float* kt = scratch;
  float* vt = kt + (int64_t)dh * Tkp;
  float* P = vt + (int64_t)dh * Tkp;
  float* DP = P + 4 * Tkp;
  int Tqp = round8(Tq > 0 ? Tq : 1);
  float* PT = DP + 4 * Tkp;               // Pᵀ of the head: PT[j*Tqp + i]
  float* DST = PT + (int64_t)Tkp * Tqp;   // (dS · scale)ᵀ
  for (int64_t t = 0; t < (int64_t)B * Tq * E; t++) dQ[t] = 0.0f;
  for (int64_t t = 0; t < (int64_t)B * Tk * E; t++) { dK[t] = 0.0f; dV[t] = 0.0f; }
  if (dS) for (int64_t t = 0; t < (int64_t)B * H * Tq * Tk; t++) dS[t] = 0.0f;
  if (Tk <= 0) return;
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++) {
      int64_t kvo = (int64_t)b * Tk * E + h * dh;
      const int* Mrow = M ? M + (int64_t)b * Tk : 0;
      pack_t(K + kvo, E, Tk, Tkp, dh, kt);
      pack_t(V + kvo, E, Tk, Tkp, dh, vt);
      zero(PT, 2 * Tkp * Tqp);
      for (int i0 = 0; i0 < Tq; i0 += 4) {
        int nr, kend = block_keys(i0, Tq, Tk, causal, &nr);
        if (kend <= 0) continue;
        int nk = round8(kend);
        const float *q[4], *g[4];
        float* dq[4];
        for (int r = 0; r < 4; r++) {
          int64_t qo = row_off(b, Tq, i0, r, nr, E, h, dh);
          q[r] = Q + qo;
          g[r] = G + qo;
          dq[r] = dQ + qo;
        }
        rows_times_t(q, kt, Tkp, dh, nk, P);
        rows_times_t(g, vt, Tkp, dh, nk, DP);
        for (int r = 0; r < 4; r++) {
          float* p = P + r * Tkp;
          float* dp = DP + r * Tkp;
          int i = i0 + r;
          if (r >= nr || logits_row(p, nk, key_end(i, Tq, Tk, causal), Mrow, bias_row(Bi, sB, sH, sQ, b, h, i), sK, scale) == -__builtin_inff()) {
            zero(p, nk);  // padding row, or no visible key: zero gradients
            zero(dp, nk);
            continue;
          }
          exp_row(p, nk, LSE[((int64_t)b * H + h) * Tq + i]);  // p = exp(logit − lse), 0 where masked
          v128_t D4 = wasm_f32x4_splat(0);
          for (int j = 0; j < nk; j += 4) D4 = wasm_f32x4_add(D4, wasm_f32x4_mul(wasm_v128_load(p + j), wasm_v128_load(dp + j)));
          v128_t D = wasm_f32x4_splat(hsum4(D4)), sc = wasm_f32x4_splat(scale);
          float* dsRow = dS ? dS + (((int64_t)b * H + h) * Tq + i) * Tk : 0;
          for (int j = 0; j < nk; j += 4) {
            v128_t ds = wasm_f32x4_mul(wasm_v128_load(p + j), wasm_f32x4_sub(wasm_v128_load(dp + j), D));
            if (dsRow) {
              float t[4];
              wasm_v128_store(t, ds);
              for (int l = 0; l < 4 && j + l < kend; l++) dsRow[j + l] = t[l];
            }
            wasm_v128_store(dp + j, wasm_f32x4_mul(ds, sc));  // dp now holds dS · scale
          }
        }
        p_times_rows(DP, Tkp, kend, K + kvo, E, dh, dq, nr);  // dQ rows = dS · K · scale
        for (int r = 0; r < nr; r++)
          for (int j = 0; j < nk; j++) {
            PT[(int64_t)j * Tqp + i0 + r] = P[r * Tkp + j];
            DST[(int64_t)j * Tqp + i0 + r] = DP[r * Tkp + j];
          }
      }
      const float* Qh = Q + (int64_t)b * Tq * E + h * dh;
      const float* Gh = G + (int64_t)b * Tq * E + h * dh;
      for (int j0 = 0; j0 < Tk; j0 += 4) {
        int nr = imin(4, Tk - j0);
        int i0 = causal ? imax(0, j0 - (Tk - Tq)) : 0;  // the first query that sees key j0
        if (i0 >= Tq) break;                            // nor any later key
        float *dk[4], *dv[4];
        for (int r = 0; r < 4; r++) {
          int64_t ko = kvo + (int64_t)(j0 + imin(r, nr - 1)) * E;
          dk[r] = dK + ko;
          dv[r] = dV + ko;
        }
        p_times_rows(DST + (int64_t)j0 * Tqp + i0, Tqp, Tq - i0, Qh + (int64_t)i0 * E, E, dh, dk, nr);  // dK = (dS · scale)ᵀ · Q
        p_times_rows(PT + (int64_t)j0 * Tqp + i0, Tqp, Tq - i0, Gh + (int64_t)i0 * E, E, dh, dv, nr);   // dV = Pᵀ · G
      }
    }
}
