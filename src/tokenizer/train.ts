// The tokenizer training loop as one function: trainTokenizer(kind, features, config, {onProgress, signal}).
// Runs on whatever backend is set (CPU reference or WebGPU): the worker, the CLI and the tests call it the same way.
//
// VAEs (CRQ-VAE, RQ-VAE): seeded init → k-means codebook init on a first batch → `steps` AdamW steps on minibatches
// (each step inside tidyAsync, so nothing leaks) → encode every item → SID table + metrics.
// RQ-KMeans: residual k-means on the features. All three see the same pairs and labels, so the metrics compare.
import { getBackend, grad, noGrad, rng as engineRng, tensor, tidyAsync, type Tensor } from '../engine';
import { createRng, type Rng as DataRng } from '../math/rng';
import { AdamW, type AdamWState, type StateDict } from '../models/nn';
import type { CheckpointHooks } from '../stages/types';
import { batchPairs, CRQ_DEFAULTS, crqVaeLoss, reconLoss, ResidualVAE, type CrqVaeConfig, type LossTerms } from '../models/crq-vae';
import { rqVaeLoss } from '../models/rq-vae';
import { encodeRqKMeans, fitRqKMeans, RQ_KMEANS_DEFAULTS, type RqKMeansConfig, type RqKMeansModel } from '../models/rq-kmeans';
import { buildSidTable, type SidTableData } from '../models/sid-table';
import { rowSqErr, tokenizerMetrics, totalVariance, type TokenizerMetrics } from './metrics';
import { capNeighbours, heldOutItems, splitPairs, splitPairsInductive } from './pairs';
import { semanticNeighboursOnEngine } from './neighbours';

export type TokenizerKind = 'crq-vae' | 'rq-vae' | 'rq-kmeans';
export const TOKENIZER_KINDS: TokenizerKind[] = ['crq-vae', 'rq-vae', 'rq-kmeans'];

/** What the tokenizers need from the data layer (structurally the data layer's ItemFeatures). */
export interface FeatureMatrix {
  ids: Int32Array;
  dim: number;
  data: Float32Array;
}

export interface TrainConfig {
  seed: number;
  /** network + loss settings (levels and codebookSize also apply to RQ-KMeans) */
  model: Omit<CrqVaeConfig, 'inputDim'>;
  kmeans: Omit<RqKMeansConfig, 'levels' | 'codebookSize'>;
  steps: number;
  batchSize: number;
  /** anchor-positive pairs per batch (2 rows each; the rest of the batch is uniform items) */
  pairsPerBatch: number;
  lr: number;
  weightDecay: number;
  /** global gradient-norm clip (0 = off) */
  clipNorm: number;
  /** rows used for the k-means codebook (re-)initialisation at the end of the warm-up */
  initBatch: number;
  /**
   * VAEs: steps of encoder/decoder training on L_recon alone (the decoder reads z, no quantisation) before the codebooks
   * are initialised by residual k-means on the *current* latents (0 = k-means on the untrained encoder's latents).
   */
  warmupSteps: number;
  /** CRQ-VAE: λ2 rises linearly from 0 to its value over this many steps after the warm-up (0 = full λ2 at once) */
  lambda2RampSteps: number;
  /**
   * VAE codebook update: 'grad' = AdamW on the loss terms (the paper's Eq. 2/3/4 as written); 'ema' = exponential moving
   * average of the assigned residuals (VQ-VAE-2 style, decay `emaDecay`), the codebooks then take no gradient.
   */
  codebookUpdate: 'grad' | 'ema';
  emaDecay: number;
  /**
   * Batch sampler, the same for both VAEs: 'pairs' = [P anchors | P positives | uniform items] (RQ-VAE's loss ignores
   * the pairs, so the only difference between the VAEs is the loss); 'uniform' = B uniform items (no InfoNCE possible).
   */
  sampler: 'pairs' | 'uniform';
  /** encode the whole catalogue and compute the metrics every this many steps (0 = only at the end) */
  evalEvery: number;
  pairs: { threshold: number; maxPerItem: number; heldOut: number; inductiveItems: number };
  /** read losses back every this many steps (each readback is a GPU sync) */
  logEvery: number;
  /**
   * VAEs: the loss terms on a fixed held-out batch (the first pairsPerBatch held-out pairs, which the contrastive loss
   * never sees) every this many steps and at the last step, no gradient (0 = off). Only forward passes: training is
   * unchanged. The tokenizer trains on every item, so recon/quant there are on items reconstruction may have seen;
   * `cont` is the truly held-out term.
   */
  validEvery: number;
  /** items per forward pass when encoding the whole catalogue */
  evalBatch: number;
}

