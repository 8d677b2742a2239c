// ListCVAE (Jiang et al., "Beyond Greedy Ranking: Slate Optimization via List-CVAE", ICLR 2019) as a Table 1 baseline:
// a conditional VAE over whole slates.
//   items      a learned item embedding table E (nItems, d) used both to encode slates and to decode them
//   condition  c = MLP(masked mean of the history's item embeddings ; the last item's embedding)
//   encoder    q(z | slate, c) = N(μ, σ²) from MLP([E[s_1] … E[s_M] ; c])
//   prior      p(z | c) = N(μ_p, σ_p²) from MLP(c) (the paper's learned conditional prior)
//   decoder    MLP([z ; c]) -> M item vectors x_m (B, M, d); logits_m = x_m · Eᵀ over the whole catalogue
//   loss       Σ_m CE(logits_m, s_m) + β · KL(q || p)  (mean over slates), z = μ + σ ⊙ ε (reparameterisation)
//   decode     z = μ_p (the prior mean; deterministic), then the slate greedily position by position: the best item of
//              logits_m not in the history and not already in the slate (the paper's argmax + no-duplicate rule).
// Deviation: the paper also conditions on the slate's desired responses (all clicks at inference); our data has only
// positive slates, so the condition is the user context alone.
import { add, concat, crossEntropy, embedding, exp, matmul, mul, noGrad, reshape, scale, slice, square, sub, sum, tensor, tidyAsync, type Rng, type Tensor } from '../engine';
import { randn } from '../engine/random';
import { historyBatch, SidEmbedding, type HistoryBatch } from './context-encoder';
import { FFN, Linear, Module } from './nn';
import { Dropper } from './seq-rec';

export interface ListCvaeConfig {
  dim: number;
  latent: number;
  hidden: number;
  slateSize: number;
  maxHistory: number;
  /** weight of the KL term */
  beta: number;
  /** KL warm-up: β ramps linearly from 0 over this many steps */
  klWarmup: number;
  /**
   * Input-embedding dropout in training (the teacher-forced loss): the history's item embeddings of the condition and
   * the slate's item embeddings fed to q(z | slate, c); decoding never drops. 0 = none.
   */
  dropout: number;
}

export const LISTCVAE_DEFAULTS: ListCvaeConfig = { dim: 32, latent: 16, hidden: 128, slateSize: 5, maxHistory: 20, beta: 1, klWarmup: 200, dropout: 0 };

/** The config with defaults filled and checked (one error naming every bad setting). */
export function listCvaeConfig(p: Partial<ListCvaeConfig>): ListCvaeConfig {
  const c = { ...LISTCVAE_DEFAULTS, ...p };
  const bad: string[] = [];
  for (const k of ['dim', 'latent', 'hidden', 'slateSize', 'maxHistory'] as const) if (!Number.isInteger(c[k]) || c[k] < 1) bad.push(`${k} must be an integer >= 1 (got ${c[k]})`);
  if (!(c.dropout >= 0 && c.dropout < 1)) bad.push(`dropout must be in [0, 1) (got ${c.dropout})`);
  if (bad.length) throw new Error(`ListCVAE config: ${bad.join('; ')}`);
  return c;
}

class Mlp extends Module {
  readonly a: Linear;
  readonly b: FFN;
  readonly out: Linear;
  constructor(inp: number, hidden: number, out: number, r: Rng) {
    super();
    this.a = this.addModule('in', new Linear(inp, hidden, r));
    this.b = this.addModule('ffn', new FFN(hidden, hidden, r, 'gelu'));
    this.out = this.addModule('out', new Linear(hidden, out, r));
  }
  forward(x: Tensor): Tensor {
    const h = this.a.forward(x);
    return this.out.forward(add(h, this.b.forward(h)));
  }
}

export class ListCvae extends Module {
  readonly cfg: ListCvaeConfig;
  readonly items: Tensor;
  /** unused SID embedding (the shared trainer's history batches are built through it; SIDs are not used) */
  readonly sid: SidEmbedding;
  readonly cond: Mlp;
  readonly enc: Mlp;
  readonly prior: Mlp;
  readonly dec: Mlp;
  private noise: Rng;
  constructor(
    cfgIn: Partial<ListCvaeConfig>,
    readonly widths: number[],
    readonly numItems: number,
    r: Rng,
  ) {
    super();
    const c = (this.cfg = listCvaeConfig(cfgIn));
    this.items = this.addParam('items', [numItems, c.dim], { kind: 'normal', std: 0.1 }, r);
    this.sid = new SidEmbedding(widths, 1, r); // not registered: no parameters of the model
    this.cond = this.addModule('cond', new Mlp(2 * c.dim, c.hidden, c.dim, r));
    this.enc = this.addModule('enc', new Mlp(c.slateSize * c.dim + c.dim, c.hidden, 2 * c.latent, r));
    this.prior = this.addModule('prior', new Mlp(c.dim, c.hidden, 2 * c.latent, r));
    this.dec = this.addModule('dec', new Mlp(c.latent + c.dim, c.hidden, c.slateSize * c.dim, r));
    this.noise = r;
  }

