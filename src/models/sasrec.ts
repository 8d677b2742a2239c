// SASRec (Kang & McAuley, ICDM 2018), following pmixer/SASRec.pytorch (the reference implementation of issue 18):
//   e_t   = E[item_t] · sqrt(d) + P[pos_t]         (item 0 = padding; positions 1..L on real items, 0 on padding)
//   h     = dropout(e) ⊙ timeline                  (timeline = 1 on real items, 0 on padding)
//   block: Q = LN(h); h = Q + MHA(Q, h, h, causal); h = LN(h); h = (h + FFN(h)) ⊙ timeline
//          MHA = torch.nn.MultiheadAttention(d, heads, dropout): dropout on the attention probabilities in training
//          FFN = dropout(W2 · relu(dropout(W1 h + b1)) + b2)      (pmixer's point-wise Conv1d pair)
//   f     = LN(h)                                  (eps 1e-8 everywhere, as in pmixer)
//   loss  'bce': per real position, BCE(f·E[next], 1) + BCE(f·E[neg], 0), one uniformly sampled negative not in the
//                user's training set (the original objective);  'ce': full-catalogue softmax cross-entropy (a setting)
//   score of item j for a history = f_last · E[j]
// Adam (β = 0.9, 0.98), lr 1e-3, no weight decay, no clipping, xavier-normal init of matrices (pmixer's init).
// The attention mask is causal only, as pmixer's `attn_mask` (real queries also attend to the zeroed padding states);
// `maskPaddingKeys: true` masks them instead. Remaining differences: docs/evaluation.md.
// The embedding frame (E, P, timeline, last LN, scoring) is shared with HSTU: CausalSeqEncoder in seq-rec.ts.
import {
  add,
  crossEntropy,
  embedding,
  grad,
  matmul,
  mul,
  relu,
  reshape,
  scale,
  sum,
  tensor,
  tidy,
  type Rng,
  type Tensor,
  rng as makeRng,
} from '../engine';
import { attentionWithDropout } from './attention-dropout';
import { AdamW, LayerNorm, Linear, Module } from './nn';
import { bceWithLogits, CausalSeqEncoder, nextItemBatch, runEpochs, seqOf, trainableUsers, type EarlyStopSettings, type EncoderContext, type SeqTrainInputs, type TrainControl } from './seq-rec';

export interface SASRecConfig extends EarlyStopSettings {
  maxLen: number;
  dim: number;
  blocks: number;
  heads: number;
  dropout: number;
  lr: number;
  batchSize: number;
  epochs: number;
  loss: 'bce' | 'ce';
  /** Mask padding keys in attention (pmixer does not: its mask is causal only). */
  maskPaddingKeys: boolean;
  seed: number;
}

/**
 * pmixer/SASRec.pytorch defaults (ml-1m settings: maxlen 200, dropout 0.2, hidden 50, 2 blocks, 1 head, lr 1e-3,
 * batch 128, l2_emb 0); at most 200 epochs as the reference run. Early stopping is off here (evalEvery 0); Table 1
 * turns it on through its validation slates.
 */
export const SASREC_DEFAULTS: SASRecConfig = { maxLen: 200, dim: 50, blocks: 2, heads: 1, dropout: 0.2, lr: 1e-3, batchSize: 128, epochs: 200, loss: 'bce', maskPaddingKeys: false, evalEvery: 0, patience: 0, seed: 0 };

const EPS = 1e-8;

/** xavier_normal_ std for a (fanIn, fanOut) matrix. */
const xavier = (a: number, b: number) => Math.sqrt(2 / (a + b));

class Block extends Module {
  readonly ln1: LayerNorm;
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly ln2: LayerNorm;
  readonly w1: Linear;
  readonly w2: Linear;
  constructor(readonly dim: number, readonly heads: number, r: Rng) {
    super();
    this.ln1 = this.addModule('attn_ln', new LayerNorm(dim, r, EPS));
    const sd = xavier(dim, 3 * dim); // torch MHA's in_proj_weight (3d, d)
    this.q = this.addModule('q', new Linear(dim, dim, r, { std: sd }));
    this.k = this.addModule('k', new Linear(dim, dim, r, { std: sd }));
    this.v = this.addModule('v', new Linear(dim, dim, r, { std: sd }));
    this.o = this.addModule('o', new Linear(dim, dim, r, { std: xavier(dim, dim) }));
    this.ln2 = this.addModule('ffn_ln', new LayerNorm(dim, r, EPS));
    this.w1 = this.addModule('ffn1', new Linear(dim, dim, r, { std: xavier(dim, dim) }));
    this.w2 = this.addModule('ffn2', new Linear(dim, dim, r, { std: xavier(dim, dim) }));
  }
  forward(h: Tensor, ctx: EncoderContext, keyMask: Tensor | undefined): Tensor {
    const { drop } = ctx;
    const Q = this.ln1.forward(h);
    const a = attentionWithDropout(this.q.forward(Q), this.k.forward(h), this.v.forward(h), { heads: this.heads, causal: true, keyMask }, drop.attn());
    h = add(Q, this.o.forward(a));
    h = this.ln2.forward(h);
    const f = drop.apply(this.w2.forward(relu(drop.apply(this.w1.forward(h)))));
    return mul(add(h, f), ctx.timeline);
  }
}