export const TRAIN_DEFAULTS: TrainConfig = {
  seed: 0,
  model: CRQ_DEFAULTS,
  kmeans: { iters: RQ_KMEANS_DEFAULTS.iters, seedSample: RQ_KMEANS_DEFAULTS.seedSample },
  steps: 1500,
  batchSize: 256,
  pairsPerBatch: 64,
  lr: 1e-3,
  weightDecay: 1e-4,
  clipNorm: 0,
  initBatch: 2048,
  warmupSteps: 0,
  lambda2RampSteps: 0,
  codebookUpdate: 'grad',
  emaDecay: 0.95,
  sampler: 'pairs',
  evalEvery: 0,
  pairs: { threshold: 0.8, maxPerItem: 4, heldOut: 0.2, inductiveItems: 0 },
  logEvery: 10,
  validEvery: 0,
  evalBatch: 1024,
};

/** Deep-enough merge of a partial config onto the defaults. */
export function trainConfig(p: DeepPartial<TrainConfig> = {}): TrainConfig {
  return {
    ...TRAIN_DEFAULTS,
    ...p,
    model: { ...TRAIN_DEFAULTS.model, ...(p.model ?? {}) } as TrainConfig['model'],
    kmeans: { ...TRAIN_DEFAULTS.kmeans, ...(p.kmeans ?? {}) },
    pairs: { ...TRAIN_DEFAULTS.pairs, ...(p.pairs ?? {}) },
  };
}
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

export interface PairSets {
  /** (P, 2) item rows used by the contrastive loss */
  train: Int32Array;
  /** (P, 2) item rows never shown to the contrastive loss: consistency is measured on these (transductive: their items may be in training pairs) */
  test: Int32Array;
  /** (P, 2) inductive held-out pairs: neither item is in any training pair (`consistencyInductive`) */
  inductive?: Int32Array;
}

export interface Progress {
  kind: TokenizerKind;
  step: number;
  steps: number;
  /** batch losses at this step (unweighted terms; total is Eq. 5 / Eq. 2 total) */
  losses: { total: number; recon: number; quant: number; cont: number | null };
  /** the same terms on the held-out batch (steps where `validEvery` evaluates it) */
  valid?: LossTerms4;
  /** share of each level's K codes used by the batches since the previous report */
  utilisation: number[];
  /** per level, K usage counts since the previous report (heatmaps) */
  usage: number[][];
  reseeded: number[];
  elapsedMs: number;
}

/** One value per loss term (cont null when the loss has no contrastive term). */
export interface LossTerms4 { total: number; recon: number; quant: number; cont: number | null }

export interface LossCurves {
  step: number[];
  total: number[];
  recon: number[];
  quant: number[];
  cont: (number | null)[];
  /** utilisation per report, per level */
  utilisation: number[][];
  /** held-out batch losses at the steps where they were evaluated (TrainConfig.validEvery) */
  valid?: { step: number[]; total: number[]; recon: number[]; quant: number[]; cont: (number | null)[] };
}

export interface Checkpoint {
  kind: TokenizerKind;
  config: TrainConfig;
  inputDim: number;
  weights: StateDict;
}

export interface TokenizerResult {
  kind: TokenizerKind;
  checkpoint: Checkpoint;
  /** (n, D) tokenizer codes, item rows in features order */
  codes: Int32Array;
  sids: SidTableData;
  metrics: TokenizerMetrics;
  lossCurves: LossCurves;
  /** metrics of the whole catalogue every `evalEvery` steps after the warm-up, and at the end (empty when evalEvery = 0) */
  metricCurve: MetricPoint[];
  /** per item, (n, latentDim): encoder output z (VAEs) or features (RQ-KMeans, latentDim = F) */
  latents: Float32Array;
  latentDim: number;
  reseeded: number[];
  steps: number;
  stoppedEarly: boolean;
  ms: number;
  /** of `ms`: milliseconds spent in the metrics (every catalogue evaluation: final and `evalEvery`) and the SID table */
  metricsMs: number;
  backend: string;
}

