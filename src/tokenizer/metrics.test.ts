import { describe, expect, it } from 'vitest';
import { collisions, kappa, levelStats, pairPrefixAgreement, prefixPurity, tokenizerMetrics } from './metrics';
import { kmeans, nearestCpu } from '../math/kmeans';
import { capNeighbours, cooccurrencePairs, heldOutItems, semanticNeighbours, semanticPairs, splitPairs, splitPairsInductive } from './pairs';

// 5 items, D = 2
const codes = Int32Array.from([0, 1, /**/ 0, 1, /**/ 0, 2, /**/ 1, 0, /**/ 3, 0]);

describe('tokenizer metrics', () => {
  it('collision rate = share of items whose full code is shared', () => {
    expect(collisions(codes, 5, 2)).toEqual({ rate: 2 / 5, groups: 1, maxGroup: 2 });
  });
  it('utilisation and entropy per level', () => {
    const [l1, l2] = levelStats(codes, 5, 2, [4, 4]);
    expect(l1.utilisation).toBe(3 / 4);
    const p = [3 / 5, 1 / 5, 1 / 5];
    expect(l1.entropyBits).toBeCloseTo(-p.reduce((a, q) => a + q * Math.log2(q), 0), 10);
    expect(l1.entropyNorm).toBeCloseTo(l1.entropyBits / 2, 10);
    expect(l2.used).toBe(3);
  });
  it('consistency = share of pairs sharing the prefix, per depth', () => {
    const pairs = Int32Array.from([0, 1, /**/ 0, 2, /**/ 3, 4, /**/ 2, 3]);
    expect(pairPrefixAgreement(codes, 2, pairs)).toEqual([2 / 4, 1 / 4]);
  });
  it('concentration = item-weighted purity of level-1 prefixes (unknown labels ignored)', () => {
    const labels = Int32Array.from([7, 7, 8, 9, -1]);
    // prefix 0: {7,7,8} -> 2 of 3; prefix 1: {9} -> 1; item 4 unlabelled
    expect(prefixPurity(codes, 5, 2, labels)!.purity).toBeCloseTo(3 / 4, 10);
    expect(prefixPurity(codes, 5, 2, Int32Array.from([-1, -1, -1, -1, -1]))).toBeNull();
  });
  it('tokenizerMetrics assembles everything; chance consistency = Σ p_k²', () => {
    const m = tokenizerMetrics({
      codes,
      n: 5,
      D: 2,
      K: [4, 4],
      heldOut: Int32Array.from([0, 1]),
      reconErr: Float32Array.from([1, 2, 3, 4, 5]),
      featVar: 6,
    });
    expect(m.consistency).toBe(1);
    expect(m.consistencyPrefix).toBe(1);
    expect(m.consistencyChance).toBeCloseTo(0.36 + 0.04 + 0.04, 10);
    expect(m.recon).toBe(3);
    expect(m.reconRel).toBe(0.5);
    expect(m.concentration).toBeNull();
    expect(m.consistencyInductive).toBeNull();
  });
  it('chance-corrected consistency κ = (c − chance) / (1 − chance); inductive pairs scored separately', () => {
    expect(kappa(0.5, 0.5)).toBe(0);
    expect(kappa(1, 0.3)).toBe(1);
    expect(kappa(0.4, 0.2)).toBeCloseTo(0.25, 12);
    // everything in one prefix: consistency 1 but chance 1, κ 0 (concentration cannot buy consistency)
    const one = Int32Array.from([0, 0, 0, 1, 0, 2, 0, 3]);
    const m1 = tokenizerMetrics({ codes: one, n: 4, D: 2, K: [4, 4], heldOut: Int32Array.from([0, 1, 2, 3]), reconErr: new Float32Array(4), featVar: 1 });
    expect(m1.consistency).toBe(1);
    expect(m1.consistencyKappa).toBe(0);
    const m = tokenizerMetrics({
      codes,
      n: 5,
      D: 2,
      K: [4, 4],
      heldOut: Int32Array.from([0, 1, 3, 4]),
      heldOutInductive: Int32Array.from([0, 2, 0, 3, 3, 4]),
      reconErr: new Float32Array(5),
      featVar: 1,
    });
    expect(m.consistency).toBe(0.5);
    expect(m.consistencyKappa).toBeCloseTo((0.5 - 0.44) / 0.56, 10);
    expect(m.consistencyStdErr).toBeCloseTo(Math.sqrt(0.25 / 2), 10);
    expect(m.consistencyInductive).toBeCloseTo(1 / 3, 10);
    expect(m.inductivePairs).toBe(3);
  });
});

