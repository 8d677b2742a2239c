// HSTU (Zhai et al., ICML 2024, "Actions Speak Louder than Words"), a faithful small version:
//   input   x = dropout(E[item] · sqrt(d) + P[pos]) ⊙ timeline  (item 0 = padding; learned absolute positions 1..L on
//                                                               real items, as the reference code's input preprocessor;
//                                                               the frame is CausalSeqEncoder in seq-rec.ts, shared with SASRec)
//   layer   U, V, Q, K = split(SiLU(LN(x) W₁ + b₁))              (pointwise projection, Eq. 1)
//           A = SiLU(Q Kᵀ + rab^p) / n ⊙ causal ⊙ valid         (pointwise aggregated attention — no softmax — Eq. 2;
//                                                               rab^p a learned bias per bucket of the relative
//                                                               distance i − j: rel-pos-bias.ts, `relPosBucketing`)
//           x = (x + dropout(W₂ (LN(A V) ⊙ U) + b₂)) ⊙ timeline  (Eq. 3)
//   output  f = LN(x); score(j) = f_last · E[j]
//   loss    sampled softmax: the next item against `negatives` uniformly sampled items shared by the batch
// Single head per layer (`heads` splits d like multi-head attention). Differences from the paper: the relative TIME bias
// rab^t needs timestamps, which the bundled positives-only sequences do not have, so it is not implemented (the config
// says so: `timeBias`); n = maxLen. The attention is pointwise (SiLU, no softmax), so it does not go through the fused
// softmax attention op; the bias module is the same one softmax attention takes as its additive `bias`.
import {
  add,
  concat,
  crossEntropy,
  embedding,
  grad,
  matmul,
  mul,
  reshape,
  silu,
  slice,
  sum,
  tensor,
  tidy,
  transpose,
  type Rng,
  type Tensor,
  rng as makeRng,
} from '../engine';
import { AdamW, LayerNorm, Linear, Module } from './nn';
import { RelativePositionBias, type RelPosBucketing } from './rel-pos-bias';
import { CausalSeqEncoder, nextItemBatch, runEpochs, trainableUsers, type EarlyStopSettings, type EncoderContext, type SeqTrainInputs, type TrainControl } from './seq-rec';

export interface HSTUConfig extends EarlyStopSettings {
  maxLen: number;
  dim: number;
  blocks: number;
  heads: number;
  dropout: number;
  negatives: number;
  lr: number;
  batchSize: number;
  epochs: number;
  seed: number;
  /** relative-position bias buckets: 'exact' (one per distance, the reference) or 'log' (HSTU's time bucketization) */
  relPosBucketing: RelPosBucketing;
  /** the relative time bias rab^t: not available on timestamp-less sequences (stated in the results' settings) */
  timeBias: 'n/a (sequences have no timestamps)';
}

export const HSTU_DEFAULTS: HSTUConfig = {
  maxLen: 50, dim: 50, blocks: 2, heads: 1, dropout: 0.2, negatives: 128, lr: 1e-3, batchSize: 128, epochs: 100, evalEvery: 0, patience: 0, seed: 0,
  relPosBucketing: 'exact', timeBias: 'n/a (sequences have no timestamps)',
};

class HSTULayer extends Module {
  readonly ln: LayerNorm;
  readonly f1: Linear;
  readonly attnLn: LayerNorm;
  readonly f2: Linear;
  readonly rab: RelativePositionBias;
  constructor(readonly d: number, readonly heads: number, readonly L: number, bucketing: RelPosBucketing, r: Rng) {
    super();
    this.ln = this.addModule('ln', new LayerNorm(d, r, 1e-6));
    this.f1 = this.addModule('uvqk', new Linear(d, 4 * d, r, { std: Math.sqrt(2 / (5 * d)) }));
    this.attnLn = this.addModule('attn_ln', new LayerNorm(d, r, 1e-6));
    this.f2 = this.addModule('out', new Linear(d, d, r, { std: Math.sqrt(1 / d) }));
    this.rab = this.addModule('rel_pos_bias', new RelativePositionBias(L, bucketing, 1, r));
  }
  /** x (B, L, d); mask (B, 1, L, L) f32 = causal ⊙ valid key ⊙ 1/n. */
  forward(x: Tensor, mask: Tensor, drop: (x: Tensor) => Tensor): Tensor {
    const B = x.shape[0], L = this.L, d = this.d, H = this.heads, dh = d / H;
    const uvqk = silu(this.f1.forward(this.ln.forward(x))); // (B, L, 4d)
    const part = (i: number) => transpose(reshape(slice(uvqk, 2, i * d, (i + 1) * d), [B, L, H, dh]), [0, 2, 1, 3]); // (B, H, L, dh)
    const U = slice(uvqk, 2, 0, d), V = part(1), Q = part(2), K = part(3);
    const bias = this.rab.forward(L); // (L, L)
    const A = mul(silu(add(matmul(Q, K, { transB: true }), bias)), mask); // (B, H, L, L)
    const av = reshape(transpose(matmul(A, V), [0, 2, 1, 3]), [B, L, d]);
    return add(x, drop(this.f2.forward(mul(this.attnLn.forward(av), U))));
  }
}

