// Anchor-positive pairs for the prefix-level InfoNCE (paper §3.3.2) and for the consistency metric.
//
// Two sources, as in the paper: semantic neighbours (cosine of the input features ≥ threshold, 0.8 in Appendix A)
// and co-occurrence (items viewed close to each other by the same user). Pairs are unordered item-row pairs (i < j),
// stored flat as (P, 2) Int32Arrays. Each item contributes at most `maxPerItem` pairs as an anchor (a seeded
// random subset of its qualifying neighbours), so near-duplicate cliques (e.g. items with identical tags) do not
// dominate. `splitPairs` holds out a share of the pairs: they are never shown to the contrastive loss and are
// what the consistency metric is measured on.
import { createRng } from '../math/rng';

export interface PairOptions {
  threshold?: number;
  maxPerItem?: number;
  seed?: number;
}

/** Row-normalised copy of (n, d) features (zero rows stay zero). */
export function normaliseRows(x: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j] * x[i * d + j];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) out[i * d + j] = x[i * d + j] * inv;
  }
  return out;
}

/**
 * Pairs (i < j) with cos(x_i, x_j) ≥ threshold, at most `maxPerItem` per anchor i (a seeded reservoir sample over all
 * of i's qualifying neighbours). Each unordered pair's cosine is computed once (n²/2 dot products).
 */
export function semanticPairs(x: Float32Array, n: number, d: number, opts: PairOptions = {}): Int32Array {
  const thr = opts.threshold ?? 0.8;
  const cap = opts.maxPerItem ?? 4;
  const rng = createRng((opts.seed ?? 0) * 31 + 7);
  const u = normaliseRows(x, n, d);
  const res = new Int32Array(n * cap);
  const found = new Int32Array(n);
  const offer = (i: number, j: number) => {
    const f = found[i]++;
    if (f < cap) res[i * cap + f] = j;
    else {
      const r = rng.int(f + 1);
      if (r < cap) res[i * cap + r] = j;
    }
  };
  // dot products run over the non-zeros of row i (category multi-hot and hashed n-grams are mostly zeros)
  const nzIdx = new Int32Array(d);
  const nzVal = new Float32Array(d);
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    let m = 0;
    for (let k = 0; k < d; k++) {
      const v = u[oi + k];
      if (v !== 0) {
        nzIdx[m] = k;
        nzVal[m++] = v;
      }
    }
    if (m === 0) continue;
    for (let j = i + 1; j < n; j++) {
      const oj = j * d;
      let s = 0;
      for (let t = 0; t < m; t++) s += nzVal[t] * u[oj + nzIdx[t]];
      if (s < thr) continue;
      offer(i, j);
      offer(j, i);
    }
  }
  const out: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < Math.min(found[i], cap); t++) {
      const j = res[i * cap + t];
      const a = Math.min(i, j);
      const b = Math.max(i, j);
      const key = a * n + b;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(a, b);
    }
  }
  return Int32Array.from(out);
}

/**
 * Co-occurrence pairs from user sequences (CSR over users; entries are item rows, −1 = unknown item): items within
 * `window` positions of each other in a sequence, counted over users; kept when count ≥ minCount, at most
 * `maxPerItem` strongest partners per item.
 */
export function cooccurrencePairs(
  offsets: Int32Array,
  items: Int32Array,
  n: number,
  opts: { window?: number; minCount?: number; maxPerItem?: number } = {},
): Int32Array {
  const w = opts.window ?? 3;
  const minCount = opts.minCount ?? 3;
  const cap = opts.maxPerItem ?? 4;
  const counts = new Map<number, number>();
  for (let u = 0; u + 1 < offsets.length; u++) {
    for (let p = offsets[u]; p < offsets[u + 1]; p++) {
      const a = items[p];
      if (a < 0) continue;
      for (let q = p + 1; q < Math.min(offsets[u + 1], p + 1 + w); q++) {
        const b = items[q];
        if (b < 0 || b === a) continue;
        const key = Math.min(a, b) * n + Math.max(a, b);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  }
  const best: [number, number][][] = Array.from({ length: n }, () => []);
  for (const [key, c] of counts) {
    if (c < minCount) continue;
    const a = Math.floor(key / n);
    const b = key % n;
    best[a].push([b, c]);
    best[b].push([a, c]);
  }
  const seen = new Set<number>();
  const out: number[] = [];
  for (let a = 0; a < n; a++) {
    best[a].sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    for (const [b] of best[a].slice(0, cap)) {
      const key = Math.min(a, b) * n + Math.max(a, b);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(Math.min(a, b), Math.max(a, b));
    }
  }
  return Int32Array.from(out);
}

/** Concatenate pair lists, dropping duplicates. */
export function unionPairs(n: number, ...lists: Int32Array[]): Int32Array {
  const seen = new Set<number>();
  const out: number[] = [];
  for (const l of lists) {
    for (let p = 0; p < l.length; p += 2) {
      const key = l[p] * n + l[p + 1];
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(l[p], l[p + 1]);
    }
  }
  return Int32Array.from(out);
}

/** Seeded split of pairs into train / held-out (held-out share `heldOut`, at least one pair each when P ≥ 2). */
export function splitPairs(pairs: Int32Array, heldOut: number, seed: number): { train: Int32Array; test: Int32Array } {
  const P = pairs.length / 2;
  const order = Int32Array.from({ length: P }, (_, i) => i);
  const rng = createRng(seed * 131 + 3);
  for (let i = P - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  let nTest = Math.round(P * heldOut);
  if (P >= 2) nTest = Math.min(P - 1, Math.max(1, nTest));
  const take = (from: number, to: number) => {
    const out = new Int32Array((to - from) * 2);
    for (let k = from; k < to; k++) {
      out[2 * (k - from)] = pairs[2 * order[k]];
      out[2 * (k - from) + 1] = pairs[2 * order[k] + 1];
    }
    return out;
  };
  return { test: take(0, nTest), train: take(nTest, P) };
}
