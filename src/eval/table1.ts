// Table 1: every registered model trained and evaluated under one protocol, several seeds, mean ± std, and a paired
// per-user t-test of each row against the strongest model (HiGR against the strongest baseline when HiGR is a row).
// Plain pipeline code: the CLI (`higr table1`) and the browser worker call the same function.
import type { Dataset } from '../data/dataset';
import { trainingSequences, type Split } from '../data/split';
import type { SeqRecModel, SeqTrainInputs, TrainControl, TrainLog, TrainProgress } from '../models/seq-rec';
import { evaluateScorer, evaluateSlates, type EvalCase, type EvalResult } from './harness';
import type { ModelEntry } from './registry';
import { pairedTTest } from './significance';
import { fnv1a } from '../data/fingerprint';

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
  /** seeds taken from the run cache instead of trained in this invocation */
  cachedSeeds: number[];
  /** run-cache keys of the seeds (files <model>-s<seed>-<key>.json) */
  runKeys: string[];
  /** per seed: the run's training log (validation curve, best epoch) when the model keeps one, else null */
  trainLogs?: (TrainLog | null)[];
}

/**
 * One (model, seed) result as the run cache keeps it: enough to rebuild a row (metrics, params, time) and the paired test
 * (per-user recall@5 in the order of the evaluation cases). `key` identifies model, seed, settings and evaluation context.
 */
export interface SeedRun {
  key: string;
  model: string;
  seed: number;
  settings: Record<string, unknown>;
  context: Record<string, unknown>;
  params: number;
  trainSeconds: number;
  effective: Metrics5;
  impressions: Metrics5 | null;
  coverage: number;
  perUserRecall: number[];
  backend: string;
  createdAt: string;
  /** Neural baselines: epochs run, early stopping on the validation slates, the validation curve. */
  trainLog?: TrainLog;
}

/** Where finished (model, seed) results live so a table can be built in pieces and regenerated without retraining. */
export interface RunCache {
  get(key: string, model: string, seed: number): Promise<SeedRun | null>;
  put(run: SeedRun): Promise<void>;
}

/** Canonical JSON (object keys sorted at every depth): equal settings give equal strings whatever their key order. */
export function canonJson(v: unknown): string {
  const canon = (x: unknown): unknown =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.keys(x as object).sort().map((k) => [k, canon((x as Record<string, unknown>)[k])])) : x;
  return JSON.stringify(canon(v));
}

/** The cache key of one (model, seed) run: every setting the run used plus the evaluation context (protocol, users, SIDs, backend). */
export function seedRunKey(model: string, seed: number, settings: Record<string, unknown>, context: Record<string, unknown>): string {
  return fnv1a(new TextEncoder().encode(canonJson({ model, seed, settings, context })));
}

/** Identity of the evaluation cases (users, their histories and targets): part of every cache key. */
export function casesFingerprint(cases: EvalCase[]): string {
  const parts: number[] = [];
  for (const c of cases) parts.push(c.user, -2, ...c.history, -3, ...c.target, -1);
  return fnv1a(new Uint8Array(Int32Array.from(parts).buffer));
}

