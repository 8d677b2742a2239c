import { describe, expect, it } from 'vitest';
import { collisions, levelStats, pairPrefixAgreement, prefixPurity, tokenizerMetrics } from './metrics';
import { kmeans, nearestCpu } from '../math/kmeans';
import { cooccurrencePairs, semanticPairs, splitPairs } from './pairs';

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
  it('co-occurrence pairs: within a window, count ≥ minCount', () => {
    // two users both watch 0 then 1; 2 appears once next to 3
    const offsets = Int32Array.from([0, 3, 6]);
    const items = Int32Array.from([0, 1, 2, 0, 1, 3]);
    expect(Array.from(cooccurrencePairs(offsets, items, 4, { window: 1, minCount: 2 }))).toEqual([0, 1]);
  });
});
