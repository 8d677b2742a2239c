// SASRec (Kang & McAuley, ICDM 2018), following pmixer/SASRec.pytorch (the reference implementation of issue 18):
//   e_t   = E[item_t] · sqrt(d) + P[pos_t]         (item 0 = padding; positions 1..L on real items, 0 on padding)
//   h     = dropout(e) ⊙ timeline                  (timeline = 1 on real items, 0 on padding)
//   block ('original', the TensorFlow code's and pmixer's before `norm_first`):
//          Q = LN(h); h = Q + MHA(Q, h, h, causal); h = LN(h); h = h + FFN(h)
//   block ('post-ln', pmixer's newest python/model.py with its default norm_first = False):
//          h = LN(h + MHA(h, h, h, causal)); h = LN(h + FFN(h))
//   block ('pre-ln', pmixer's norm_first = True):
//          x = LN(h); h = h + MHA(x, x, x, causal); h = h + FFN(LN(h))
//   each block's output ⊙ timeline when `timelineMask` (the original code's; pmixer's newest model.py has no such mask)
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

export const SASREC_BLOCKS = ['original', 'post-ln', 'pre-ln'] as const;
export type SASRecBlock = (typeof SASREC_BLOCKS)[number];

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
  /**
   * Block arrangement (see the header): 'original' (default; Q = LN(h) residual), 'post-ln' or 'pre-ln' (pmixer's
   * norm_first). Optional, like `timelineMask`, so the settings (and the run-cache keys) of existing runs are unchanged.
   */
  block?: SASRecBlock;
  /** Zero each block's output on padding positions (the original code's timeline mask; default true). */
  timelineMask?: boolean;
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

/** A boolean setting that may arrive from the CLI as 1/0 or "true"/"false". */
function flag(name: string, v: unknown): boolean {
  if (![true, false, 1, 0, 'true', 'false'].includes(v as never)) throw new Error(`SASRec: ${name} must be true or false (got ${String(v)})`);
  return v === true || v === 1 || v === 'true';
}

export class SASRecBlockLayer extends Module {
  readonly ln1: LayerNorm;
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly ln2: LayerNorm;
  readonly w1: Linear;
  readonly w2: Linear;
  constructor(readonly dim: number, readonly heads: number, r: Rng, readonly arrangement: SASRecBlock = 'original', readonly timelineMask = true) {
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
  /** Multi-head attention (causal, optional key mask, dropout on the probabilities in training): out-proj(attn(q, kv, kv)). */
  private mha(q: Tensor, kv: Tensor, ctx: EncoderContext, keyMask: Tensor | undefined): Tensor {
    return this.o.forward(attentionWithDropout(this.q.forward(q), this.k.forward(kv), this.v.forward(kv), { heads: this.heads, causal: true, keyMask }, ctx.drop.attn()));
  }
  /** pmixer's point-wise feed-forward: dropout(W2 · relu(dropout(W1 x + b1)) + b2). */
  private ffn(x: Tensor, ctx: EncoderContext): Tensor {
    const { drop } = ctx;
    return drop.apply(this.w2.forward(relu(drop.apply(this.w1.forward(x)))));
  }
  forward(h: Tensor, ctx: EncoderContext, keyMask: Tensor | undefined): Tensor {
    if (this.arrangement === 'post-ln') {
      h = this.ln1.forward(add(h, this.mha(h, h, ctx, keyMask)));
      h = this.ln2.forward(add(h, this.ffn(h, ctx)));
    } else if (this.arrangement === 'pre-ln') {
      const x = this.ln1.forward(h);
      h = add(h, this.mha(x, x, ctx, keyMask));
      h = add(h, this.ffn(this.ln2.forward(h), ctx));
    } else {
      const Q = this.ln1.forward(h);
      h = this.ln2.forward(add(Q, this.mha(Q, h, ctx, keyMask)));
      h = add(h, this.ffn(h, ctx));
    }
    return this.timelineMask ? mul(h, ctx.timeline) : h;
  }
}

export class SASRec extends CausalSeqEncoder {
  readonly name = 'SASRec';
  readonly layers: SASRecBlockLayer[];
  private readonly maskKeys: boolean;
  constructor(nItems: number, readonly cfg: SASRecConfig) {
    const r = makeRng(cfg.seed * 7919 + 17);
    super(nItems, cfg, r, { item: xavier(nItems + 1, cfg.dim), pos: xavier(cfg.maxLen + 1, cfg.dim) });
    this.maskKeys = flag('maskPaddingKeys', cfg.maskPaddingKeys);
    const timeline = flag('timelineMask', cfg.timelineMask ?? true);
    const block = cfg.block ?? 'original';
    if (!SASREC_BLOCKS.includes(block)) throw new Error(`SASRec: block must be one of ${SASREC_BLOCKS.join(', ')} (got ${String(cfg.block)})`);
    this.layers = Array.from({ length: cfg.blocks }, (_, i) => this.addModule(`block${i}`, new SASRecBlockLayer(cfg.dim, cfg.heads, r, block, timeline)));
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
  }, opt);
  opt.dispose();
  return model;
}
