// A tiny planted-pattern task for the generative baselines' tests: n items on random SIDs (K×K grid + collision
// level), every user walks the catalogue cyclically (item a is followed by a+1, a+2, … mod n) from a random start, so
// the next slate is a function of the last history item. Popularity (training counts) cannot know it; a sequence
// model that reads the history can. Train, validation (best-epoch choice) and test users are disjoint.
import { rng } from '../engine/random';
import { evaluateSlates, type EvalCase } from '../eval/harness';
import { topKExcluding } from '../eval/rank';
import { itemCounts } from './popularity';
import { buildSidTable, PrefixTrie, type SidTableData } from './sid-table';
import type { SidLookup } from './trie-beam';
import type { SlateTrainInputs } from '../train/slate-decoder';

export interface PlantedTask {
  n: number;
  table: SidTableData;
  lookup: SidLookup;
  inputs: SlateTrainInputs;
  /** held-out users: history -> the next 5 */
  cases: EvalCase[];
  /** recall@5 of popularity (training counts, history excluded) on `cases` */
  popularityRecall5: number;
  /** how often popularity's first item is the next item */
  popularityTop1: number;
}

export function plantedTask(opts: { n?: number; K?: number; trainUsers?: number; validUsers?: number; testUsers?: number; seed?: number } = {}): PlantedTask {
  const n = opts.n ?? 24, K = opts.K ?? 4, nTrain = opts.trainUsers ?? 96, nValid = opts.validUsers ?? 16, nTest = opts.testUsers ?? 32;
  const r = rng(opts.seed ?? 5);
  const codes = Int32Array.from({ length: n * 2 }, () => Math.floor(r() * K));
  const table = buildSidTable(Int32Array.from({ length: n }, (_, i) => i), codes, 2, [K, K]);
  const offsets = [0];
  const items: number[] = [];
  for (let u = 0; u < nTrain + nValid + nTest; u++) {
    const start = Math.floor(r() * n);
    const len = 7 + Math.floor(r() * 6); // 7..12 < n: a target item is never in its own history
    for (let j = 0; j < len; j++) items.push((start + j) % n);
    offsets.push(items.length);
  }
  const seq = { offsets: Int32Array.from(offsets), items: Int32Array.from(items) };
  const tu: number[] = [], tc: number[] = [], vu: number[] = [], vc: number[] = [];
  for (let u = 0; u < nTrain; u++) {
    const len = offsets[u + 1] - offsets[u];
    for (let cut = 1; cut + 5 <= len; cut++) tu.push(u), tc.push(cut);
  }
  const cases: EvalCase[] = [];
  for (let u = nTrain; u < nTrain + nValid; u++) vu.push(u), vc.push(offsets[u + 1] - offsets[u] - 5);
  for (let u = nTrain + nValid; u < nTrain + nValid + nTest; u++) {
    const len = offsets[u + 1] - offsets[u];
    const s = seq.items.subarray(offsets[u], offsets[u + 1]);
    cases.push({ user: u, history: s.slice(0, len - 5), target: s.slice(len - 5), impressions: null });
  }
  const trainItems = seq.items.subarray(0, offsets[nTrain]);
  const counts = itemCounts({ nItems: n, offsets: seq.offsets.subarray(0, nTrain + 1), items: trainItems });
  const pop = cases.map((c) => topKExcluding(counts, 5, c.history));
  const popularityRecall5 = evaluateSlates(pop, cases, n, 5).effective.recall;
  const popularityTop1 = plantedTop1({ cases }, pop);
  const inputs: SlateTrainInputs = {
    numItems: n,
    sidCodes: table.sids,
    widths: table.widths,
    trie: table.trie,
    sequences: seq,
    train: { user: Int32Array.from(tu), cut: Int32Array.from(tc) },
    valid: { user: Int32Array.from(vu), cut: Int32Array.from(vc) },
  };
  return { n, table, lookup: { sids: table.sids, trie: PrefixTrie.of(table) }, inputs, cases, popularityRecall5, popularityTop1 };
}

/** recall@5 of decoded slates on the task's held-out users. */
export function plantedRecall5(task: PlantedTask, slates: ArrayLike<number>[]): number {
  return evaluateSlates(slates, task.cases, task.n, 5).effective.recall;
}

/** Fraction of held-out users whose slate starts with their next item. */
export function plantedTop1(task: Pick<PlantedTask, 'cases'>, slates: ArrayLike<number>[]): number {
  return task.cases.reduce((a, c, i) => a + (slates[i][0] === c.target[0] ? 1 : 0), 0) / task.cases.length;
}