/** Everything a VAE training loop needs to continue exactly where it stopped (saved by the stage runner). */
export interface TrainCheckpoint {
  kind: TokenizerKind;
  /** the next step to run */
  step: number;
  weights: StateDict;
  optimizer: AdamWState;
  rng: number;
  quantizer: { lastUsed: Int32Array[]; reseeded: number[] };
  usage: Float64Array[];
  curves: LossCurves;
}

export interface TrainOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** save a TrainCheckpoint every `every` steps and/or resume from one (VAEs; RQ-KMeans restarts, it is fast) */
  checkpoint?: CheckpointHooks<TrainCheckpoint>;
  /** precomputed pairs (the CLI shares them across tokenizers); default: semantic neighbours of the features */
  pairs?: PairSets;
  /** per-item labels for concentration (−1 unknown) */
  labels?: Int32Array;
}

/** Semantic-neighbour pairs (cos ≥ threshold, on the current backend) split into train / held-out (and inductive, when `pairs.inductiveItems` > 0). */
export async function makePairs(f: FeatureMatrix, cfg: TrainConfig): Promise<PairSets> {
  const n = f.ids.length;
  const all = capNeighbours(await semanticNeighboursOnEngine(f.data, n, f.dim, cfg.pairs.threshold), n, cfg.pairs.maxPerItem, cfg.seed);
  if (cfg.pairs.inductiveItems > 0) return splitPairsInductive(all, heldOutItems(n, cfg.pairs.inductiveItems, cfg.seed), cfg.pairs.heldOut, cfg.seed);
  return splitPairs(all, cfg.pairs.heldOut, cfg.seed);
}

export async function trainTokenizer(kind: TokenizerKind, f: FeatureMatrix, cfgIn: DeepPartial<TrainConfig> | TrainConfig, opts: TrainOptions = {}): Promise<TokenizerResult> {
  const cfg = trainConfig(cfgIn as DeepPartial<TrainConfig>);
  const n = f.ids.length;
  if (n === 0 || f.data.length !== n * f.dim) throw new Error(`trainTokenizer: features have ${f.data.length} values for ${n} items × ${f.dim} dims`);
  const pairs = opts.pairs ?? (await makePairs(f, cfg));
  const t0 = performance.now();
  const clock = { metricsMs: 0 };
  const out = kind === 'rq-kmeans' ? await trainKMeans(f, cfg, opts) : await trainVae(kind, f, cfg, pairs, opts, t0, clock);
  const D = cfg.model.levels;
  const K = new Array(D).fill(cfg.model.codebookSize);
  const metrics = computeMetrics(out.codes, out.recon, f, cfg, pairs, opts.labels, clock);
  const tm = performance.now();
  const sids = buildSidTable(f.ids, out.codes, D, K);
  clock.metricsMs += performance.now() - tm;
  return {
    kind,
    checkpoint: { kind, config: cfg, inputDim: f.dim, weights: out.weights },
    codes: out.codes,
    sids,
    metrics,
    lossCurves: out.curves,
    metricCurve: out.metricCurve,
    latents: out.latents,
    latentDim: out.latentDim,
    reseeded: out.reseeded,
    steps: out.steps,
    stoppedEarly: out.stoppedEarly,
    ms: performance.now() - t0,
    metricsMs: clock.metricsMs,
    backend: getBackend().describe(),
  };
}

/** The metrics of one encoding of the catalogue (the same function at the end and at the `evalEvery` checkpoints). */
function computeMetrics(codes: Int32Array, recon: Float32Array, f: FeatureMatrix, cfg: TrainConfig, pairs: PairSets, labels: Int32Array | undefined, clock: { metricsMs: number }): TokenizerMetrics {
  const n = f.ids.length;
  const D = cfg.model.levels;
  const t0 = performance.now();
  const m = tokenizerMetrics({
    codes,
    n,
    D,
    K: new Array(D).fill(cfg.model.codebookSize),
    heldOut: pairs.test,
    heldOutInductive: pairs.inductive,
    labels,
    reconErr: rowSqErr(recon, f.data, n, f.dim),
    featVar: totalVariance(f.data, n, f.dim),
  });
  clock.metricsMs += performance.now() - t0;
  return m;
}

