import { describe, expect, it } from 'vitest';
import { meanMetrics, slateMetrics } from './metrics';
import { topKExcluding } from './rank';

describe('slateMetrics (hand-computed, RecBole conventions)', () => {
  it('hits at ranks 1 and 3 of 5, |T| = 5', () => {
    const m = slateMetrics([10, 11, 12, 13, 14], [10, 12, 20, 21, 22], 5);
    expect(m.hit).toBe(1);
    expect(m.recall).toBeCloseTo(2 / 5, 12);
    expect(m.precision).toBeCloseTo(2 / 5, 12);
    const dcg = 1 / Math.log2(2) + 1 / Math.log2(4);
    const idcg = [2, 3, 4, 5, 6].reduce((s, r) => s + 1 / Math.log2(r), 0);
    expect(m.ndcg).toBeCloseTo(dcg / idcg, 12);
    expect(m.mrr).toBe(1);
  });
  it('ideal DCG over min(|T|, k); first hit at rank 2', () => {
    const m = slateMetrics([1, 2, 3], [2], 3);
    expect(m.ndcg).toBeCloseTo(1 / Math.log2(3), 12);
    expect(m.recall).toBe(1);
    expect(m.precision).toBeCloseTo(1 / 3, 12);
    expect(m.mrr).toBe(0.5);
  });
  it('no hit gives zeros; cut-off k ignores later items; duplicates count once', () => {
    expect(slateMetrics([1, 2], [3], 2)).toEqual({ hit: 0, recall: 0, precision: 0, ndcg: 0, mrr: 0 });
    expect(slateMetrics([1, 2, 3], [3], 2).hit).toBe(0);
    expect(slateMetrics([3, 3, 3], [3, 4], 3).recall).toBe(0.5);
  });
  it('rejects empty targets, bad k and empty means', () => {
    expect(() => slateMetrics([1], [], 5)).toThrow(/empty target/);
    expect(() => slateMetrics([1], [1], 0)).toThrow(/k must be/);
    expect(() => meanMetrics([])).toThrow(/no users/);
  });
  it('meanMetrics averages per user', () => {
    const m = meanMetrics([slateMetrics([1], [1], 1), slateMetrics([2], [1], 1)]);
    expect(m.hit).toBe(0.5);
  });
});

describe('topKExcluding', () => {
  it('takes the k best, excludes, breaks ties by lower id', () => {
    const s = [0.1, 0.9, 0.5, 0.9, 0.3, 0.7];
    expect(topKExcluding(s, 3)).toEqual([1, 3, 5]);
    expect(topKExcluding(s, 3, new Set([1]))).toEqual([3, 5, 2]);
    expect(topKExcluding(s, 10, [0, 1, 2, 3])).toEqual([5, 4]);
  });
  it('matches a sort on random scores', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const s = Array.from({ length: 500 }, rnd);
    const ex = new Set([3, 50, 499]);
    const ref = s.map((v, i) => [v, i]).filter(([, i]) => !ex.has(i)).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 7).map(([, i]) => i);
    expect(topKExcluding(s, 7, ex)).toEqual(ref);
  });
  it('refuses NaN scores', () => {
    expect(() => topKExcluding([0, NaN], 1)).toThrow(/NaN/);
  });
});
