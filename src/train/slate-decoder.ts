// Training of every slate model — HiGR's hierarchical slate decoder and the generative baselines (OneRec-style flat
// decoder, TIGER, ListCVAE) — one function for the worker and the CLI:
//   trainSlateModel(model, inputs, cfg, task, { onProgress, onEpoch, signal, checkpoint }) -> curves + checkpoint
//   run(inputs, cfg, opts) = trainSlateModel for the HSD (builds the model, validates with GSBI)
// A model is anything with a teacher-forced `loss(history batch, target SID codes (B, n, L), { step, items })` and a
// slate decoder for validation (`task.decode`). The recipe: AdamW (decoupled weight decay), linear warm-up then cosine
// decay, global-norm clipping, random (history, next n) training windows, validation recall@5 / NDCG@5 per epoch on
// the validation slates (history excluded), early stopping on validation recall@5 (the best epoch's weights are
// restored), checkpoints that resume (config + weights + optimizer moments + step + curves + RNG position).
//
// Data is plain: per-user sequences of dense item ids (CSR), training slates (user, cut) = history seq[0, cut) ->
// target seq[cut, cut + M), validation slates likewise, and the SID table (codes per item row + trie).
import { grad, tidyAsync, type Rng, type Tensor } from '../engine';
import { rng as makeRng } from '../engine/random';
import { meanMetrics, slateMetrics } from '../eval/metrics';
import { historyBatch, type HistoryBatch, type SidEmbedding } from '../models/context-encoder';
import { gsbi, type SidLookup } from '../models/gsbi';
import { AdamW, rng, type Module, type StateDict } from '../models/nn';
import { PrefixTrie, type TrieData } from '../models/sid-table';
import { HierarchicalSlateDecoder, hsdConfig, type HsdConfig } from '../models/slate-decoder';

export interface Slates {
  user: Int32Array;
  cut: Int32Array;
}

export interface SlateTrainInputs {
  numItems: number;
  /** (numItems, L) SID codes per dense item id (L = levels incl. the collision level) */
  sidCodes: Int32Array;
  widths: number[];
  trie: TrieData;
  /** CSR over dense users, dense item ids, oldest first */
  sequences: { offsets: Int32Array; items: Int32Array };
  train: Slates;
  valid: Slates;
}

export interface SlateTrainConfig {
  seed: number;
  model: Partial<HsdConfig>;
  epochs: number;
  /** optimizer steps per epoch; 0 = one pass over the training slates */
  stepsPerEpoch: number;
  batchSize: number;
  lr: number;
  /** linear warm-up steps, then cosine decay to lr·minLrRatio at the last step */
  warmup: number;
  minLrRatio: number;
  weightDecay: number;
  clipNorm: number;
  /** stop after this many epochs without a better validation recall@5 (0 = never) */
  patience: number;
  /** validation users decoded per epoch (0 = all) */
  validUsers: number;
  beam: number;
  /** users per GSBI batch */
  decodeBatch: number;
  /**
   * Train on each user's `recentWindows` most recent training windows only (0 = every window). On a time-ordered log
   * the held-out slates follow the most recent views, and every window of a long sequence would otherwise weigh
   * that user's old history as much as the recent part (docs/slate-decoder.md, "Recent windows").
   */
  recentWindows: number;
  /** read the loss back every this many steps (each readback is a GPU sync) */
  logEvery: number;
}

export const SLATE_TRAIN_DEFAULTS: SlateTrainConfig = {
  seed: 0,
  model: {},
  epochs: 10,
  stepsPerEpoch: 0,
  batchSize: 64,
  lr: 1e-3,
  warmup: 100,
  minLrRatio: 0.1,
  weightDecay: 0.01,
  clipNorm: 1,
  patience: 3,
  validUsers: 0,
  beam: 5,
  decodeBatch: 64,
  recentWindows: 0,
  logEvery: 10,
};