/** A few metrics at one training step (metrics vs steps). */
export interface MetricPoint {
  step: number;
  collisionRate: number;
  consistency: number;
  consistencyChance: number;
  consistencyKappa: number;
  consistencyInductive: number | null;
  concentration: number | null;
  entropyNorm: number[];
  reconRel: number;
}

function metricPoint(step: number, m: TokenizerMetrics): MetricPoint {
  return {
    step,
    collisionRate: m.collisionRate,
    consistency: m.consistency,
    consistencyChance: m.consistencyChance,
    consistencyKappa: m.consistencyKappa,
    consistencyInductive: m.consistencyInductive,
    concentration: m.concentration,
    entropyNorm: m.levels.map((l) => l.entropyNorm),
    reconRel: m.reconRel,
  };
}

interface Trained {
  metricCurve: MetricPoint[];
  codes: Int32Array;
  recon: Float32Array;
  latents: Float32Array;
  latentDim: number;
  weights: StateDict;
  curves: LossCurves;
  reseeded: number[];
  steps: number;
  stoppedEarly: boolean;
}

const emptyCurves = (): LossCurves => ({ step: [], total: [], recon: [], quant: [], cont: [], utilisation: [] });

// ------------------------------------------------------------------ RQ-KMeans

async function trainKMeans(f: FeatureMatrix, cfg: TrainConfig, opts: TrainOptions): Promise<Trained> {
  const n = f.ids.length;
  const kcfg: RqKMeansConfig = { ...cfg.kmeans, levels: cfg.model.levels, codebookSize: cfg.model.codebookSize };
  const curves = emptyCurves();
  const t0 = performance.now();
  let step = 0;
  const { model, codes, recon } = await fitRqKMeans(f.data, n, f.dim, kcfg, cfg.seed, {
    signal: opts.signal,
    onLevel: (_level, _iter, inertia) => {
      step++;
      curves.step.push(step);
      curves.total.push(inertia);
      curves.recon.push(inertia);
      curves.quant.push(inertia);
      curves.cont.push(null);
      curves.utilisation.push([]);
      opts.onProgress?.({
        kind: 'rq-kmeans',
        step,
        steps: kcfg.levels * kcfg.iters,
        losses: { total: inertia, recon: inertia, quant: inertia, cont: null },
        utilisation: [],
        usage: [],
        reseeded: [],
        elapsedMs: performance.now() - t0,
      });
    },
  });
  const weights: StateDict = {};
  model.codebooks.forEach((c, d) => (weights[`codebook_${d}`] = { shape: [kcfg.codebookSize, f.dim], data: c }));
  return { codes, recon, latents: f.data, latentDim: f.dim, weights, curves, metricCurve: [], reseeded: new Array(kcfg.levels).fill(0), steps: step, stoppedEarly: false };
}

// ------------------------------------------------------------------ VAEs

/** Batch rows: [anchors (P) | positives (P) | uniform items (B − 2P)]. */
export function sampleBatch(n: number, B: number, pairs: Int32Array, P: number, r: DataRng): { rows: Int32Array; P: number } {
  const nPairs = pairs.length / 2;
  const p = Math.min(P, nPairs, Math.floor(B / 2));
  const rows = new Int32Array(B);
  for (let i = 0; i < p; i++) {
    const k = r.int(nPairs);
    // random orientation: either item can be the anchor
    const flip = r.next() < 0.5 ? 1 : 0;
    rows[i] = pairs[2 * k + flip];
    rows[p + i] = pairs[2 * k + 1 - flip];
  }
  for (let i = 2 * p; i < B; i++) rows[i] = r.int(n);
  return { rows, P: p };
}

function gatherRows(x: Float32Array, F: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * F);
  rows.forEach((i, j) => out.set(x.subarray(i * F, i * F + F), j * F));
  return out;
}

/** Loss terms of one batch whose first 2P rows are P anchors then their P positives. */
export function lossFor(kind: Exclude<TokenizerKind, 'rq-kmeans'>, model: ResidualVAE, x: Tensor, P: number): LossTerms {
  const out = model.forward(x);
  return kind === 'rq-vae' ? rqVaeLoss(out, x, model.cfg) : crqVaeLoss(out, x, model.cfg, P > 0 ? pairIdx(P) : null);
}

