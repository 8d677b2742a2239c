// Training loop for the generative baselines (OneRec-style flat decoder, TIGER, ListCVAE): any model with a
// teacher-forced `loss(history batch, target SID codes (B, M, L))`. Same recipe as the HiGR trainer
// (src/train/slate-decoder.ts): AdamW, linear warm-up + cosine (lrAt), global-norm clipping, random (history, next M)
// training windows, validation recall@5 after each epoch with the model's own decoder, best epoch's weights restored.
import { grad, tidyAsync, type Tensor } from '../engine';
import { rng as makeRng } from '../engine/random';
import { historyBatch, type SidEmbedding } from '../models/context-encoder';
import { AdamW, type Module, type StateDict } from '../models/nn';
import { lrAt, scoreSlates, subsample, type Progress, type SlateTrainInputs } from './slate-decoder';

export interface SlateModel extends Module {
  readonly sid: SidEmbedding;
  loss(h: ReturnType<typeof historyBatch>, targetCodes: Int32Array, extra?: { step: number; items?: Int32Array }): { loss: Tensor };
}

export interface GenTrainConfig {
  seed: number;
  epochs: number;
  stepsPerEpoch: number;
  batchSize: number;
  lr: number;
  warmup: number;
  minLrRatio: number;
  weightDecay: number;
  clipNorm: number;
  /** target items per training window the loss sees (OneRec/ListCVAE: M; TIGER: 1 = the next item) */
  targetLen: number;
  maxHistory: number;
  /** validation users decoded per epoch (0 = all) */
  validUsers: number;
  /** users per decode batch */
  decodeBatch: number;
  /** restore the epoch with the best validation recall@5 (false: keep the last epoch) */
  keepBest: boolean;
}

export const GEN_TRAIN_DEFAULTS: GenTrainConfig = {
  seed: 0,
  epochs: 4,
  stepsPerEpoch: 100,
  batchSize: 32,
  lr: 2e-3,
  warmup: 20,
  minLrRatio: 0.1,
  weightDecay: 0.01,
  clipNorm: 1,
  targetLen: 5,
  maxHistory: 50,
  validUsers: 100,
  decodeBatch: 64,
  keepBest: true,
};

export interface GenTrainResult {
  /** per epoch: mean train loss, validation recall@5 */
  epochs: { epoch: number; trainLoss: number; validRecall5: number; seconds: number }[];
  bestEpoch: number;
  params: number;
}

/** Decoder used for validation: histories (excluded) -> slates of 5. */
export type SlateDecodeFn = (histories: Int32Array[]) => Promise<Int32Array[]>;

export async function trainSlateModel(
  model: SlateModel,
  inputs: SlateTrainInputs,
  cfgIn: Partial<GenTrainConfig>,
  decode: SlateDecodeFn,
  opts: { onProgress?: (p: Progress) => void; signal?: AbortSignal } = {},
): Promise<GenTrainResult> {
  const cfg = { ...GEN_TRAIN_DEFAULTS, ...cfgIn };
  for (const k of ['epochs', 'stepsPerEpoch', 'batchSize', 'targetLen', 'maxHistory', 'decodeBatch'] as const) {
    if (!Number.isInteger(cfg[k]) || cfg[k] < 1) throw new Error(`generative baseline training: ${k} must be an integer >= 1 (got ${cfg[k]})`);
  }
  if (!(cfg.lr > 0)) throw new Error(`generative baseline training: lr must be > 0 (got ${cfg.lr})`);
  const L = inputs.widths.length;
  const M = cfg.targetLen;
  const nTrain = inputs.train.user.length;
  if (!nTrain) throw new Error('generative baseline training: no training slates');
  const seqs = inputs.sequences;
  const opt = new AdamW(model.parameters(), { lr: cfg.lr, weightDecay: cfg.weightDecay, clipNorm: cfg.clipNorm });
  const r = makeRng(cfg.seed + 1);
  const total = cfg.epochs * cfg.stepsPerEpoch;
  const valid = subsample(inputs.valid, cfg.validUsers, cfg.seed + 2);
  const out: GenTrainResult = { epochs: [], bestEpoch: -1, params: model.numParameters() };
  let best: { recall: number; weights: StateDict | null } = { recall: -Infinity, weights: null };
  let step = 0;
  try {
    for (let e = 0; e < cfg.epochs; e++) {
      const t0 = performance.now();
      let lossSum = 0;
      for (let s = 0; s < cfg.stepsPerEpoch; s++) {
        if (opts.signal?.aborted) throw new Error('generative baseline training: cancelled');
        const hs: Int32Array[] = [];
        const tc = new Int32Array(cfg.batchSize * M * L);
        const ti = new Int32Array(cfg.batchSize * M);
        for (let b = 0; b < cfg.batchSize; b++) {
          const k = Math.floor(r() * nTrain);
          const u = inputs.train.user[k], cut = inputs.train.cut[k];
          hs.push(seqs.items.subarray(seqs.offsets[u], seqs.offsets[u] + cut));
          for (let j = 0; j < M; j++) {
            const it = seqs.items[seqs.offsets[u] + cut + j];
            ti[b * M + j] = it;
            tc.set(inputs.sidCodes.subarray(it * L, (it + 1) * L), (b * M + j) * L);
          }
        }
        const lr = lrAt(cfg, step, total);
        const lv = await tidyAsync(async () => {
          const { loss } = model.loss(historyBatch(hs, inputs.sidCodes, model.sid, cfg.maxHistory), tc, { step, items: ti });
          opt.step(grad(loss, model.parameters()), lr);
          return await loss.item();
        });
        step++;
        if (!Number.isFinite(lv)) throw new Error(`generative baseline training: loss is ${lv} at step ${step} (lr ${lr.toExponential(2)}); lower the learning rate`);
        lossSum += lv;
        opts.onProgress?.({ step, total, epoch: e, scalars: { loss: lv, lr } });
      }
      const hs = Array.from(valid.user, (u, i) => seqs.items.subarray(seqs.offsets[u], seqs.offsets[u] + valid.cut[i]));
      const dec: Int32Array[] = [];
      for (let i = 0; i < hs.length; i += cfg.decodeBatch) dec.push(...(await decode(hs.slice(i, i + cfg.decodeBatch))));
      const m = scoreSlates(dec, seqs, valid, 5, 5);
      out.epochs.push({ epoch: e + 1, trainLoss: lossSum / cfg.stepsPerEpoch, validRecall5: m.recall, seconds: (performance.now() - t0) / 1000 });
      opts.onProgress?.({ step, total, epoch: e + 1, scalars: { validRecall5: m.recall } });
      if (m.recall > best.recall) {
        best = { recall: m.recall, weights: cfg.keepBest ? await model.stateDict() : null };
        out.bestEpoch = e + 1;
      }
    }
  } finally {
    opt.dispose();
  }
  if (cfg.keepBest && best.weights) model.loadStateDict(best.weights);
  return out;
}
