import { describe, expect, it } from 'vitest';
import { buildDataset } from '../data/dataset';
import { DEFAULT_PROTOCOL, REFERENCE_PROTOCOL, validateProtocol } from '../data/protocol';
import { leaveSlateOut } from '../data/split';
import type { InteractionTable, SequenceTable } from '../data/tables';
import { evalCases, evaluateScorer, evaluateSlates, type EvalCase } from './harness';
import { pairedBootstrap, pairedTTest, studentTwoSidedP } from './significance';

const seqTable = (rows: number[][]): SequenceTable => {
  const offsets = [0];
  const items: number[] = [];
  for (const r of rows) { items.push(...r.slice(1)); offsets.push(items.length); }
  return { kind: 'sequences', users: Int32Array.from(rows.map((r) => r[0])), offsets: Int32Array.from(offsets), items: Int32Array.from(items) } as unknown as SequenceTable;
};
const c = (history: number[], target: number[], impressions: number[] | null = null): EvalCase => ({ user: 0, history: Int32Array.from(history), target: Int32Array.from(target), impressions: impressions && Int32Array.from(impressions) });

describe('reference protocol (issue 18)', () => {
  it('keeps users with >= 10 items; test = last 5 with everything before as input, validation = the 5 before', () => {
    const ds = buildDataset({ name: 's', table: seqTable([[1, ...Array.from({ length: 10 }, (_, i) => 100 + i)], [2, ...Array.from({ length: 9 }, (_, i) => 200 + i)], [3, ...Array.from({ length: 13 }, (_, i) => 300 + i)]]) }, REFERENCE_PROTOCOL);
    expect(Array.from(ds.userIds)).toEqual([1, 3]);
    const split = leaveSlateOut(ds);
    const { test, valid } = evalCases(ds, split);
    const orig = (a: Int32Array) => Array.from(a, (i) => ds.itemIds[i]);
    expect(orig(test[0].history)).toEqual([100, 101, 102, 103, 104]);
    expect(orig(test[0].target)).toEqual([105, 106, 107, 108, 109]);
    expect(orig(test[1].history)).toHaveLength(8);
    // user 1 has no item before its validation slate: no validation case; user 3's validation input is 3 items
    expect(valid!.map((v) => orig(v.history))).toEqual([[300, 301, 302]]);
    expect(orig(valid![0].target)).toEqual([303, 304, 305, 306, 307]);
    expect(split.trainEnd[0]).toBe(0);
    expect(split.trainEnd[1]).toBe(3);
    expect(test[0].impressions).toBeNull();
    expect(validateProtocol({ ...DEFAULT_PROTOCOL, minHistory: 0 })).toHaveLength(1);
    expect(validateProtocol(REFERENCE_PROTOCOL)).toEqual([]);
  });
  it('impression targets are every impression of the target window (watch_ratio data)', () => {
    // user 1: views a(2.5) b(0.1) c(3) d(2.2) e(0.5) f(2.1) g(2.4), threshold 2 → effective a c d f g; slate size 2
    const n = 7;
    const t = { kind: 'interactions', user: new Int32Array(n).fill(1), item: Int32Array.from([1, 2, 3, 4, 5, 6, 7]), watchRatio: Float32Array.from([2.5, 0.1, 3, 2.2, 0.5, 2.1, 2.4]), timestamp: Float64Array.from([1, 2, 3, 4, 5, 6, 7]) } as unknown as InteractionTable;
    const ds = buildDataset({ name: 'm.csv', table: t }, { ...DEFAULT_PROTOCOL, slateSize: 2 });
    const { test } = evalCases(ds, leaveSlateOut(ds));
    const orig = (a: Int32Array) => Array.from(a, (i) => ds.itemIds[i]);
    expect(orig(test[0].target)).toEqual([6, 7]);
    expect(orig(test[0].impressions!)).toEqual([5, 6, 7]); // e (not effective) was shown after the history, before f
    expect(orig(test[0].history)).toEqual([1, 3, 4]);
    const r = evaluateSlates([[ds.itemIds.indexOf(6), 0]], test, ds.itemIds.length, 2);
    expect(r.effective.recall).toBe(0.5);
    expect(r.impressions!.recall).toBeCloseTo(1 / 3, 12);
  });
});

describe('evaluateSlates / evaluateScorer', () => {
  it('means, per-user vectors, coverage, distinct prefixes and intra-list distance (hand-computed)', () => {
    const cases = [c([9], [1, 2]), c([8], [3])];
    const prefix = Int32Array.from([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    const vectors = { dim: 2, data: Float32Array.from([1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0]) };
    const r = evaluateSlates([[1, 3], [3, 0]], cases, 10, 2, { prefix, vectors });
    expect(r.perUser.effective.recall).toEqual([0.5, 1]);
    expect(r.effective.recall).toBeCloseTo(0.75, 12);
    expect(r.impressions).toBeNull();
    expect(r.coverage).toBeCloseTo(3 / 10, 12); // items 0, 1, 3
    expect(r.distinctPrefixes).toBeCloseTo((2 + 2) / 2, 12); // {0,1}, {1,0}
    expect(r.intraListDistance).toBeCloseTo(1, 6); // (1,0) vs (0,1): cosine 0 in both slates
    expect(() => evaluateSlates([[1]], cases, 10, 2)).toThrow(/1 slates for 2 users/);
    expect(() => evaluateSlates([[1], [12]], cases, 10, 2)).toThrow(/outside the catalogue/);
  });
  it('history exclusion is a setting: on, history items are never ranked; off, they can be', async () => {
    const scorer = { nItems: 4, score: (b: EvalCase[]) => new Float32Array(b.length * 4).map((_, i) => [4, 3, 2, 1][i % 4]) };
    const cases = [c([0], [1])];
    const on = await evaluateScorer(scorer, cases, { k: 1, excludeHistory: true });
    const off = await evaluateScorer(scorer, cases, { k: 1, excludeHistory: false });
    expect(on.slates).toEqual([[1]]);
    expect(on.effective.hit).toBe(1);
    expect(off.slates).toEqual([[0]]);
    expect(off.effective.hit).toBe(0);
  });
});

describe('paired tests', () => {
  it('Student t p-values match tables; paired t on known data; bootstrap agrees in direction', () => {
    expect(studentTwoSidedP(2.228, 10)).toBeCloseTo(0.05, 3);
    expect(studentTwoSidedP(1.96, 1e6)).toBeCloseTo(0.05, 3);
    expect(studentTwoSidedP(0, 5)).toBeCloseTo(1, 12);
    // differences 1,2,3,4,5 → mean 3, sd 1.5811, t = 4.2426, df 4, p = 0.01324
    const t = pairedTTest([2, 4, 6, 8, 10], [1, 2, 3, 4, 5]);
    expect(t.t).toBeCloseTo(4.2426, 3);
    expect(t.p).toBeCloseTo(0.01324, 4);
    expect(pairedTTest([1, 2, 3], [1, 2, 3]).p).toBe(1);
    const a = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const b = Array.from({ length: 200 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    expect(pairedBootstrap(a, b, 500, 1)).toBeLessThan(0.05);
    expect(pairedBootstrap(a, a, 500, 1)).toBe(1);
    expect(() => pairedTTest([1], [1, 2])).toThrow(/not the same users/);
  });
});