export interface Table1Result {
  rows: Table1Row[];
  best: string | null;
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
  /** finished (model, seed) results: reused when the key matches, written after each new run */
  cache?: RunCache;
  /** retrain even when the cache has the run (the new result replaces it) */
  fresh?: boolean;
  /** what besides the settings makes a result reusable: protocol, dataset, SID tokenizer … (the cases' fingerprint and backend are added) */
  context?: Record<string, unknown>;
  /** context that only the SID models' (needsSids) results depend on */
  sidContext?: Record<string, unknown>;
  onCached?: (run: SeedRun) => void;
  /**
   * Validation slates (the 5 items before the test slate; history = the training sequence): models whose settings
   * ask for early stopping (`evalEvery`, `patience`) are validated on them by recall@5 and keep their best weights.
   * Never the test cases.
   */
  validCases?: EvalCase[] | null;
  /** Resumable checkpoints of the one (model, seed) run (the stage layer's table1-model stage), passed to the model's training loop. */
  checkpoints?: TrainControl['checkpoints'];
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

/**
 * Training sequences followed by the protocol's validation slate (SeqTrainInputs.validation): models that choose their
 * epoch validate on the protocol's validation slate and train on every window before it, as `higr train` does.
 * (Holding out the last training window instead costs each user its 5 most recent training items: last-item
 * co-occurrence fitted without them drops from 0.0755 to 0.0594 test recall@5 on the reference protocol.)
 */
export function validationSequences(ds: Dataset, split: Split): { offsets: Int32Array; items: Int32Array } | undefined {
  if (!split.valid) return undefined;
  const M = split.slateSize;
  const hasValid = new Uint8Array(split.trainEnd.length);
  for (let k = 0; k < split.valid.user.length; k++) hasValid[split.valid.user[k]] = split.valid.cut[k] === split.trainEnd[split.valid.user[k]] ? 1 : 0;
  const ends = Array.from(split.trainEnd, (e, u) => e + (hasValid[u] ? M : 0));
  return trainingSequences(ds, { ...split, trainEnd: Int32Array.from(ends) });
}

/** Trains every entry (each seed) on the split's training sequences and evaluates it on `cases` at k = 5. */
export async function runTable1(ds: Dataset, split: Split, cases: EvalCase[], entries: ModelEntry[], o: Table1Options): Promise<Table1Result> {
  return runTable1On({ nItems: ds.itemIds.length, ...trainingSequences(ds, split), sidTable: o.sidTable, validation: validationSequences(ds, split) }, cases, entries, o);
}

/** The same on assembled training sequences (the stage layer's table1-model stage: one entry, one seed per run). */
export async function runTable1On(inputs: SeqTrainInputs, cases: EvalCase[], entries: ModelEntry[], o: Table1Options): Promise<Table1Result> {
  const needs = entries.filter((e) => e.needsSids && !o.sidTable);
  if (o.checkpoints && (entries.length !== 1 || o.seeds.length !== 1)) throw new Error('table1: checkpoints belong to one (model, seed) run');
  if (needs.length) throw new Error(`table1: ${needs.map((e) => e.id).join(', ')} need semantic IDs (Table1Options.sidTable)`);
  const rows: Table1Row[] = [];
  const perUser = new Map<string, number[]>();
  for (const e of entries) {
    const seeds = e.deterministic ? [o.seeds[0]] : o.seeds;
    const perSeed: Metrics5[] = [], perSeedImp: Metrics5[] = [];
    let trainSeconds = 0, params = 0, coverage = 0;
    let userSum: Float64Array | null = null;
    const cachedSeeds: number[] = [], runKeys: string[] = [];
    const trainLogs: (TrainLog | null)[] = [];
    // the SID tokenizer is part of a result's identity only for models that read SIDs: a SASRec run is the same run
    // whether or not the table also has SID models (`tokenizer: null` for the others)
    const sidOnly = e.needsSids ? (o.sidContext ?? {}) : o.context && 'tokenizer' in o.context ? { tokenizer: null } : {};
    const context = { ...(o.context ?? {}), ...sidOnly, cases: casesFingerprint(cases), users: cases.length, backend: o.backend, quick: o.quick };
    for (const seed of seeds) {
      if (o.signal?.aborted) throw new Error('table1: cancelled');
      const tOpts = { seed, quick: o.quick, overrides: o.overrides?.[e.id] };
      const settings = e.settings(tOpts);
      const key = seedRunKey(e.id, seed, settings, context);
      let run = o.cache && !o.fresh ? await o.cache.get(key, e.id, seed) : null;
      if (run && run.perUserRecall.length !== cases.length) run = null; // a cache file from another evaluation set
      if (run) {
        cachedSeeds.push(seed);
        o.onCached?.(run);
      } else {
        const t0 = performance.now();
        const vc = o.validCases;
        const validate = vc?.length ? async (m: SeqRecModel) => (await evaluateScorer(scorerOf(m), vc, { k: 5, excludeHistory: true }, {}, { signal: o.signal })).effective.recall : undefined;
        // diagnostic test-slate curve for models that ask for it (traceEvery): recorded in trainLog, never selects
        const trace = async (m: SeqRecModel) => {
          const t = await evaluateScorer(scorerOf(m), cases, { k: 5, excludeHistory: true }, {}, { signal: o.signal });
          return { testRecall5: t.effective.recall, testNdcg5: t.effective.ndcg };
        };
        const model = await e.train(inputs, tOpts, { signal: o.signal, validate, trace, checkpoints: o.checkpoints, onProgress: (p) => o.onProgress?.(e.id, seed, p) });
        const seconds = (performance.now() - t0) / 1000;
        const r = model.slates ? await evaluateGenerated(model, cases, o.signal) : await evaluateScorer(scorerOf(model), cases, { k: 5, excludeHistory: true }, {}, { signal: o.signal });
        run = {
          key,
          model: e.id,
          seed,
          settings,
          context,
          params: model.numParameters(),
          trainSeconds: seconds,
          effective: pick(r.effective),
          impressions: r.impressions ? pick(r.impressions) : null,
          coverage: r.coverage,
          perUserRecall: Array.from(r.perUser.effective.recall),
          backend: o.backend,
          createdAt: new Date().toISOString(),
          ...(model.trainLog ? { trainLog: model.trainLog } : {}),
        };
        model.dispose?.();
        await o.cache?.put(run);
      }
      runKeys.push(run.key);
      trainLogs.push(run.trainLog ?? null);
      trainSeconds += run.trainSeconds;
      params = run.params;
      perSeed.push(run.effective);
      if (run.impressions) perSeedImp.push(run.impressions);
      coverage += run.coverage / seeds.length;
      userSum ??= new Float64Array(run.perUserRecall.length);
      run.perUserRecall.forEach((v, i) => (userSum![i] += v / seeds.length));
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
      cachedSeeds,
      runKeys,
      ...(trainLogs.some((l) => l) ? { trainLogs } : {}),
    };
    rows.push(row);
    o.onRow?.(row);
  }
  // the strongest baseline by mean recall@5 (HiGR, when it is a row, is compared against it and is never "the best")
  // (a table of HiGR alone has no baseline: no test, best = null)
  const baselines = rows.filter((r) => r.id !== 'higr');
  const best = baselines.length ? baselines.reduce((a, b) => (b.mean.recall5 > a.mean.recall5 ? b : a), baselines[0]) : null;
  for (const r of rows) {
    if (!best || r === best) continue;
    r.pValueVsBest = pairedTTest(perUser.get(r.id)!, perUser.get(best.id)!).p;
  }
  return { rows, best: best?.id ?? null, users: cases.length, nItems: inputs.nItems, perUser: Object.fromEntries(perUser) };
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
