// Table 1: every registered model trained and evaluated under one protocol, several seeds, mean ± std, and a paired
// per-user t-test of each row against the strongest model (HiGR against the strongest baseline when HiGR is a row).
// Plain pipeline code: the CLI (`higr table1`) and the browser worker call the same function.
import type { Dataset } from '../data/dataset';
import { trainingSequences, type Split } from '../data/split';
import type { SeqRecModel, SeqTrainInputs, TrainProgress } from '../models/seq-rec';
import { evaluateScorer, evaluateSlates, type EvalCase, type EvalResult } from './harness';
import type { ModelEntry } from './registry';
import { pairedTTest } from './significance';

export interface Metrics5 {
  hit5: number;
  recall5: number;
  ndcg5: number;
}

export interface Table1Row {
  model: string;
  id: string;
  objective: string;
  params: number;
  seeds: number[];
  metrics: { effective: Metrics5; impressions: Metrics5 | null };
  mean: Metrics5;
  std: Metrics5;
  perSeed: Metrics5[];
  /** Two-sided paired t-test p (per-user recall@5, averaged over seeds) against the strongest row; null for that row. */
  pValueVsBest: number | null;
  trainSeconds: number;
  backend: string;
  settings: Record<string, unknown>;
  coverage: number;
}

export interface Table1Result {
  rows: Table1Row[];
  best: string;
  users: number;
  nItems: number;
  /** per model id: per-user recall@5 averaged over its seeds (order of the evaluated cases), for paired tests across runs */
  perUser: Record<string, number[]>;
}

export interface Table1Options {
  seeds: number[];
  /** Semantic IDs for entries with `needsSids` (generative models). */
  sidTable?: SeqTrainInputs['sidTable'];
  quick: boolean;
  backend: string;
  overrides?: Record<string, Record<string, number | string>>;
  onProgress?: (model: string, seed: number, p: TrainProgress) => void;
  onRow?: (row: Table1Row) => void;
  signal?: AbortSignal;
}

const pick = (m: EvalResult['effective']): Metrics5 => ({ hit5: m.hit, recall5: m.recall, ndcg5: m.ndcg });
const KEYS = ['hit5', 'recall5', 'ndcg5'] as const;

export function meanStd(xs: Metrics5[]): { mean: Metrics5; std: Metrics5 } {
  const mean = { hit5: 0, recall5: 0, ndcg5: 0 }, std = { hit5: 0, recall5: 0, ndcg5: 0 };
  for (const k of KEYS) {
    mean[k] = xs.reduce((s, x) => s + x[k], 0) / xs.length;
    // sample standard deviation over seeds (n − 1), 0 for one seed
    std[k] = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x[k] - mean[k]) ** 2, 0) / (xs.length - 1)) : 0;
  }
  return { mean, std };
}

export function scorerOf(m: SeqRecModel) {
  return { nItems: m.nItems, score: (b: EvalCase[]) => m.score(b.map((c) => c.history)) };
}

/** Trains every entry (each seed) on the split's training sequences and evaluates it on `cases` at k = 5. */
export async function runTable1(ds: Dataset, split: Split, cases: EvalCase[], entries: ModelEntry[], o: Table1Options): Promise<Table1Result> {
  return runTable1On({ nItems: ds.itemIds.length, ...trainingSequences(ds, split), sidTable: o.sidTable }, cases, entries, o);
}

/** The same on assembled training sequences (the stage layer's table1-model stage: one entry, one seed per run). */
export async function runTable1On(inputs: SeqTrainInputs, cases: EvalCase[], entries: ModelEntry[], o: Table1Options): Promise<Table1Result> {
  const needs = entries.filter((e) => e.needsSids && !o.sidTable);
  if (needs.length) throw new Error(`table1: ${needs.map((e) => e.id).join(', ')} need semantic IDs (Table1Options.sidTable)`);
  const rows: Table1Row[] = [];
  const perUser = new Map<string, number[]>();
  for (const e of entries) {
    const seeds = e.deterministic ? [o.seeds[0]] : o.seeds;
    const perSeed: Metrics5[] = [], perSeedImp: Metrics5[] = [];
    let trainSeconds = 0, params = 0, coverage = 0;
    let userSum: Float64Array | null = null;
    for (const seed of seeds) {
      if (o.signal?.aborted) throw new Error('table1: cancelled');
      const t0 = performance.now();
      const tOpts = { seed, quick: o.quick, overrides: o.overrides?.[e.id] };
      const model = await e.train(inputs, tOpts, { signal: o.signal, onProgress: (p) => o.onProgress?.(e.id, seed, p) });
      trainSeconds += (performance.now() - t0) / 1000;
      params = model.numParameters();
      const r = model.slates ? await evaluateGenerated(model, cases, o.signal) : await evaluateScorer(scorerOf(model), cases, { k: 5, excludeHistory: true }, {}, { signal: o.signal });
      model.dispose?.();
      perSeed.push(pick(r.effective));
      if (r.impressions) perSeedImp.push(pick(r.impressions));
      coverage += r.coverage / seeds.length;
      const rec = r.perUser.effective.recall;
      userSum ??= new Float64Array(rec.length);
      rec.forEach((v, i) => (userSum![i] += v / seeds.length));
    }
    perUser.set(e.id, Array.from(userSum!));
    const { mean, std } = meanStd(perSeed);
    const row: Table1Row = {
      model: e.label,
      id: e.id,
      objective: e.objective,
      params,
      seeds,
      metrics: { effective: mean, impressions: perSeedImp.length ? meanStd(perSeedImp).mean : null },
      mean,
      std,
      perSeed,
      pValueVsBest: null,
      trainSeconds: trainSeconds / seeds.length,
      backend: o.backend,
      settings: e.settings(tOptsOf(o, e)),
      coverage,
    };
    rows.push(row);
    o.onRow?.(row);
  }
  // the strongest baseline by mean recall@5 (HiGR, when it is a row, is compared against it and is never "the best")
  const baselines = rows.filter((r) => r.id !== 'higr');
  const best = baselines.reduce((a, b) => (b.mean.recall5 > a.mean.recall5 ? b : a), baselines[0]);
  for (const r of rows) {
    if (r === best) continue;
    r.pValueVsBest = pairedTTest(perUser.get(r.id)!, perUser.get(best.id)!).p;
  }
  return { rows, best: best.id, users: cases.length, nItems: inputs.nItems, perUser: Object.fromEntries(perUser) };
}

/** Generated slates (history excluded by the model's decoder), in batches, scored at k = 5. */
async function evaluateGenerated(model: SeqRecModel, cases: EvalCase[], signal?: AbortSignal): Promise<EvalResult> {
  const slates: Int32Array[] = [];
  for (let i = 0; i < cases.length; i += 64) {
    if (signal?.aborted) throw new Error('evaluation cancelled');
    slates.push(...(await model.slates!(cases.slice(i, i + 64).map((c) => c.history), 5)));
  }
  return evaluateSlates(slates, cases, model.nItems, 5, {}, true);
}

function tOptsOf(o: Table1Options, e: ModelEntry) {
  return { seed: o.seeds[0], quick: o.quick, overrides: o.overrides?.[e.id] };
}