/** The training recipe's settings checked (any model); `slateTrainConfig` also checks the HSD's model settings. */
export function trainRecipeConfig(p: Partial<SlateTrainConfig> = {}): SlateTrainConfig {
  const c = { ...SLATE_TRAIN_DEFAULTS, ...p, model: { ...(p.model ?? {}) } };
  const bad: string[] = [];
  for (const k of ['epochs', 'batchSize', 'beam', 'decodeBatch', 'logEvery'] as const) if (!Number.isInteger(c[k]) || c[k] < 1) bad.push(`${k} must be an integer >= 1 (got ${c[k]})`);
  // upper bounds where a huge value is an allocation error rather than a slow run (= the stage schema's bounds)
  for (const [k, max] of [['beam', 256], ['decodeBatch', 4096]] as const) if (c[k] > max) bad.push(`${k} must be <= ${max} (got ${c[k]})`);
  for (const k of ['stepsPerEpoch', 'warmup', 'patience', 'validUsers', 'recentWindows'] as const) if (!Number.isInteger(c[k]) || c[k] < 0) bad.push(`${k} must be an integer >= 0 (got ${c[k]})`);
  if (!(c.lr > 0)) bad.push(`lr must be > 0 (got ${c.lr})`);
  if (bad.length) throw new Error(`slate decoder training: ${bad.join('; ')}`);
  return c;
}

export function slateTrainConfig(p: Partial<SlateTrainConfig> = {}): SlateTrainConfig {
  const c = trainRecipeConfig(p);
  hsdConfig(c.model);
  return c;
}

export interface EpochRecord {
  epoch: number;
  step: number;
  trainLoss: number;
  valid: { recall5: number; ndcg5: number; hit5: number; users: number };
  seconds: number;
}

export interface Curves {
  /** (step, loss per slate = Eq. 10 sum over M·L tokens) */
  loss: { step: number; loss: number; lr: number }[];
  epochs: EpochRecord[];
}

export interface SlateCheckpoint {
  /** which model the weights belong to ('hsd', 'onerec', 'tiger', 'listcvae') */
  kind: string;
  config: SlateTrainConfig;
  widths: number[];
  numItems: number;
  step: number;
  epoch: number;
  weights: StateDict;
  optimizer: { t: number; m: Float32Array[]; v: Float32Array[] };
  best: { epoch: number; recall5: number; weights: StateDict | null };
  curves: Curves;
  /** RNG draws consumed so far (resume reproduces the same batches) */
  rngDraws: number;
  /** training-loss sum and count of the epoch in progress (a checkpoint taken mid-epoch resumes it exactly) */
  epochLoss?: { sum: number; n: number };
}

export interface Progress {
  step: number;
  total: number;
  epoch: number;
  scalars: Record<string, number>;
}

export interface RunOptions {
  onProgress?: (p: Progress) => void;
  onEpoch?: (e: EpochRecord) => void;
  signal?: AbortSignal;
  /** resume from this checkpoint (same data and config) */
  checkpoint?: SlateCheckpoint;
  /** save a checkpoint every `every` optimizer steps (mid-epoch too), e.g. into the stage layer's run store */
  save?: { every: number; save(c: SlateCheckpoint): Promise<void> };
}

/** What the one trainer needs of a model. */
export interface SlateModel extends Module {
  readonly sid: SidEmbedding;
  /** teacher-forced loss of target windows: SID codes (B, n, L) and item ids (B, n) in `extra.items` */
  loss(h: HistoryBatch, targetCodes: Int32Array, extra?: { step: number; items?: Int32Array }): { loss: Tensor };
}

/** Decoder used for validation: histories (excluded) -> slates. */
export type SlateDecodeFn = (histories: Int32Array[]) => Promise<Int32Array[]>;

/** How one kind of model is trained: its checkpoint kind, window sizes, history length and validation decoder. */
export interface SlateModelTask {
  kind: string;
  /** target items per training window the loss sees (HSD, OneRec-style, ListCVAE: M; TIGER: 1 = the next item) */
  targetLen: number;
  /** validation target length M (recall@5 against the next M items) */
  slateSize: number;
  maxHistory: number;
  decode: SlateDecodeFn;
}

export interface SlateTrainOutcome {
  curves: Curves;
  checkpoint: SlateCheckpoint;
  params: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  aborted: boolean;
  secondsPerEpoch: number;
}

export interface SlateTrainResult extends SlateTrainOutcome {
  model: HierarchicalSlateDecoder;
  lookup: SidLookup;
}

/** Learning rate at `step` (0-based) of `total`: linear warm-up, then cosine to lr·minLrRatio. */
export function lrAt(cfg: Pick<SlateTrainConfig, 'lr' | 'warmup' | 'minLrRatio'>, step: number, total: number): number {
  if (cfg.warmup > 0 && step < cfg.warmup) return (cfg.lr * (step + 1)) / cfg.warmup;
  const t = total > cfg.warmup ? (step - cfg.warmup) / Math.max(1, total - cfg.warmup - 1) : 1;
  const min = cfg.lr * cfg.minLrRatio;
  return min + 0.5 * (cfg.lr - min) * (1 + Math.cos(Math.PI * Math.min(1, Math.max(0, t))));
}

