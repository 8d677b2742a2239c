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

/** Every item's neighbours with cos ≥ threshold, as CSR (neighbours ascending); seed-independent, so it can be cached. */
export interface Neighbours {
  offsets: Int32Array; // (n + 1)
  nbrs: Int32Array;
}

/**
 * All pairs with cos(x_i, x_j) ≥ threshold as per-item neighbour lists. Each unordered pair's cosine is computed once
 * (n²/2 dot products over the non-zeros of row i: the category multi-hot and hashed n-grams are mostly zeros).
 */
export function semanticNeighbours(x: Float32Array, n: number, d: number, threshold = 0.8): Neighbours {
  const u = normaliseRows(x, n, d);
  const found: number[] = []; // flat (i, j), i < j, in (i, j) order
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
      if (s >= threshold) found.push(i, j);
    }
  }
  return neighboursFromPairs(found, n);
}

/**
 * CSR neighbour lists (ascending) of unordered pairs `found` = flat (i, j), i < j, sorted by i then j: each pair is
 * listed under both of its items.
 */
export function neighboursFromPairs(found: ArrayLike<number>, n: number): Neighbours {
  const deg = new Int32Array(n + 1);
  for (let p = 0; p < found.length; p += 2) {
    deg[found[p] + 1]++;
    deg[found[p + 1] + 1]++;
  }
  for (let i = 0; i < n; i++) deg[i + 1] += deg[i];
  const offsets = deg.slice();
  const fill = deg.slice(0, n);
  const nbrs = new Int32Array(offsets[n]);
  // (i, j) pairs come sorted by i then j: j's list receives i in ascending order before its own larger neighbours
  for (let p = 0; p < found.length; p += 2) nbrs[fill[found[p + 1]]++] = found[p];
  for (let p = 0; p < found.length; p += 2) nbrs[fill[found[p]]++] = found[p + 1];
  for (let i = 0; i < n; i++) nbrs.subarray(offsets[i], offsets[i + 1]).sort();
  return { offsets, nbrs };
}

/** At most `maxPerItem` neighbours per anchor (a seeded random subset), as unique unordered pairs (i < j). */
export function capNeighbours(nb: Neighbours, n: number, maxPerItem: number, seed: number): Int32Array {
  const rng = createRng(seed * 31 + 7);
  const out: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const list = Array.from(nb.nbrs.subarray(nb.offsets[i], nb.offsets[i + 1]));
    // partial Fisher-Yates: the first `maxPerItem` entries are a uniform random subset
    const take = Math.min(maxPerItem, list.length);
    for (let t = 0; t < take; t++) {
      const j = t + rng.int(list.length - t);
      [list[t], list[j]] = [list[j], list[t]];
    }
    for (let t = 0; t < take; t++) {
      const a = Math.min(i, list[t]);
      const b = Math.max(i, list[t]);
      const key = a * n + b;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(a, b);
    }
  }
  return Int32Array.from(out);
}

/**
 * Pairs (i < j) with cos(x_i, x_j) ≥ threshold, at most `maxPerItem` per anchor i (a seeded random subset of i's
 * qualifying neighbours): `capNeighbours(semanticNeighbours(...))`.
 */
export function semanticPairs(x: Float32Array, n: number, d: number, opts: PairOptions = {}): Int32Array {
  return capNeighbours(semanticNeighbours(x, n, d, opts.threshold ?? 0.8), n, opts.maxPerItem ?? 4, opts.seed ?? 0);
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
  // every co-occurrence as the key min·n + max (exact in f64 for n < 2^26), sorted: runs of equal keys are the counts
  let m = 0;
  for (let u = 0; u + 1 < offsets.length; u++) {
    const L = offsets[u + 1] - offsets[u];
    for (let d = 1; d <= w && d < L; d++) m += L - d;
  }
  const keys = new Float64Array(m);
  m = 0;
  for (let u = 0; u + 1 < offsets.length; u++) {
    for (let p = offsets[u]; p < offsets[u + 1]; p++) {
      const a = items[p];
      if (a < 0) continue;
      for (let q = p + 1; q < Math.min(offsets[u + 1], p + 1 + w); q++) {
        const b = items[q];
        if (b < 0 || b === a) continue;
        keys[m++] = Math.min(a, b) * n + Math.max(a, b);
      }
    }
  }
  const sorted = keys.subarray(0, m).sort();
  const best: [number, number][][] = Array.from({ length: n }, () => []);
  for (let s = 0; s < m; ) {
    let e = s + 1;
    while (e < m && sorted[e] === sorted[s]) e++;
    const c = e - s;
    if (c >= minCount) {
      const a = Math.floor(sorted[s] / n);
      const b = sorted[s] - a * n;
      best[a].push([b, c]);
      best[b].push([a, c]);
    }
    s = e;
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

/** A seeded share of the items (mask, 1 = held out) whose pairs are kept out of training: the inductive test items. */
export function heldOutItems(n: number, share: number, seed: number): Uint8Array {
  const mask = new Uint8Array(n);
  const m = Math.round(Math.max(0, Math.min(1, share)) * n);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rng = createRng(seed * 577 + 41);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
    mask[order[i]] = 1;
  }
  return mask;
}

/**
 * Three-way split around held-out items (`mask`): pairs with both items held out → `inductive` (neither item appears in
 * any training pair); pairs with exactly one held-out item → dropped (`dropped` counts them); the other pairs → the
 * seeded train / transductive-test split of `splitPairs`.
 */
export function splitPairsInductive(pairs: Int32Array, mask: Uint8Array, heldOut: number, seed: number): { train: Int32Array; test: Int32Array; inductive: Int32Array; dropped: number } {
  const rest: number[] = [];
  const ind: number[] = [];
  let dropped = 0;
  for (let p = 0; p < pairs.length; p += 2) {
    const a = pairs[p];
    const b = pairs[p + 1];
    const h = mask[a] + mask[b];
    if (h === 2) ind.push(a, b);
    else if (h === 1) dropped++;
    else rest.push(a, b);
  }
  const s = splitPairs(Int32Array.from(rest), heldOut, seed);
  return { ...s, inductive: Int32Array.from(ind), dropped };
}