export class SASRec extends CausalSeqEncoder {
  readonly name = 'SASRec';
  readonly layers: Block[];
  private readonly maskKeys: boolean;
  constructor(nItems: number, readonly cfg: SASRecConfig) {
    const r = makeRng(cfg.seed * 7919 + 17);
    super(nItems, cfg, r, { item: xavier(nItems + 1, cfg.dim), pos: xavier(cfg.maxLen + 1, cfg.dim) });
    // from the CLI the flag may arrive as 1/0 or "true"/"false"
    const mk: unknown = cfg.maskPaddingKeys;
    if (![true, false, 1, 0, 'true', 'false'].includes(mk as never)) throw new Error(`SASRec: maskPaddingKeys must be true or false (got ${String(mk)})`);
    this.maskKeys = mk === true || mk === 1 || mk === 'true';
    this.layers = Array.from({ length: cfg.blocks }, (_, i) => this.addModule(`block${i}`, new Block(cfg.dim, cfg.heads, r)));
    this.finalNorm(EPS, r);
  }
  protected blocks(h: Tensor, ctx: EncoderContext): Tensor {
    const keyMask = this.maskKeys ? tensor(Int32Array.from(ctx.ids, (t) => (t !== 0 ? 1 : 0)), [ctx.B, ctx.L], 'i32') : undefined;
    for (const b of this.layers) h = b.forward(h, ctx, keyMask);
    return h;
  }
}

export async function trainSASRec(inputs: SeqTrainInputs, cfgIn: Partial<SASRecConfig> = {}, ctl: TrainControl = {}): Promise<SASRec> {
  const cfg = { ...SASREC_DEFAULTS, ...cfgIn };
  const model = new SASRec(inputs.nItems, cfg);
  const opt = new AdamW(model.parameters(), { lr: cfg.lr, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0, clipNorm: 0 });
  const r = makeRng(cfg.seed * 104729 + 3);
  const users = trainableUsers(inputs, 2, 'SASRec');
  const L = cfg.maxLen, d = cfg.dim;
  await runEpochs('SASRec', model, users, cfg, r, ctl, (bu, step) => {
    const B = bu.length;
    const { inp, tgt: posT, rows } = nextItemBatch(inputs, bu, L);
    const negT = new Int32Array(B * L), valid = new Float32Array(B * L);
    const nValid = rows.length;
    // one uniformly sampled negative per real position, outside the user's training sequence (pmixer's random_neq)
    let b = -1, seen = new Set<number>();
    for (const o of rows) {
      if (Math.floor(o / L) !== b) { b = Math.floor(o / L); seen = new Set(seqOf(inputs, bu[b])); }
      let neg: number;
      do neg = Math.floor(r() * inputs.nItems); while (seen.has(neg) && seen.size < inputs.nItems);
      negT[o] = neg + 1;
      valid[o] = 1;
    }
    return tidy(() => {
      const f = model.features(inp, B, true, step); // (B, L, d)
      let loss: Tensor;
      if (cfg.loss === 'bce') {
        const pe = embedding(model.itemEmb, tensor(posT, [B, L], 'i32'));
        const ne = embedding(model.itemEmb, tensor(negT, [B, L], 'i32'));
        const pl = sum(mul(f, pe), -1); // (B, L)
        const nl = sum(mul(f, ne), -1);
        const m = tensor(valid, [B, L]);
        loss = scale(sum(mul(add(bceWithLogits(pl, 1), bceWithLogits(nl, 0)), m)), 1 / nValid);
      } else {
        const tg = Int32Array.from(posT, (t, i) => (valid[i] ? t : -100));
        const logits = matmul(reshape(f, [B * L, d]), model.itemEmb, { transB: true }); // (B·L, nItems + 1)
        loss = crossEntropy(logits, tensor(tg, [B * L], 'i32'));
      }
      const params = model.parameters();
      const gs = grad(loss, params);
      opt.step(gs);
      return loss;
    });
  });
  opt.dispose();
  return model;
}