function countingRng(seed: number, skip: number): { r: Rng; draws: () => number } {
  const base = makeRng(seed);
  for (let i = 0; i < skip; i++) base();
  let n = skip;
  const next = () => (n++, base());
  const r: Rng = Object.assign(() => next(), {
    next,
    int: (k: number) => Math.floor(next() * k),
    normal: () => Math.sqrt(-2 * Math.log(Math.max(1e-12, next()))) * Math.cos(2 * Math.PI * next()),
    pick: <T,>(arr: readonly T[]) => arr[Math.floor(next() * arr.length)],
    state: () => base.state(),
    setState: (st: number) => base.setState(st),
  });
  return { r, draws: () => n };
}

const hist = (s: SlateTrainInputs['sequences'], u: number, cut: number) => s.items.subarray(s.offsets[u], s.offsets[u] + cut);
const target = (s: SlateTrainInputs['sequences'], u: number, cut: number, M: number) => s.items.subarray(s.offsets[u] + cut, s.offsets[u] + cut + M);

/** Decode slates for (user, cut) pairs with GSBI, history seq[0, cut) as input and excluded. */
export async function decodeSlates(
  model: HierarchicalSlateDecoder,
  lookup: SidLookup,
  seqs: SlateTrainInputs['sequences'],
  slates: Slates,
  opts: { beam: number; length: number; batch: number; excludeHistory?: boolean; signal?: AbortSignal; onBatch?: (done: number, total: number) => void },
): Promise<{ slates: Int32Array[]; sids: Int32Array[]; scores: Float64Array[] }> {
  const n = slates.user.length;
  const out: { slates: Int32Array[]; sids: Int32Array[]; scores: Float64Array[] } = { slates: [], sids: [], scores: [] };
  for (let s = 0; s < n; s += opts.batch) {
    if (opts.signal?.aborted) throw new Error('decoding cancelled');
    const hs: Int32Array[] = [];
    for (let k = s; k < Math.min(n, s + opts.batch); k++) hs.push(hist(seqs, slates.user[k], slates.cut[k]));
    const r = await gsbiSlates(model, lookup, hs, opts.beam, opts.length, opts.excludeHistory !== false);
    out.slates.push(...r.slates);
    out.sids.push(...r.sids);
    out.scores.push(...r.scores);
    opts.onBatch?.(Math.min(n, s + opts.batch), n);
  }
  return out;
}

/** Mean hit/recall/NDCG@k of decoded slates against the slates' targets. */
export function scoreSlates(decoded: Int32Array[], seqs: SlateTrainInputs['sequences'], slates: Slates, M: number, k = 5) {
  const rows = decoded.map((d, i) => slateMetrics(d, target(seqs, slates.user[i], slates.cut[i], M), k));
  return { ...meanMetrics(rows), perUser: rows };
}

/**
 * Each user's `n` training windows with the largest cuts (the most recent; 0 = all), in the input order. Windows are
 * (user, cut) pairs of any order; ties cannot occur (one window per (user, cut)).
 */
export function recentWindows(s: Slates, n: number): Slates {
  if (n <= 0) return s;
  const byUser = new Map<number, number[]>();
  for (let i = 0; i < s.user.length; i++) {
    const l = byUser.get(s.user[i]);
    if (l) l.push(i);
    else byUser.set(s.user[i], [i]);
  }
  const keep = new Uint8Array(s.user.length);
  for (const l of byUser.values()) {
    l.sort((a, b) => s.cut[b] - s.cut[a]);
    for (const i of l.slice(0, n)) keep[i] = 1;
  }
  const idx = Array.from({ length: s.user.length }, (_, i) => i).filter((i) => keep[i]);
  return { user: Int32Array.from(idx, (i) => s.user[i]), cut: Int32Array.from(idx, (i) => s.cut[i]) };
}

