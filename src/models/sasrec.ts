// SASRec (Kang & McAuley, ICDM 2018), following pmixer/SASRec.pytorch (the reference implementation of issue 18):
//   e_t   = E[item_t] · sqrt(d) + P[pos_t]         (item 0 = padding; positions 1..L on real items, 0 on padding)
//   h     = dropout(e) ⊙ timeline                  (timeline = 1 on real items, 0 on padding)
//   block: Q = LN(h); h = Q + MHA(Q, h, h, causal); h = LN(h); h = (h + FFN(h)) ⊙ timeline
//          FFN = dropout(W2 · relu(dropout(W1 h + b1)) + b2)      (pmixer's point-wise Conv1d pair)
//   f     = LN(h)                                  (eps 1e-8 everywhere, as in pmixer)
//   loss  'bce': per real position, BCE(f·E[next], 1) + BCE(f·E[neg], 0), one uniformly sampled negative not in the
//                user's training set (the original objective);  'ce': full-catalogue softmax cross-entropy (a setting)
//   score of item j for a history = f_last · E[j]
// Adam (β = 0.9, 0.98), lr 1e-3, no weight decay, no clipping, xavier-normal init of matrices (pmixer's init).
// Difference from pmixer: attention-probability dropout is not applied (our fused attention has no dropout); padding
// keys are masked (pmixer lets queries attend to zeroed padding states).
import {
  add,
  attention,
  dropout,
  dropoutSeed,
  embedding,
  grad,
  matmul,
  mul,
  noGrad,
  relu,
  reshape,
  scale,
  sum,
  tensor,
  tidy,
  crossEntropy,
  type Rng,
  randn,
  type Tensor,
  rng as makeRng,
} from '../engine';
import { AdamW, LayerNorm, Linear, Module } from './nn';
import { bceWithLogits, runEpochs, lastPositionScores, leftPadIds, seqOf, trainableUsers, type SeqRecModel, type SeqTrainInputs, type TrainControl } from './seq-rec';

export interface SASRecConfig {
  maxLen: number;
  dim: number;
  blocks: number;
  heads: number;
  dropout: number;
  lr: number;
  batchSize: number;
  epochs: number;
  loss: 'bce' | 'ce';
  seed: number;
}

/** pmixer/SASRec.pytorch defaults (ml-1m settings: maxlen 200, dropout 0.2); 200 epochs as the reference run. */
export const SASREC_DEFAULTS: SASRecConfig = { maxLen: 200, dim: 50, blocks: 2, heads: 1, dropout: 0.2, lr: 1e-3, batchSize: 128, epochs: 200, loss: 'bce', seed: 0 };

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
  forward(h: Tensor, keyMask: Tensor, timeline: Tensor, drop: (x: Tensor) => Tensor): Tensor {
    const Q = this.ln1.forward(h);
    const a = attention(this.q.forward(Q), this.k.forward(h), this.v.forward(h), { heads: this.heads, causal: true, keyMask });
    h = add(Q, this.o.forward(a));
    h = this.ln2.forward(h);
    const f = drop(this.w2.forward(relu(drop(this.w1.forward(h)))));
    return mul(add(h, f), timeline);
  }
}

export class SASRec extends Module implements SeqRecModel {
  readonly name = 'SASRec';
  readonly itemEmb: Tensor;
  readonly posEmb: Tensor;
  readonly blocks: Block[];
  readonly last: LayerNorm;
  constructor(readonly nItems: number, readonly cfg: SASRecConfig) {
    super();
    const r = makeRng(cfg.seed * 7919 + 17);
    const d = cfg.dim;
    this.itemEmb = paddedTable(this, 'item_emb', nItems + 1, d, r);
    this.posEmb = paddedTable(this, 'pos_emb', cfg.maxLen + 1, d, r);
    this.blocks = Array.from({ length: cfg.blocks }, (_, i) => this.addModule(`block${i}`, new Block(d, cfg.heads, r)));
    this.last = this.addModule('last_ln', new LayerNorm(d, r, EPS));
  }

  /** A zero-initialised parameter (filled by paddedTable). */
  addTable(name: string, shape: number[]): Tensor {
    return this.addParam(name, shape, { kind: 'zeros' }, makeRng(0));
  }

  /** Features (B, L, d) of left-padded item ids (B, L) (item id + 1; 0 = padding). */
  features(ids: Int32Array, B: number, train: boolean, step = 0): Tensor {
    const L = this.cfg.maxLen, d = this.cfg.dim;
    const pos = new Int32Array(B * L), mask = new Int32Array(B * L), tl = new Float32Array(B * L);
    for (let i = 0; i < B * L; i++) if (ids[i] !== 0) { pos[i] = (i % L) + 1; mask[i] = 1; tl[i] = 1; }
    const idsT = tensor(ids, [B, L], 'i32');
    const timeline = tensor(tl, [B, L, 1]);
    const keyMask = tensor(mask, [B, L], 'i32');
    let k = 0;
    const p = train ? this.cfg.dropout : 0;
    const drop = (x: Tensor) => (p > 0 ? dropout(x, p, dropoutSeed(this.cfg.seed, step, k++)) : x);
    let h = add(scale(embedding(this.itemEmb, idsT), Math.sqrt(d)), embedding(this.posEmb, tensor(pos, [B, L], 'i32')));
    h = mul(drop(h), timeline);
    for (const b of this.blocks) h = b.forward(h, keyMask, timeline, drop);
    return this.last.forward(h);
  }

  async score(histories: Int32Array[]): Promise<Float32Array> {
    const B = histories.length;
    const out = noGrad(() => tidy(() => lastPositionScores(this.features(leftPadIds(histories, this.cfg.maxLen), B, false), this.itemEmb, this.nItems)));
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  }
}

/**
 * An xavier-normal (rows, d) table whose row 0 (padding_idx) is zero. Row 0 gets no gradient under BCE (padding
 * positions are masked), so it stays zero; under CE it is the logit of a never-targeted class and never enters a
 * feature (padding states are zeroed by the timeline mask).
 */
function paddedTable(m: SASRec, name: string, rows: number, d: number, r: Rng): Tensor {
  const t = m.addTable(name, [rows, d]);
  const data = randn(rows * d, r, xavier(rows, d));
  data.fill(0, 0, d);
  t.backend.write(t.storage, data);
  return t;
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
    const inp = new Int32Array(B * L), posT = new Int32Array(B * L), negT = new Int32Array(B * L);
    const valid = new Float32Array(B * L);
    let nValid = 0;
    bu.forEach((u, b) => {
      const s = seqOf(inputs, u);
      const seen = new Set(s);
      // inputs s[0..n-2], targets s[1..n-1], right-aligned, last L
      const n = Math.min(L, s.length - 1);
      for (let j = 0; j < n; j++) {
        const t = s.length - 1 - n + j;
        const o = b * L + L - n + j;
        inp[o] = s[t] + 1;
        posT[o] = s[t + 1] + 1;
        let neg: number;
        do neg = Math.floor(r() * inputs.nItems); while (seen.has(neg) && seen.size < inputs.nItems);
        negT[o] = neg + 1;
        valid[o] = 1;
        nValid++;
      }
    });
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
