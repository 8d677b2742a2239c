// The one runner every stage goes through (browser worker and CLI alike): validates the config, keys the run, keeps
// its record and checkpoints in a RunStore, collects curves from progress, stops a diverging run (NaN/Inf or an
// exploding term, naming the step and the term) and resumes a run from its last checkpoint.
import { configHash, formatError, validateConfig } from './schema';
import type { RunStore } from './run-store';
import type { RunCurves, RunKey, RunRecord, StageEntry, StageProgress } from './types';

export class ConfigError extends Error {
  constructor(
    readonly errors: { field: string; message: string }[],
    stage: string,
  ) {
    super(`${stage}: ${errors.map((e) => formatError(e)).join('; ')}`);
    this.name = 'ConfigError';
  }
}

export class DivergenceError extends Error {
  constructor(
    readonly step: number,
    readonly term: string,
    readonly value: number,
    why: string,
  ) {
    super(`diverged at step ${step}: ${term} = ${value} (${why}); lower the learning rate or check the inputs`);
    this.name = 'DivergenceError';
  }
}

/** A term explodes when it exceeds this many times its first value (and at least this much in absolute terms). */
export const EXPLODE_FACTOR = 1e4;

/** Throws DivergenceError when a scalar is NaN/Inf or has grown EXPLODE_FACTOR× past its first value. */
export function checkDivergence(p: StageProgress, first: Record<string, number>): void {
  for (const [term, v] of Object.entries(p.scalars)) {
    if (!Number.isFinite(v)) throw new DivergenceError(p.step, term, v, 'not a finite number');
    if (!(term in first)) first[term] = v;
    else if (Math.abs(v) > EXPLODE_FACTOR * Math.max(Math.abs(first[term]), 1))
      throw new DivergenceError(p.step, term, v, `more than ${EXPLODE_FACTOR}× its first value ${first[term].toPrecision(3)}`);
  }
}

export const runKeyString = (k: RunKey) => `${k.stage}-${k.configHash}-s${k.seed}-${k.dataset}-${k.backend}`;

export interface RunOptions {
  store: RunStore;
  seed: number;
  backend: string;
  /** datasetFingerprint of the data the inputs were assembled from */
  dataset: string;
  /** continue this run from its last checkpoint instead of starting a new one */
  resume?: string;
  signal?: AbortSignal;
  checkpointEvery?: number;
  onProgress?(p: StageProgress, rec: RunRecord): void;
  /** called with the record whenever it is written (status changes, checkpoints) */
  onRecord?(rec: RunRecord): void;
  /** extra scalars that must not be checked for divergence (e.g. utilisation in [0, 1]) are fine: any scalar is checked */
}

type Series = { step: number[]; series: Record<string, (number | null)[]> };

function pushSeries(c: Series, step: number, scalars: Record<string, number>): void {
  const n = c.step.length;
  c.step.push(step);
  for (const k of Object.keys(scalars)) if (!c.series[k]) c.series[k] = new Array(n).fill(null);
  for (const k of Object.keys(c.series)) c.series[k].push(k in scalars ? scalars[k] : null);
}

/** Training scalars into the curves; held-out scalars (p.valid) into curves.valid. */
function pushCurves(c: RunCurves, p: StageProgress): void {
  if (Object.keys(p.scalars).length) pushSeries(c, p.step, p.scalars);
  if (p.valid && Object.keys(p.valid).length) pushSeries((c.valid ??= { step: [], series: {} }), p.step, p.valid);
}

function truncateSeries<S extends Series>(c: S, beforeStep: number): S {
  const keep = c.step.findIndex((s) => s >= beforeStep);
  if (keep < 0) return c;
  return { ...c, step: c.step.slice(0, keep), series: Object.fromEntries(Object.entries(c.series).map(([k, v]) => [k, v.slice(0, keep)])) };
}

function truncateCurves(c: RunCurves, beforeStep: number): RunCurves {
  const t = truncateSeries(c, beforeStep);
  return c.valid ? { ...t, valid: truncateSeries(c.valid, beforeStep) } : t;
}