describe('k-means and pairs', () => {
  it('k-means recovers well separated clusters; nearestCpu is exhaustive', () => {
    const x: number[] = [];
    const centres = [
      [0, 0],
      [10, 0],
      [0, 10],
    ];
    for (let i = 0; i < 60; i++) {
      const c = centres[i % 3];
      x.push(c[0] + ((i * 7) % 5) / 10, c[1] + ((i * 3) % 5) / 10);
    }
    const r = kmeans(Float32Array.from(x), 60, 2, 3, { seed: 1, iters: 20 });
    for (let i = 3; i < 60; i++) expect(r.assign[i]).toBe(r.assign[i % 3]);
    expect(new Set(r.assign).size).toBe(3);
    const nn = nearestCpu(Float32Array.from([9, 1]), 1, 2, r.centroids, 3);
    expect(r.assign[1]).toBe(nn.idx[0]);
  });
  it('semantic pairs: cos ≥ threshold, capped per anchor, i < j; split is disjoint and seeded', () => {
    const x = Float32Array.from([1, 0, /**/ 0.9, 0.1, /**/ 0, 1, /**/ 0.1, 1, /**/ -1, 0]);
    const p = semanticPairs(x, 5, 2, { threshold: 0.8 });
    expect(Array.from(p)).toEqual([0, 1, 2, 3]);
    const many = Int32Array.from({ length: 40 }, (_, i) => i);
    const s = splitPairs(many, 0.25, 3);
    expect(s.test.length / 2).toBe(5);
    expect(s.train.length / 2).toBe(15);
    const key = (a: Int32Array) => Array.from({ length: a.length / 2 }, (_, i) => `${a[2 * i]},${a[2 * i + 1]}`);
    const tr = new Set(key(s.train));
    for (const k of key(s.test)) expect(tr.has(k)).toBe(false);
    expect(splitPairs(many, 0.25, 3)).toEqual(s);
  });
  it('semantic neighbours = brute-force cos ≥ threshold; capNeighbours caps per anchor, seeded', () => {
    const n = 40;
    const d = 3;
    const x = Float32Array.from({ length: n * d }, (_, i) => Math.sin(i * 1.7) + (i % d === 0 ? 1 : 0));
    const nb = semanticNeighbours(x, n, d, 0.9);
    const cos = (i: number, j: number) => {
      let s = 0, a = 0, b = 0;
      for (let k = 0; k < d; k++) {
        s += x[i * d + k] * x[j * d + k];
        a += x[i * d + k] ** 2;
        b += x[j * d + k] ** 2;
      }
      return s / Math.sqrt(a * b);
    };
    for (let i = 0; i < n; i++) {
      const want = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i && cos(i, j) >= 0.9);
      expect(Array.from(nb.nbrs.subarray(nb.offsets[i], nb.offsets[i + 1]))).toEqual(want);
    }
    expect(nb.nbrs.length).toBeGreaterThan(20);
    const p = capNeighbours(nb, n, 2, 5);
    for (let k = 0; k < p.length; k += 2) {
      expect(p[k]).toBeLessThan(p[k + 1]);
      expect(cos(p[k], p[k + 1])).toBeGreaterThanOrEqual(0.9 - 1e-6);
    }
    expect(Array.from(capNeighbours(nb, n, 2, 5))).toEqual(Array.from(p));
    expect(Array.from(capNeighbours(nb, n, 2, 6))).not.toEqual(Array.from(p));
    // each anchor keeps ≤ 2 of its neighbours, so at most 2n unique pairs
    expect(p.length / 2).toBeLessThanOrEqual(2 * n);
    expect(p.length / 2).toBeLessThan(nb.nbrs.length / 2);
  });
  it('inductive split: no item of an inductive pair is in any training or transductive pair', () => {
    const n = 200;
    const pairs: number[] = [];
    for (let i = 0; i < n; i++) for (const j of [(i * 7 + 3) % n, (i * 13 + 1) % n]) if (i !== j) pairs.push(Math.min(i, j), Math.max(i, j));
    const mask = heldOutItems(n, 0.25, 1);
    expect(mask.reduce((a, b) => a + b, 0)).toBe(50);
    const s = splitPairsInductive(Int32Array.from(pairs), mask, 0.2, 1);
    expect(s.inductive.length).toBeGreaterThan(0);
    const seen = new Set<number>();
    for (const a of [s.train, s.test]) for (const i of a) seen.add(i);
    for (const i of s.inductive) {
      expect(mask[i]).toBe(1);
      expect(seen.has(i)).toBe(false);
    }
    expect(s.train.length / 2 + s.test.length / 2 + s.inductive.length / 2 + s.dropped).toBe(pairs.length / 2);
  });
  it('co-occurrence pairs: within a window, count ≥ minCount', () => {
    // two users both watch 0 then 1; 2 appears once next to 3
    const offsets = Int32Array.from([0, 3, 6]);
    const items = Int32Array.from([0, 1, 2, 0, 1, 3]);
    expect(Array.from(cooccurrencePairs(offsets, items, 4, { window: 1, minCount: 2 }))).toEqual([0, 1]);
  });
});