export class HSTU extends CausalSeqEncoder {
  readonly name = 'HSTU';
  readonly layers: HSTULayer[];
  constructor(nItems: number, readonly cfg: HSTUConfig) {
    if (cfg.dim % cfg.heads) throw new Error(`HSTU: dim ${cfg.dim} is not divisible by heads ${cfg.heads}`);
    const r = makeRng(cfg.seed * 7919 + 41);
    super(nItems, cfg, r, { item: Math.sqrt(2 / (nItems + 1 + cfg.dim)), pos: Math.sqrt(1 / cfg.dim) });
    this.layers = Array.from({ length: cfg.blocks }, (_, i) => this.addModule(`layer${i}`, new HSTULayer(cfg.dim, cfg.heads, cfg.maxLen, cfg.relPosBucketing, r)));
    this.finalNorm(1e-6, r);
  }
  protected blocks(x: Tensor, { B, L, ids, timeline, drop }: EncoderContext): Tensor {
    const m = new Float32Array(B * L * L);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < L; i++)
        for (let j = 0; j <= i; j++) m[(b * L + i) * L + j] = ids[b * L + j] !== 0 ? 1 / L : 0;
    const maskT = tensor(m, [B, 1, L, L]);
    for (const layer of this.layers) x = mul(layer.forward(x, maskT, drop.apply), timeline);
    return x;
  }
}

export async function trainHSTU(inputs: SeqTrainInputs, cfgIn: Partial<HSTUConfig> = {}, ctl: TrainControl = {}): Promise<HSTU> {
  const cfg = { ...HSTU_DEFAULTS, ...cfgIn };
  const model = new HSTU(inputs.nItems, cfg);
  const opt = new AdamW(model.parameters(), { lr: cfg.lr, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0, clipNorm: 0 });
  const r = makeRng(cfg.seed * 104729 + 7);
  const users = trainableUsers(inputs, 2, 'HSTU');
  const L = cfg.maxLen, d = cfg.dim, K = Math.min(cfg.negatives, inputs.nItems);
  await runEpochs('HSTU', model, users, cfg, r, ctl, (bu, step) => {
    const B = bu.length;
    const { inp, tgt: posT, rows } = nextItemBatch(inputs, bu, L);
    const negs = Int32Array.from({ length: K }, () => 1 + Math.floor(r() * inputs.nItems));
    return tidy(() => {
      const f = embedding(reshape(model.features(inp, B, true, step), [B * L, d]), tensor(rows, [rows.length], 'i32')); // (N, d)
      const pe = embedding(model.itemEmb, tensor(rows.map((o) => posT[o]), [rows.length], 'i32'));
      const pos = reshape(sum(mul(f, pe), -1), [rows.length, 1]);
      const neg = matmul(f, embedding(model.itemEmb, tensor(negs, [K], 'i32')), { transB: true }); // (N, K)
      // a sampled negative equal to the positive is pushed down by ~1e4 (accidental hits, as sampled-softmax code does)
      const hit = new Float32Array(rows.length * K);
      rows.forEach((o, i) => { for (let k = 0; k < K; k++) if (negs[k] === posT[o]) hit[i * K + k] = -1e4; });
      const logits = concat([pos, add(neg, tensor(hit, [rows.length, K]))], 1);
      const loss = crossEntropy(logits, tensor(new Int32Array(rows.length), [rows.length], 'i32'));
      opt.step(grad(loss, model.parameters()));
      return loss;
    });
  }, opt);
  opt.dispose();
  return model;
}