/** Run (or resume) one stage. Resolves with the final record and the stage's result; rejects on bad config or divergence. */
export async function runStage<Cfg extends Record<string, unknown>, I, R, C extends { step: number }>(
  entry: StageEntry<Cfg, I, R, C>,
  inputs: I,
  cfgIn: Partial<Cfg>,
  o: RunOptions,
): Promise<{ record: RunRecord; result: R }> {
  const { store } = o;
  let rec: RunRecord;
  let resume: C | undefined;
  if (o.resume) {
    const prev = await store.get(o.resume);
    if (!prev) throw new Error(`run ${o.resume} is not in the run store`);
    if (prev.stage !== entry.id) throw new Error(`run ${o.resume} is a ${prev.stage} run, not ${entry.id}`);
    if (prev.dataset !== o.dataset) throw new Error(`run ${o.resume} was trained on another dataset (${prev.dataset}; loaded now: ${o.dataset}): load the same files and protocol to resume it`);
    if (prev.status === 'done') throw new Error(`run ${o.resume} is already done`);
    const now = entry.describeInputs(inputs);
    const diff = Object.keys(prev.inputs).filter((k) => String(prev.inputs[k]) !== String(now[k]));
    if (diff.length) throw new Error(`cannot resume ${prev.id}: its inputs differ from the current ones (${diff.map((k) => `${k}: ${prev.inputs[k]} then, ${now[k]} now`).join('; ')})`);
    resume = await store.getCheckpoint<C>(o.resume);
    const curves = prev.summary?.curves ?? { step: [], series: {} };
    rec = {
      ...prev,
      status: 'running',
      error: undefined,
      backend: o.backend,
      summary: { metrics: {}, curves: resume ? truncateCurves(curves, resume.step) : { step: [], series: {} } },
      step: resume?.step ?? 0,
    };
  } else {
    const { value, errors } = validateConfig(entry.schema, cfgIn as Record<string, unknown>);
    if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) errors.push({ field: 'seed', message: `must be an integer in [0, 4294967295] (got ${o.seed})` });
    if (!errors.length && entry.checkInputs) errors.push(...entry.checkInputs(inputs, value as Cfg));
    if (errors.length) throw new ConfigError(errors, entry.id);
    const key: RunKey = { stage: entry.id, configHash: configHash(entry.schema, value), seed: o.seed, dataset: o.dataset, backend: o.backend };
    const base = runKeyString(key);
    const same = (await store.list(entry.id)).filter((r) => runKeyString(r) === base);
    const repeat = same.reduce((m, r) => Math.max(m, r.repeat), 0) + 1;
    const now = Date.now();
    rec = {
      ...key,
      id: repeat > 1 ? `${base}#${repeat}` : base,
      repeat,
      config: value,
      status: 'running',
      step: 0,
      total: 0,
      createdAt: now,
      updatedAt: now,
      checkpointStep: null,
      inputs: entry.describeInputs(inputs),
      summary: { metrics: {}, curves: { step: [], series: {} } },
      seconds: 0,
    };
  }
  const cfg = { ...(rec.config as Cfg), seed: rec.seed };
  const curves = rec.summary!.curves;
  const t0 = performance.now();
  const secondsBefore = rec.seconds;
  let lastWrite = 0;
  const write = async () => {
    rec.updatedAt = Date.now();
    rec.seconds = secondsBefore + (performance.now() - t0) / 1000;
    await store.put(rec);
    o.onRecord?.(structuredClone(rec));
  };
  await write();
  const first: Record<string, number> = {};
  const firstValid: Record<string, number> = {};
  try {
    const result = await entry.run(inputs, cfg, {
      signal: o.signal,
      onProgress(p) {
        checkDivergence(p, first);
        if (p.valid) checkDivergence({ ...p, scalars: p.valid }, firstValid);
        pushCurves(curves, p);
        rec.step = p.step + 1;
        rec.total = p.total;
        o.onProgress?.(p, rec);
        if (performance.now() - lastWrite > 2000) {
          lastWrite = performance.now();
          void write();
        }
      },
      checkpoint: {
        every: o.checkpointEvery ?? 0,
        resume,
        async save(c) {
          await store.putCheckpoint(rec.id, c);
          rec.checkpointStep = c.step;
          await write();
        },
      },
    });
    const s = entry.summarise(result, inputs);
    rec.summary = { ...s, curves };
    rec.status = o.signal?.aborted ? 'stopped' : 'done';
    if (entry.keep) await store.putResult(rec.id, await entry.keep(result, inputs));
    await write();
    return { record: structuredClone(rec), result };
  } catch (e) {
    // a diverged run is over; anything else (a lost GPU device, a crash) keeps its checkpoint and can be resumed
    rec.status = !(e instanceof DivergenceError) && rec.checkpointStep !== null ? 'interrupted' : 'failed';
    rec.error = (e as Error).message ?? String(e);
    await write();
    throw e;
  }
}

/** Records left 'running' by a page that was closed or reloaded: mark them interrupted (resumable from their checkpoint). */
export async function markInterrupted(store: RunStore, activeIds: Set<string>): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  for (const r of await store.list()) {
    if (r.status === 'running' && !activeIds.has(r.id)) {
      r.status = 'interrupted';
      await store.put(r);
    }
    out.push(r);
  }
  return out;
}