export function subsample(s: Slates, n: number, seed: number): Slates {
  if (n <= 0 || n >= s.user.length) return s;
  const r = makeRng(seed);
  const idx = Int32Array.from({ length: s.user.length }, (_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const keep = Array.from(idx.subarray(0, n)).sort((a, b) => a - b);
  return { user: Int32Array.from(keep, (i) => s.user[i]), cut: Int32Array.from(keep, (i) => s.cut[i]) };
}

/** The one training loop (see the header). The caller builds the model; `opts.checkpoint` resumes it. */
export async function trainSlateModel(model: SlateModel, inputs: SlateTrainInputs, cfgIn: Partial<SlateTrainConfig>, task: SlateModelTask, opts: RunOptions = {}): Promise<SlateTrainOutcome> {
  const cfg = opts.checkpoint ? opts.checkpoint.config : trainRecipeConfig(cfgIn);
  const L = inputs.widths.length;
  const n = task.targetLen;
  if (!Number.isInteger(n) || n < 1) throw new Error(`slate model training: target length must be an integer >= 1 (got ${n})`);
  if (inputs.sidCodes.length !== inputs.numItems * L) throw new Error(`slate model training: SID codes have ${inputs.sidCodes.length} entries for ${inputs.numItems} items × ${L} levels`);
  if (!inputs.train.user.length) throw new Error('slate model training: no training slates');
  if (!inputs.valid.user.length) throw new Error('slate model training: no validation slates');
  const opt = new AdamW(model.parameters(), { lr: cfg.lr, weightDecay: cfg.weightDecay, clipNorm: cfg.clipNorm });
  const train = recentWindows(inputs.train, cfg.recentWindows ?? 0);
  const nTrain = train.user.length;
  const stepsPerEpoch = cfg.stepsPerEpoch || Math.ceil(nTrain / cfg.batchSize);
  const total = stepsPerEpoch * cfg.epochs;
  let step = 0;
  let epoch = 0;
  let curves: Curves = { loss: [], epochs: [] };
  let best: SlateCheckpoint['best'] = { epoch: -1, recall5: -Infinity, weights: null };
  const ck = opts.checkpoint;
  if (ck) {
    if (ck.kind !== task.kind) throw new Error(`slate model checkpoint: it holds a '${ck.kind}' model, not '${task.kind}'`);
    if (ck.numItems !== inputs.numItems || ck.widths.join() !== inputs.widths.join()) throw new Error('slate model checkpoint: built for another SID table / catalogue');
    model.loadStateDict(ck.weights);
    opt.importState(ck.optimizer);
    step = ck.step;
    epoch = ck.epoch;
    curves = structuredClone(ck.curves);
    best = ck.best;
  }
  const rr = countingRng(cfg.seed + 1, ck?.rngDraws ?? 0);
  const valid = subsample(inputs.valid, cfg.validUsers, cfg.seed + 2);
  const seqs = inputs.sequences;
  const validHist = Array.from(valid.user, (u, i) => hist(seqs, u, valid.cut[i]));
  let stoppedEarly = false;
  let aborted = false;
  const epochSeconds: number[] = [];
  let lossSum = ck?.epochLoss?.sum ?? 0, lossN = ck?.epochLoss?.n ?? 0;
  const snapshot = async (): Promise<SlateCheckpoint> => ({
    kind: task.kind,
    config: cfg,
    widths: inputs.widths,
    numItems: inputs.numItems,
    step,
    epoch,
    weights: await model.stateDict(),
    optimizer: await opt.exportState(),
    best,
    curves: structuredClone(curves),
    rngDraws: rr.draws(),
    epochLoss: { sum: lossSum, n: lossN },
  });

  try {
    outer: while (epoch < cfg.epochs) {
      const t0 = performance.now();
      // a checkpoint taken mid-epoch continues that epoch where it stopped
      for (let s = step - epoch * stepsPerEpoch; s < stepsPerEpoch; s++) {
        if (opts.signal?.aborted) {
          aborted = true;
          break outer;
        }
        const hs: Int32Array[] = [];
        const tc = new Int32Array(cfg.batchSize * n * L);
        const ti = new Int32Array(cfg.batchSize * n);
        for (let b = 0; b < cfg.batchSize; b++) {
          const k = Math.floor(rr.r() * nTrain);
          const u = train.user[k], cut = train.cut[k];
          hs.push(hist(seqs, u, cut));
          const t = target(seqs, u, cut, n);
          if (t.length !== n) throw new Error(`slate model training: slate ${k} (user ${u}, cut ${cut}) has ${t.length} target items, expected ${n}`);
          ti.set(t, b * n);
          for (let j = 0; j < n; j++) tc.set(inputs.sidCodes.subarray(t[j] * L, (t[j] + 1) * L), (b * n + j) * L);
        }
        const lr = lrAt(cfg, step, total);
        const read = (step + 1) % cfg.logEvery === 0 || s === stepsPerEpoch - 1;
        const at = step;
        const lv = await tidyAsync(async () => {
          const { loss } = model.loss(historyBatch(hs, inputs.sidCodes, model.sid, task.maxHistory), tc, { step: at, items: ti });
          const g = grad(loss, model.parameters());
          opt.step(g, lr);
          return read ? await loss.item() : NaN;
        });
        step++;
        if (read) {
          if (!Number.isFinite(lv)) throw new Error(`slate model training: loss is ${lv} at step ${step} (lr ${lr.toExponential(2)}); lower --lr`);
          lossSum += lv;
          lossN++;
          curves.loss.push({ step, loss: lv, lr });
          opts.onProgress?.({ step, total, epoch, scalars: { loss: lv, lr } });
        }
        if (opts.save?.every && step % opts.save.every === 0 && s < stepsPerEpoch - 1) await opts.save.save(await snapshot());
      }
      const dec: Int32Array[] = [];
      for (let i = 0; i < validHist.length; i += cfg.decodeBatch) {
        if (opts.signal?.aborted) throw new Error('decoding cancelled');
        dec.push(...(await task.decode(validHist.slice(i, i + cfg.decodeBatch))));
      }
      const m = scoreSlates(dec, seqs, valid, task.slateSize, 5);
      const seconds = (performance.now() - t0) / 1000;
      epochSeconds.push(seconds);
      const rec: EpochRecord = { epoch: epoch + 1, step, trainLoss: lossN ? lossSum / lossN : NaN, valid: { recall5: m.recall, ndcg5: m.ndcg, hit5: m.hit, users: valid.user.length }, seconds };
      curves.epochs.push(rec);
      epoch++;
      lossSum = 0;
      lossN = 0;
      if (m.recall > best.recall5) best = { epoch, recall5: m.recall, weights: await model.stateDict() };
      opts.onEpoch?.(rec);
      opts.onProgress?.({ step, total, epoch, scalars: { validRecall5: m.recall, validNdcg5: m.ndcg } });
      if (cfg.patience > 0 && epoch - best.epoch >= cfg.patience) {
        stoppedEarly = epoch < cfg.epochs;
        break;
      }
      if (opts.save?.every && epoch < cfg.epochs) await opts.save.save(await snapshot());
    }
    const checkpoint = await snapshot();
    if (best.weights) model.loadStateDict(best.weights);
    return {
      curves,
      checkpoint,
      params: model.numParameters(),
      bestEpoch: best.epoch,
      stoppedEarly,
      aborted,
      secondsPerEpoch: epochSeconds.length ? epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length : NaN,
    };
  } finally {
    opt.dispose();
  }
}

/** GSBI slates for histories (excluded): the HSD's decoder, for validation and the CLI. */
export async function gsbiSlates(model: HierarchicalSlateDecoder, lookup: SidLookup, hs: Int32Array[], beam: number, length: number, excludeHistory = true) {
  const hb = historyBatch(hs, lookup.sids, model.sid, model.cfg.maxHistory);
  return gsbi(model, lookup, hb, { beam, length, exclude: excludeHistory ? hs : undefined });
}

/** Train HiGR's hierarchical slate decoder (validation by GSBI decoding). */
export async function run(inputs: SlateTrainInputs, cfgIn: Partial<SlateTrainConfig>, opts: RunOptions = {}): Promise<SlateTrainResult> {
  const cfg = opts.checkpoint ? opts.checkpoint.config : slateTrainConfig(cfgIn);
  const L = inputs.widths.length;
  if (inputs.sidCodes.length !== inputs.numItems * L) throw new Error(`slate decoder training: SID codes have ${inputs.sidCodes.length} entries for ${inputs.numItems} items × ${L} levels`);
  const model = new HierarchicalSlateDecoder(cfg.model, inputs.widths, inputs.numItems, rng(cfg.seed));
  const M = model.cfg.slateSize;
  const lookup: SidLookup = { sids: inputs.sidCodes, trie: new PrefixTrie(inputs.trie, inputs.widths) };
  const task: SlateModelTask = {
    kind: 'hsd',
    targetLen: M,
    slateSize: M,
    maxHistory: model.cfg.maxHistory,
    decode: async (hs) => (await gsbiSlates(model, lookup, hs, cfg.beam, M)).slates,
  };
  const out = await trainSlateModel(model, inputs, cfg, task, opts);
  return { model, lookup, ...out };
}

/** Rebuild a trained model from a checkpoint (best weights when recorded, else the last). */
export function modelFromCheckpoint(ck: SlateCheckpoint): HierarchicalSlateDecoder {
  const m = new HierarchicalSlateDecoder(ck.config.model, ck.widths, ck.numItems, rng(ck.config.seed));
  m.loadStateDict(ck.best.weights ?? ck.weights);
  return m;
}