  /** Condition c (B, d) from a history batch; `drop` (training) applies to the history's item embeddings. */
  condition(h: HistoryBatch, drop?: (x: Tensor) => Tensor): Tensor {
    const { B, T } = h;
    const w = new Float32Array(B * T);
    const last = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      let n = 0;
      for (let t = 0; t < T; t++) n += h.mask[b * T + t];
      for (let t = 0; t < T; t++) w[b * T + t] = h.mask[b * T + t] / n;
      last[b] = h.item[b * T + T - 1]; // left-padded: the last position is the most recent item
    }
    let e = embedding(this.items, tensor(h.item, [B, T], 'i32')); // (B, T, d)
    let lastE = embedding(this.items, tensor(last, [B], 'i32'));
    if (drop) (e = drop(e)), (lastE = drop(lastE));
    const avg = sum(mul(e, tensor(w, [B, T, 1])), 1); // (B, d)
    return this.cond.forward(concat([avg, lastE], 1));
  }

  private split(x: Tensor): { mu: Tensor; logv: Tensor } {
    const k = this.cfg.latent;
    return { mu: slice(x, 1, 0, k), logv: slice(x, 1, k, 2 * k) };
  }

  /** Item logits (B·M, nItems) from z (B, k) and c (B, d). */
  logits(z: Tensor, c: Tensor): Tensor {
    const B = z.shape[0];
    const x = reshape(this.dec.forward(concat([z, c], 1)), [B * this.cfg.slateSize, this.cfg.dim]);
    return matmul(x, this.items, { transB: true });
  }

  /** Teacher-forced ELBO loss; target item ids (B, M) via extra.items. */
  loss(h: HistoryBatch, _codes: Int32Array, extra?: { step: number; items?: Int32Array }): { loss: Tensor } {
    const M = this.cfg.slateSize, d = this.cfg.dim, k = this.cfg.latent;
    const items = extra?.items;
    if (!items || items.length !== h.B * M) throw new Error(`ListCVAE loss: needs the ${h.B}×${M} target item ids`);
    const B = h.B;
    const drop = extra && this.cfg.dropout > 0 ? new Dropper(this.cfg.dropout, 0x4c43, extra.step).apply : undefined;
    const c = this.condition(h, drop);
    const se0 = reshape(embedding(this.items, tensor(items, [B, M], 'i32')), [B, M * d]);
    const se = drop ? drop(se0) : se0;
    const q = this.split(this.enc.forward(concat([se, c], 1)));
    const p = this.split(this.prior.forward(c));
    const eps = tensor(randn(B * k, this.noise), [B, k]);
    const z = add(q.mu, mul(exp(scale(q.logv, 0.5)), eps));
    const ce = crossEntropy(this.logits(z, c), tensor(items, [B * M], 'i32'), { reduction: 'sum' });
    // KL(N(μq, σq²) || N(μp, σp²)) = ½ Σ [logσp² − logσq² + (σq² + (μq − μp)²) / σp² − 1]
    const kl = scale(sum(add(sub(p.logv, q.logv), mul(add(exp(q.logv), square(sub(q.mu, p.mu))), exp(scale(p.logv, -1))))), 0.5);
    const klTerm = add(kl, tensor([-0.5 * B * k], [])); // the −1 inside the sum, B·k times
    const beta = this.cfg.klWarmup > 0 ? Math.min(1, (extra.step + 1) / this.cfg.klWarmup) * this.cfg.beta : this.cfg.beta;
    return { loss: scale(add(ce, scale(klTerm, beta)), 1 / B) };
  }

  /** Slates of length ≤ M for histories (history items excluded, no duplicates), z = prior mean. */
  async slates(histories: Int32Array[], length = this.cfg.slateSize): Promise<Int32Array[]> {
    const M = this.cfg.slateSize;
    if (length > M) throw new Error(`ListCVAE: slate length ${length} > trained slate size ${M}`);
    const h = historyBatch(histories, new Int32Array(this.numItems * this.widths.length), this.sid, this.cfg.maxHistory);
    const n = this.numItems;
    const lg = await tidyAsync(async () => {
      const out = noGrad(() => {
        const c = this.condition(h);
        return this.logits(this.split(this.prior.forward(c)).mu, c);
      });
      return (await out.data()) as Float32Array;
    });
    return histories.map((hist, b) => {
      const banned = new Set(hist);
      const s: number[] = [];
      for (let m = 0; m < length; m++) {
        const row = lg.subarray((b * M + m) * n, (b * M + m + 1) * n);
        let best = -1;
        for (let i = 0; i < n; i++) if (!banned.has(i) && (best < 0 || row[i] > row[best])) best = i;
        if (best < 0) break;
        s.push(best);
        banned.add(best);
      }
      return Int32Array.from(s);
    });
  }
}