/** Encode all rows (no grad, chunks of evalBatch): codes (n, D), reconstruction (n, F), latents (n, L). */
export async function encodeAll(model: ResidualVAE, x: Float32Array, n: number, evalBatch: number) {
  const { inputDim: F, latentDim: L, levels: D } = model.cfg;
  const codes = new Int32Array(n * D);
  const recon = new Float32Array(n * F);
  const latents = new Float32Array(n * L);
  for (let s = 0; s < n; s += evalBatch) {
    const e = Math.min(n, s + evalBatch);
    await tidyAsync(async () => {
      const out = noGrad(() => model.forward(tensor(x.subarray(s * F, e * F), [e - s, F])));
      const cs = await Promise.all(out.q.codes.map((c) => c.data()));
      cs.forEach((c, d) => c.forEach((k, i) => (codes[(s + i) * D + d] = k)));
      recon.set((await out.xHat.data()) as Float32Array, s * F);
      latents.set((await out.z.data()) as Float32Array, s * L);
    });
  }
  return { codes, recon, latents };
}

/** λ2 at `step` (counted from the end of the warm-up): linear ramp from 0 over `rampSteps`. */
export function lambda2At(lambda2: number, step: number, rampSteps: number): number {
  if (rampSteps <= 0) return lambda2;
  return lambda2 * Math.min(1, Math.max(0, step) / rampSteps);
}

