import { describe, expect, it } from 'vitest';
import { buildDataset, userSequence } from './dataset';
import { DEFAULT_PROTOCOL, type Protocol } from './protocol';
import { leaveSlateOut, slateHistory, slateTarget, trainingSequences } from './split';
import { datasetStats } from './stats';
import type { InteractionTable, SequenceTable } from './tables';

const P = (o: Partial<Protocol> = {}): Protocol => ({ ...DEFAULT_PROTOCOL, ...o });

function inter(rows: [number, number, number, number][]): InteractionTable {
  // [user, item, timestamp, watchRatio]
  return {
    kind: 'interactions',
    user: Int32Array.from(rows.map((r) => r[0])),
    item: Int32Array.from(rows.map((r) => r[1])),
    timestamp: Float64Array.from(rows.map((r) => r[2])),
    watchRatio: Float32Array.from(rows.map((r) => r[3])),
  };
}

describe('buildDataset from interactions', () => {
  // user 7: 12 rows given out of order; items 100+k at time 1000-k*... ; every third has low watch_ratio
  const rows: [number, number, number, number][] = [];
  for (let k = 0; k < 12; k++) rows.push([7, 100 + k, 1000 + ((k * 5) % 12), k % 3 === 2 ? 0.5 : 2.0]);
  rows.push([7, 999, NaN, 3.0]); // no timestamp -> out of the chronological sequence
  rows.push([3, 100, 5, 2.5], [3, 101, 6, 2.5]); // too short -> dropped

  it('orders by timestamp, uses watch_ratio >= threshold (2.0 counts), keeps impressions, drops short users', () => {
    const ds = buildDataset({ name: 'small_matrix.csv', table: inter(rows) }, P({ slateSize: 2, minHistory: 1 }));
    expect(ds.protocol.order).toBe('timestamp');
    expect(ds.protocol.impressionsAvailable).toBe(true);
    expect(Array.from(ds.userIds)).toEqual([7]);
    const chron = rows.slice(0, 12).sort((a, b) => a[2] - b[2]);
    const expectedSeq = chron.filter((r) => r[3] >= 2.0).map((r) => r[1]);
    expect(Array.from(userSequence(ds, 0)).map((d) => ds.itemIds[d])).toEqual(expectedSeq);
    expect(ds.impressions!.items.length).toBe(12);
    expect(Array.from(ds.impressions!.items).map((d) => ds.itemIds[d])).toEqual(chron.map((r) => r[1]));
    // seqPos: number of effective views before each impression
    let before = 0;
    chron.forEach((r, j) => { expect(ds.impressions!.seqPos[j]).toBe(before); if (r[3] >= 2) before++; });
    expect(ds.dropped).toMatchObject({ users: 1, rowsWithoutTimestamp: 1 });
    expect(ds.itemIds.includes(999)).toBe(false);
  });

  it('threshold is a setting (>= comparison)', () => {
    const a = buildDataset({ name: 'm', table: inter(rows) }, P({ slateSize: 1, effectiveViewThreshold: 2.0 }));
    const b = buildDataset({ name: 'm', table: inter(rows) }, P({ slateSize: 1, effectiveViewThreshold: 2.01 }));
    const c = buildDataset({ name: 'm', table: inter(rows) }, P({ slateSize: 1, effectiveViewThreshold: 0.5 }));
    expect(a.seqItems.length).toBe(8 + 2);
    expect(b.seqItems.length).toBe(0 + 2); // only the 2.5 rows of user 3
    expect(c.seqItems.length).toBe(12 + 2);
  });

  it('minItemFreq removes rare items before the split', () => {
    const t = inter([[1, 5, 1, 3], [1, 6, 2, 3], [1, 5, 3, 3], [2, 5, 1, 3], [2, 6, 2, 3], [2, 7, 3, 3]]);
    const ds = buildDataset({ name: 'm', table: t }, P({ slateSize: 1, minItemFreq: 2 }));
    expect(Array.from(ds.itemIds)).toEqual([5, 6]);
    expect(ds.dropped.items).toBe(1);
  });
});

describe('leave-five-out split', () => {
  const seq: SequenceTable = {
    kind: 'sequences',
    users: Int32Array.from([10, 20]),
    offsets: Int32Array.from([0, 13, 20]),
    items: Int32Array.from([...Array.from({ length: 13 }, (_, i) => 100 + i), ...Array.from({ length: 7 }, (_, i) => 200 + i)]),
  };
  it('marks impressions unavailable for positives-only sources and keeps the declared order', () => {
    const ds = buildDataset({ name: 'seq.txt', table: seq }, P({ order: 'file' }));
    expect(ds.protocol.impressionsAvailable).toBe(false);
    expect(ds.impressions).toBeUndefined();
    expect(ds.protocol.holdoutNote).toMatch(/not chronological/);
    expect(datasetStats(ds).watchRatioHist).toBeUndefined();
  });

  it('test = last 5, validation = the 5 before, sliding training slates inside the training part only', () => {
    const ds = buildDataset({ name: 'seq.txt', table: seq }, P({ validation: true, minHistory: 1 }));
    // user 20 has 7 < 1 + 10 views -> dropped
    expect(Array.from(ds.userIds)).toEqual([10]);
    const sp = leaveSlateOut(ds);
    const orig = (a: Int32Array) => Array.from(a).map((d) => ds.itemIds[d]);
    expect(orig(slateTarget(ds, sp.test, 0, 5))).toEqual([108, 109, 110, 111, 112]);
    expect(orig(slateHistory(ds, sp.test, 0)).length).toBe(8);
    expect(orig(slateTarget(ds, sp.valid!, 0, 5))).toEqual([103, 104, 105, 106, 107]);
    expect(sp.trainEnd[0]).toBe(3);
    expect(sp.train.user.length).toBe(0); // 3 training items: no room for a full slate after minHistory 1
    const noVal = leaveSlateOut(buildDataset({ name: 's', table: seq }, P({ minHistory: 1 })));
    expect(Array.from(noVal.train.cut)).toEqual([1, 2, 3]); // user 10: cuts 1..3 (targets inside its first 8); user 20: 2 training items, no full slate
    const tr = trainingSequences(buildDataset({ name: 's', table: seq }, P()), noVal);
    expect(tr.items.length).toBe(8 + 2);
  });

  it('statistics', () => {
    const st = datasetStats(buildDataset({ name: 's', table: seq }, P()));
    expect(st).toMatchObject({ users: 2, items: 20, interactions: 20, effectiveViews: 20, impressionsAvailable: false });
    expect(st.seqLength).toEqual({ min: 7, max: 13, mean: 10, median: 10 });
    expect(st.seqLengthHist.counts.reduce((a, b) => a + b, 0)).toBe(2);
  });
});
