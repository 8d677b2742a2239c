// BERT4Rec (Sun et al., CIKM 2019): a bidirectional Transformer trained with the masked-item (Cloze) objective.
//   tokens   item id + 1 (0 = padding, nItems + 1 = [mask]); e = E[tok] + P[pos]; h = dropout(LN(e))
//   block    h = LN(h + dropout(MHA(h)))  (bidirectional, padding keys masked);  h = LN(h + dropout(FFN_gelu(h)))  (post-LN)
//   output   logits = GELU-projected h · Eᵀ + b   (tied item embeddings with an output bias, as in the original)
//   training each position of the last maxLen training items is replaced by [mask] with probability maskProb (at least
//            one per sequence; the last item is masked in `lastMaskShare` of the sequences, the original's extra samples
//            that match inference); full-catalogue softmax cross-entropy at the masked positions
//   scoring  the history's last maxLen − 1 items followed by [mask]; scores = logits at the [mask]
import {
  add,
  attention,
  crossEntropy,
  dropout,
  dropoutSeed,
  embedding,
  gelu,
  grad,
  matmul,
  reshape,
  slice,
  tensor,
  tidy,
  type Rng,
  type Tensor,
  rng as makeRng,
} from '../engine';
import { AdamW, LayerNorm, Linear, Module } from './nn';
import { readScores, runEpochs, type EarlyStopSettings, leftPadIds, seqOf, trainableUsers, type SeqRecModel, type SeqTrainInputs, type TrainControl } from './seq-rec';

export interface BERT4RecConfig extends EarlyStopSettings {
  maxLen: number;
  dim: number;
  blocks: number;
  heads: number;
  dropout: number;
  maskProb: number;
  lastMaskShare: number;
  lr: number;
  weightDecay: number;
  batchSize: number;
  epochs: number;
  /** Copies of each sequence per batch, each masked independently (the original's dupe_factor: 10). */
  dupeFactor: number;
  /** Linear warm-up steps of the learning rate (then linear decay to 0, as the original). */
  warmupSteps: number;
  /** Training windows of sequences longer than maxLen: 'sliding' (random window, the original's sliding windows) or 'last'. */
  windows: 'sliding' | 'last';
  /** Normal init std of every matrix (the original: 0.02; small models learn faster from ~1/sqrt(dim)). */
  initStd: number;
  seed: number;
}

/**
 * Original settings where they fit (2 blocks, 2 heads, dropout 0.1), d = 64; mask prob 0.4 (the original's value for its
 * sparser data sets; chosen over 0.2 on the Table 1 validation slates); warm-up 20 steps (the original's 100 were a
 * third of a 300-step run here; it warms up 100 of 400,000); 30 epochs (Table 1's budget, early-stopped on validation).
 */
export const BERT4REC_DEFAULTS: BERT4RecConfig = { maxLen: 50, dim: 64, blocks: 2, heads: 2, dropout: 0.1, maskProb: 0.4, lastMaskShare: 0.1, windows: 'sliding', dupeFactor: 1, warmupSteps: 20, lr: 1e-3, weightDecay: 0.01, batchSize: 128, epochs: 30, initStd: 0.02, evalEvery: 0, patience: 0, seed: 0 };

class Block extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly ln1: LayerNorm;
  readonly f1: Linear;
  readonly f2: Linear;
  readonly ln2: LayerNorm;
  constructor(d: number, readonly heads: number, r: Rng, std: number) {
    super();
    this.q = this.addModule('q', new Linear(d, d, r, { std }));
    this.k = this.addModule('k', new Linear(d, d, r, { std }));
    this.v = this.addModule('v', new Linear(d, d, r, { std }));
    this.o = this.addModule('o', new Linear(d, d, r, { std }));
    this.ln1 = this.addModule('attn_ln', new LayerNorm(d, r, 1e-12));
    this.f1 = this.addModule('ffn1', new Linear(d, 4 * d, r, { std }));
    this.f2 = this.addModule('ffn2', new Linear(4 * d, d, r, { std }));
    this.ln2 = this.addModule('ffn_ln', new LayerNorm(d, r, 1e-12));
  }
  forward(h: Tensor, keyMask: Tensor, drop: (x: Tensor) => Tensor): Tensor {
    const a = attention(this.q.forward(h), this.k.forward(h), this.v.forward(h), { heads: this.heads, causal: false, keyMask });
    h = this.ln1.forward(add(h, drop(this.o.forward(a))));
    return this.ln2.forward(add(h, drop(this.f2.forward(gelu(this.f1.forward(h))))));
  }
}