async function trainVae(kind: TokenizerKind, f: FeatureMatrix, cfg: TrainConfig, pairs: PairSets, opts: TrainOptions, t0: number, clock: { metricsMs: number }): Promise<Trained> {
  const n = f.ids.length;
  const F = f.dim;
  const mcfg: CrqVaeConfig = { ...cfg.model, inputDim: F };
  const { levels: D, codebookSize: K, latentDim: L } = mcfg;
  const model = new ResidualVAE(mcfg, engineRng(cfg.seed * 1009 + 11));
  const ema = cfg.codebookUpdate === 'ema';
  const codebookSet = new Set(model.quantizer.codebooks);
  // with EMA updates the codebooks are not optimiser parameters
  const params = model.parameters().filter((p) => !(ema && codebookSet.has(p)));
  const opt = new AdamW(params, { lr: cfg.lr, weightDecay: cfg.weightDecay, clipNorm: cfg.clipNorm });
  const r = createRng(cfg.seed * 7919 + 3);
  const W = Math.max(0, Math.min(cfg.warmupSteps, cfg.steps));
  let curves = emptyCurves();
  const metricCurve: MetricPoint[] = [];
  const usage = Array.from({ length: D }, () => new Float64Array(K));
  const trainPairs = cfg.sampler === 'pairs' ? pairs.train : new Int32Array(0);
  /** The loss of `kind` at `step` on a batch whose first 2P rows are P [anchor | positive] pairs. */
  const lossTerms = (out: ReturnType<ResidualVAE['forward']>, x: Tensor, step: number, P: number): LossTerms => {
    const stepCfg = kind === 'crq-vae' ? { ...mcfg, lambda2: lambda2At(mcfg.lambda2, step - W, cfg.lambda2RampSteps) } : mcfg;
    return kind === 'rq-vae' ? rqVaeLoss(out, x, stepCfg) : crqVaeLoss(out, x, stepCfg, P > 0 ? pairIdx(P) : null);
  };
  // held-out batch: [anchors | positives] of the first pairsPerBatch held-out pairs (fixed for the whole run)
  const Pv = cfg.validEvery > 0 ? Math.min(cfg.pairsPerBatch, pairs.test.length / 2) : 0;
  const validRows = Int32Array.from({ length: 2 * Pv }, (_, i) => pairs.test[i < Pv ? 2 * i : 2 * (i - Pv) + 1]);
  const validAt = (step: number) => Pv > 0 && (step % cfg.validEvery === 0 || step === cfg.steps - 1);
  const validLosses = (warm: boolean, step: number): Promise<LossTerms4> =>
    tidyAsync(async () => {
      const x = tensor(gatherRows(f.data, F, validRows), [validRows.length, F]);
      if (warm) {
        const v = await noGrad(() => reconLoss(model.decoder.forward(model.encoder.forward(x)), x)).item();
        return { total: v, recon: v, quant: 0, cont: null };
      }
      const t = noGrad(() => {
        const out = model.forward(x);
        return lossTerms(out, x, step, Pv);
      });
      const [total, recon, quant, cont] = await Promise.all([t.total.item(), t.recon.item(), t.quant.item(), t.cont ? t.cont.item() : Promise.resolve(null)]);
      return { total, recon, quant, cont };
    });
  const pushValid = (step: number, v: LossTerms4) => {
    const c = (curves.valid ??= { step: [], total: [], recon: [], quant: [], cont: [] });
    c.step.push(step);
    c.total.push(v.total);
    c.recon.push(v.recon);
    c.quant.push(v.quant);
    c.cont.push(v.cont);
  };
  const evalAt = async (step: number) => {
    const enc = await encodeAll(model, f.data, n, cfg.evalBatch);
    const m = computeMetrics(enc.codes, enc.recon, f, cfg, pairs, opts.labels, clock);
    metricCurve.push(metricPoint(step, m));
  };
  try {
    // codebook init: residual k-means on the latents of `initBatch` random items under the encoder as it is at the
    // end of the warm-up (with warmupSteps = 0: the freshly initialised encoder)
    const initCodebooks = async (step: number) => {
      const initRows = Int32Array.from({ length: Math.min(n, Math.max(cfg.initBatch, K)) }, () => r.int(n));
      const zInit = await tidyAsync(async () => (await noGrad(() => model.encoder.forward(tensor(gatherRows(f.data, F, initRows), [initRows.length, F]))).data()) as Float32Array);
      await model.quantizer.initFromBatch(zInit, initRows.length, cfg.seed, step);
    };
    const resume = opts.checkpoint?.resume;
    let step = 0;
    if (resume) {
      if (resume.kind !== kind) throw new Error(`${kind}: cannot resume from a ${resume.kind} checkpoint`);
      model.loadStateDict(resume.weights);
      opt.importState(resume.optimizer);
      model.quantizer.importState(resume.quantizer);
      r.setState(resume.rng);
      resume.usage.forEach((u, d) => usage[d].set(u));
      curves = structuredClone(resume.curves);
      step = resume.step;
    } else if (W === 0) await initCodebooks(0);
    const ckEvery = opts.checkpoint?.every ?? 0;

    let stoppedEarly = false;
    for (; step < cfg.steps; step++) {
      if (opts.signal?.aborted) {
        stoppedEarly = true;
        break;
      }
      if (W > 0 && step === W) await initCodebooks(step);
      if (cfg.evalEvery > 0 && step > W && (step - W) % cfg.evalEvery === 0) await evalAt(step);
      const warm = step < W;
      const { rows, P } = sampleBatch(n, cfg.batchSize, trainPairs, cfg.pairsPerBatch, r);
      const report = step % cfg.logEvery === 0 || step === cfg.steps - 1;
      await tidyAsync(async () => {
        const x = tensor(gatherRows(f.data, F, rows), [rows.length, F]);
        if (warm) {
          // warm-up: autoencoder only (no quantisation, no codebook gradient)
          const recon = reconLoss(model.decoder.forward(model.encoder.forward(x)), x);
          opt.step(grad(recon, params));
          if (report) {
            const v = await recon.item();
            curves.step.push(step);
            curves.total.push(v);
            curves.recon.push(v);
            curves.quant.push(0);
            curves.cont.push(null);
            curves.utilisation.push(new Array(D).fill(0));
            const valid = validAt(step) ? await validLosses(true, step) : undefined;
            if (valid) pushValid(step, valid);
            opts.onProgress?.({ kind, step, steps: cfg.steps, losses: { total: v, recon: v, quant: 0, cont: null }, valid, utilisation: new Array(D).fill(0), usage: usage.map((u) => Array.from(u)), reseeded: [...model.quantizer.reseeded], elapsedMs: performance.now() - t0 });
            if (!Number.isFinite(v)) throw new Error(`${kind}: the warm-up loss became ${v} at step ${step} (lower the learning rate)`);
            await new Promise((res) => setTimeout(res, 0));
          }
          return;
        }
        const out = model.forward(x);
        const terms = lossTerms(out, x, step, P);
        const grads = grad(terms.total, params);
        opt.step(grads);
        const codes = (await Promise.all(out.q.codes.map((c) => c.data()))) as Int32Array[];
        codes.forEach((c, d) => c.forEach((k) => usage[d][k]++));
        let resCache: Float32Array | null = null;
        const residuals = async () => {
          if (resCache) return resCache;
          const res = await Promise.all(out.q.residuals.map((t) => t.data()));
          const all = new Float32Array(D * rows.length * L);
          res.forEach((a, d) => all.set(a as Float32Array, d * rows.length * L));
          return (resCache = all);
        };
        if (ema) await model.quantizer.emaUpdate(codes, await residuals(), cfg.emaDecay);
        await model.quantizer.trackAndReseed(step, codes, residuals, r);
        if (report) {
          const [total, recon, quant, cont] = await Promise.all([terms.total.item(), terms.recon.item(), terms.quant.item(), terms.cont ? terms.cont.item() : Promise.resolve(null)]);
          const util = usage.map((u) => u.reduce((a, c) => a + (c > 0 ? 1 : 0), 0) / K);
          curves.step.push(step);
          curves.total.push(total);
          curves.recon.push(recon);
          curves.quant.push(quant);
          curves.cont.push(cont);
          curves.utilisation.push(util);
          const valid = validAt(step) ? await validLosses(false, step) : undefined;
          if (valid) pushValid(step, valid);
          opts.onProgress?.({
            kind,
            step,
            steps: cfg.steps,
            losses: { total, recon, quant, cont },
            valid,
            utilisation: util,
            usage: usage.map((u) => Array.from(u)),
            reseeded: [...model.quantizer.reseeded],
            elapsedMs: performance.now() - t0,
          });
          usage.forEach((u) => u.fill(0));
          if (!Number.isFinite(total)) throw new Error(`${kind}: the loss became ${total} at step ${step} (lower the learning rate)`);
          // let the host process messages (a Stop from the page) even when every await above resolved synchronously (CPU)
          await new Promise((res) => setTimeout(res, 0));
        }
      });
      if (ckEvery > 0 && (step + 1) % ckEvery === 0 && step + 1 < cfg.steps)
        await opts.checkpoint!.save({
          kind,
          step: step + 1,
          weights: await model.stateDict(),
          optimizer: await opt.exportState(),
          rng: r.state(),
          quantizer: model.quantizer.exportState(),
          usage: usage.map((u) => u.slice()),
          curves: structuredClone(curves),
        });
    }
    // a run shorter than its warm-up still gets k-means codebooks on its latents
    if (W > 0 && step <= W) await initCodebooks(step);
    const enc = await encodeAll(model, f.data, n, cfg.evalBatch);
    if (cfg.evalEvery > 0) metricCurve.push(metricPoint(step, computeMetrics(enc.codes, enc.recon, f, cfg, pairs, opts.labels, clock)));
    const weights = await model.stateDict();
    return { ...enc, latentDim: L, weights, curves, metricCurve, reseeded: [...model.quantizer.reseeded], steps: step, stoppedEarly };
  } finally {
    opt.dispose();
    model.dispose();
  }
}

/** The batch layout of sampleBatch: anchors are rows 0..P-1, their positives rows P..2P-1. */
function pairIdx(P: number) {
  return batchPairs(
    Int32Array.from({ length: P }, (_, i) => i),
    Int32Array.from({ length: P }, (_, i) => P + i),
  );
}

// ------------------------------------------------------------------ checkpoints

/** Re-create a tokenizer from a checkpoint and encode new feature rows to codes (n, D). */
export async function encodeWithCheckpoint(ck: Checkpoint, x: Float32Array, n: number): Promise<Int32Array> {
  const { model: m, kmeans } = ck.config;
  if (ck.kind === 'rq-kmeans') {
    const model: RqKMeansModel = {
      cfg: { ...kmeans, levels: m.levels, codebookSize: m.codebookSize },
      dim: ck.inputDim,
      codebooks: Array.from({ length: m.levels }, (_, d) => ck.weights[`codebook_${d}`].data),
    };
    return encodeRqKMeans(model, x, n);
  }
  const model = new ResidualVAE({ ...m, inputDim: ck.inputDim }, engineRng(0));
  try {
    model.loadStateDict(ck.weights);
    return (await encodeAll(model, x, n, ck.config.evalBatch)).codes;
  } finally {
    model.dispose();
  }
}
