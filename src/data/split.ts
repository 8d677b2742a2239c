// Leave-M-out split (M = slate size, 5 by default): the last M effective views of each user are the test target slate,
// the M before them the optional validation slate, everything earlier is training, cut into sliding training slates
// (history prefix seq[0, cut) -> next M items seq[cut, cut + M)).

import type { Dataset } from './dataset';

/** Slates as parallel arrays: user (dense) and cut (target = seq[cut, cut + M), history = seq[0, cut)). */
export interface Slates {
  user: Int32Array;
  cut: Int32Array;
}

export interface Split {
  slateSize: number;
  train: Slates;
  valid?: Slates;
  test: Slates;
  /** Per user: training items are seq[0, trainEnd[u]). */
  trainEnd: Int32Array;
}

export interface SplitOptions {
  /** Step between consecutive training cuts (1 = every position). */
  stride?: number;
}

export function leaveSlateOut(ds: Dataset, opts: SplitOptions = {}): Split {
  const M = ds.protocol.slateSize;
  const stride = Math.max(1, Math.floor(opts.stride ?? 1));
  const minHist = ds.protocol.minHistory;
  const nU = ds.userIds.length;
  const trainEnd = new Int32Array(nU);
  const tu: number[] = [], tc: number[] = [], vu: number[] = [], vc: number[] = [], su: number[] = [], sc: number[] = [];
  for (let u = 0; u < nU; u++) {
    const n = ds.seqOffsets[u + 1] - ds.seqOffsets[u];
    const testCut = n - M;
    if (testCut < minHist) { trainEnd[u] = Math.max(0, testCut); continue; } // cannot happen after the dataset filter
    su.push(u); sc.push(testCut);
    let end = testCut;
    if (ds.protocol.validation) {
      end = testCut - M;
      // minHistory 0 (reference protocol): a validation slate with no history has nothing to condition on; skip it
      if (end >= 1) { vu.push(u); vc.push(end); }
    }
    trainEnd[u] = end;
    for (let cut = Math.max(1, minHist); cut + M <= end; cut += stride) { tu.push(u); tc.push(cut); }
  }
  const slates = (u: number[], c: number[]): Slates => ({ user: Int32Array.from(u), cut: Int32Array.from(c) });
  return {
    slateSize: M,
    train: slates(tu, tc),
    valid: ds.protocol.validation ? slates(vu, vc) : undefined,
    test: slates(su, sc),
    trainEnd,
  };
}

/** The target slate (dense item ids) of slate k. */
export function slateTarget(ds: Dataset, s: Slates, k: number, M: number): Int32Array {
  const o = ds.seqOffsets[s.user[k]] + s.cut[k];
  return ds.seqItems.subarray(o, o + M);
}

/** The history (dense item ids, oldest first) of slate k. */
export function slateHistory(ds: Dataset, s: Slates, k: number): Int32Array {
  const o = ds.seqOffsets[s.user[k]];
  return ds.seqItems.subarray(o, o + s.cut[k]);
}

/** Training sequences only (for co-occurrence features): seq[0, trainEnd[u]) per user, as CSR. */
export function trainingSequences(ds: Dataset, split: Split): { offsets: Int32Array; items: Int32Array } {
  const nU = ds.userIds.length;
  const offsets = new Int32Array(nU + 1);
  for (let u = 0; u < nU; u++) offsets[u + 1] = offsets[u] + split.trainEnd[u];
  const items = new Int32Array(offsets[nU]);
  for (let u = 0; u < nU; u++) items.set(ds.seqItems.subarray(ds.seqOffsets[u], ds.seqOffsets[u] + split.trainEnd[u]), offsets[u]);
  return { offsets, items };
}