export class BERT4Rec extends Module implements SeqRecModel {
  readonly name = 'BERT4Rec';
  readonly tok: Tensor;
  readonly pos: Tensor;
  readonly embLn: LayerNorm;
  readonly blocks: Block[];
  readonly head: Linear;
  readonly headLn: LayerNorm;
  readonly outBias: Tensor;
  constructor(readonly nItems: number, readonly cfg: BERT4RecConfig) {
    super();
    const r = makeRng(cfg.seed * 7919 + 29);
    const d = cfg.dim;
    this.tok = this.addParam('tok_emb', [nItems + 2, d], { kind: 'normal', std: cfg.initStd }, r);
    this.pos = this.addParam('pos_emb', [cfg.maxLen, d], { kind: 'normal', std: cfg.initStd }, r);
    this.embLn = this.addModule('emb_ln', new LayerNorm(d, r, 1e-12));
    this.blocks = Array.from({ length: cfg.blocks }, (_, i) => this.addModule(`block${i}`, new Block(d, cfg.heads, r, cfg.initStd)));
    this.head = this.addModule('out_proj', new Linear(d, d, r, { std: cfg.initStd }));
    this.headLn = this.addModule('out_ln', new LayerNorm(d, r, 1e-12));
    this.outBias = this.addParam('out_bias', [nItems + 2], { kind: 'zeros' }, r);
  }
  get maskToken(): number {
    return this.nItems + 1;
  }
  /** Output features (B, L, d) for token ids (B, L). */
  features(ids: Int32Array, B: number, train: boolean, step = 0): Tensor {
    const L = this.cfg.maxLen;
    const mask = Int32Array.from(ids, (t) => (t !== 0 ? 1 : 0));
    const posIdx = Int32Array.from({ length: B * L }, (_, i) => i % L);
    let k = 0;
    const p = train ? this.cfg.dropout : 0;
    const drop = (x: Tensor) => (p > 0 ? dropout(x, p, dropoutSeed(this.cfg.seed, step, k++)) : x);
    let h = drop(this.embLn.forward(add(embedding(this.tok, tensor(ids, [B, L], 'i32')), embedding(this.pos, tensor(posIdx, [B, L], 'i32')))));
    const keyMask = tensor(mask, [B, L], 'i32');
    for (const b of this.blocks) h = b.forward(h, keyMask, drop);
    return this.headLn.forward(gelu(this.head.forward(h)));
  }
  /** Logits over the vocabulary for rows (N, d). */
  logits(rows: Tensor): Tensor {
    return add(matmul(rows, this.tok, { transB: true }), this.outBias);
  }
  async score(histories: Int32Array[]): Promise<Float32Array> {
    const B = histories.length, L = this.cfg.maxLen, d = this.cfg.dim;
    const ids = leftPadIds(histories, L, 1);
    for (let b = 0; b < B; b++) ids[b * L + L - 1] = this.maskToken;
    return readScores(() => slice(this.logits(reshape(slice(this.features(ids, B, false), 1, L - 1, L), [B, d])), 1, 1, this.nItems + 1));
  }
}

export async function trainBERT4Rec(inputs: SeqTrainInputs, cfgIn: Partial<BERT4RecConfig> = {}, ctl: TrainControl = {}): Promise<BERT4Rec> {
  const cfg = { ...BERT4REC_DEFAULTS, ...cfgIn };
  const model = new BERT4Rec(inputs.nItems, cfg);
  const opt = new AdamW(model.parameters(), { lr: cfg.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: cfg.weightDecay, clipNorm: 5 });
  const r = makeRng(cfg.seed * 104729 + 5);
  const users = trainableUsers(inputs, 1, 'BERT4Rec');
  const L = cfg.maxLen, d = cfg.dim;
  const dupe = cfg.dupeFactor;
  if (!(Number.isInteger(dupe) && dupe >= 1)) throw new Error(`BERT4Rec: dupeFactor must be an integer >= 1 (got ${dupe})`);
  if (!(Number.isInteger(cfg.warmupSteps) && cfg.warmupSteps >= 0)) throw new Error(`BERT4Rec: warmupSteps must be an integer >= 0 (got ${cfg.warmupSteps})`);
  const totalSteps = Math.max(1, Math.ceil(users.length / cfg.batchSize)) * cfg.epochs;
  // the original's schedule: linear warm-up to lr over warmupSteps, then linear decay to 0 at the last step
  const lrAt = (step: number) => cfg.lr * (step < cfg.warmupSteps ? (step + 1) / cfg.warmupSteps : Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - cfg.warmupSteps)));
  await runEpochs('BERT4Rec', model, users, cfg, r, ctl, (bu0, step) => {
    // dupeFactor: each sequence appears this many times per batch, each copy with its own mask (the original's dupe_factor)
    const bu = bu0.flatMap((u) => Array.from({ length: dupe }, () => u));
    const B = bu.length;
    const ids = new Int32Array(B * L);
    const rows: number[] = [], targets: number[] = [];
    bu.forEach((u, b) => {
      const s = seqOf(inputs, u);
      // the original's sliding windows over sequences longer than maxLen: a uniformly drawn window per user and step
      // (windowing 'last' = always the most recent maxLen items)
      const end = cfg.windows === 'sliding' && s.length > L ? L + Math.floor(r() * (s.length - L + 1)) : s.length;
      const w = s.subarray(Math.max(0, end - L), end);
      const o = b * L + L - w.length;
      const lastOnly = r() < cfg.lastMaskShare;
      let masked = 0;
      for (let j = 0; j < w.length; j++) {
        const m = lastOnly ? j === w.length - 1 : r() < cfg.maskProb;
        ids[o + j] = m ? model.maskToken : w[j] + 1;
        if (m) { rows.push(o + j); targets.push(w[j] + 1); masked++; }
      }
      if (!masked) { const j = w.length - 1; ids[o + j] = model.maskToken; rows.push(o + j); targets.push(w[j] + 1); }
    });
    return tidy(() => {
      const f = reshape(model.features(ids, B, true, step), [B * L, d]);
      const picked = embedding(f, tensor(rows, [rows.length], 'i32')); // (Nm, d): rows of the masked positions
      const loss = crossEntropy(model.logits(picked), tensor(targets, [targets.length], 'i32'));
      opt.step(grad(loss, model.parameters()), lrAt(step));
      return loss;
    });
  }, opt);
  opt.dispose();
  return model;
}
