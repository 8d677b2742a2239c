// CRQ-VAE (paper §3.3): MLP encoder → D residual quantisation levels → MLP decoder, trained with
//   L = L_recon + λ1·L_global_quan + λ2·L_cont                                        (Eq. 5)
// RQ-VAE (src/models/rq-vae.ts) is the same network trained with L_recon + λ1·L_layer_quan (Eq. 2).
// Every loss is a batch mean of per-item squared L2 norms (sum over features), as written in the paper.
// Shapes: B batch, F input features, L latent width, K codebook size, D levels, P anchor-positive pairs.
import { add, addScalar, div, embedding, matmul, mul, relu, gelu, silu, scale, square, sqrt, sub, tensor, type Tensor, type Rng } from '../engine';
import { mean, sum } from '../engine/ops/reduce';
import { logSoftmax } from '../engine/ops/softmax';
import { Linear, Module } from './nn';
import { ResidualQuantizer, sg, type QuantizeOut } from './residual-quantizer';

// ------------------------------------------------------------------ config

export interface CrqVaeConfig {
  inputDim: number; // F
  /** encoder hidden widths; the decoder mirrors them */
  hidden: number[];
  latentDim: number; // L
  levels: number; // D (paper: 3)
  codebookSize: number; // K (paper: 1024; 64-256 suits KuaiRec's ~10.7k items)
  activation: 'relu' | 'silu' | 'gelu';
  /** η: trade-off inside the quantisation losses (Eq. 2, 3). Appendix A: 0.1 */
  eta: number;
  /** λ1: weight of the quantisation loss (global for CRQ-VAE, layer-wise for RQ-VAE). Appendix A: 0.1 */
  lambda1: number;
  /** λ2: weight of the prefix contrastive loss (Eq. 4/5). Appendix A: 0.01. 0 turns CRQ-VAE into "global-quant RQ-VAE". */
  lambda2: number;
  /** w_d: per-level InfoNCE weights, used for levels 1..D-1. Appendix A: (1, 0.1, 0.01) */
  w: number[];
  /** τ: InfoNCE temperature (not given in the paper) */
  tau: number;
  /**
   * Where the InfoNCE gradient goes. The paper applies Eq. 4 to the matched codewords e^d; their value is used either
   * way. 'codebook': gradient only into the codebooks. 'codebook+encoder': e^d + (r^{d-1} − sg(r^{d-1})), the same
   * value with a straight-through path into the encoder too, so positives are pulled to shared codes. 'encoder':
   * sg(e^d) + (r^{d-1} − sg(r^{d-1})): same value, gradient only into the encoder (codebooks stay quantisation-driven).
   */
  contrastGrad: 'codebook' | 'codebook+encoder' | 'encoder';
  /** in-batch negatives of Eq. 4: 'pairs' = the other pairs' positives; 'batch' = every other row of the batch */
  negatives: 'pairs' | 'batch';
  kmeansIters: number;
  deadAfter: number;
}

export const CRQ_DEFAULTS: Omit<CrqVaeConfig, 'inputDim'> = {
  hidden: [256, 128],
  latentDim: 32,
  levels: 3,
  codebookSize: 128,
  activation: 'silu',
  eta: 0.1,
  lambda1: 0.1,
  lambda2: 0.01,
  w: [1, 0.1, 0.01],
  tau: 0.1,
  contrastGrad: 'codebook+encoder',
  negatives: 'pairs',
  kmeansIters: 10,
  deadAfter: 200,
};

// ------------------------------------------------------------------ network

const ACT = { relu, silu, gelu };

/** Linear → act → … → Linear (no activation after the last layer). */
export class MLP extends Module {
  readonly layers: Linear[];
  constructor(
    dims: number[],
    readonly activation: CrqVaeConfig['activation'],
    r: Rng,
  ) {
    super();
    this.layers = dims.slice(1).map((out, i) => this.addModule(`${i}`, new Linear(dims[i], out, r)));
  }
  forward(x: Tensor): Tensor {
    let h = x;
    this.layers.forEach((l, i) => {
      h = l.forward(h);
      if (i < this.layers.length - 1) h = ACT[this.activation](h);
    });
    return h;
  }
}

export interface VaeOut {
  z: Tensor; // (B, L) encoder output
  q: QuantizeOut; // codes, codewords, residuals, ẑ
  xHat: Tensor; // (B, F) reconstruction
}

/** The architecture shared by RQ-VAE and CRQ-VAE. */
export class ResidualVAE extends Module {
  readonly encoder: MLP;
  readonly quantizer: ResidualQuantizer;
  readonly decoder: MLP;
  constructor(
    readonly cfg: CrqVaeConfig,
    r: Rng,
  ) {
    super();
    const { inputDim: F, hidden, latentDim: L } = cfg;
    this.encoder = this.addModule('encoder', new MLP([F, ...hidden, L], cfg.activation, r));
    this.quantizer = this.addModule(
      'quantizer',
      new ResidualQuantizer({ levels: cfg.levels, codebookSize: cfg.codebookSize, dim: L, kmeansIters: cfg.kmeansIters, deadAfter: cfg.deadAfter }, r),
    );
    this.decoder = this.addModule('decoder', new MLP([L, ...[...hidden].reverse(), F], cfg.activation, r));
  }

  forward(x: Tensor): VaeOut {
    const z = this.encoder.forward(x); // (B, L)
    const q = this.quantizer.quantize(z); // Eq. 1
    const zq = add(z, sg(sub(q.zHat, z))); // straight-through: value ẑ, gradient to z
    const xHat = this.decoder.forward(zq); // (B, F)
    return { z, q, xHat };
  }
}

// ------------------------------------------------------------------ losses

/** ‖a‖² per row, (B, n) → (B). */
const sqNorm = (a: Tensor) => sum(square(a), -1);

/** L_recon = ‖x̂ − x‖² (Eq. 2, first line). */
export function reconLoss(xHat: Tensor, x: Tensor): Tensor {
  return mean(sqNorm(sub(xHat, x)));
}

/** L_global_quan = ‖ẑ − sg(z)‖² + η‖z − sg(ẑ)‖² (Eq. 3). */
export function globalQuantLoss(z: Tensor, zHat: Tensor, eta: number): Tensor {
  return add(mean(sqNorm(sub(zHat, sg(z)))), scale(mean(sqNorm(sub(z, sg(zHat)))), eta));
}

/** Rows of `x` scaled to unit L2 norm. */
function l2rows(x: Tensor): Tensor {
  return div(x, sqrt(addScalar(sum(square(x), -1, true), 1e-12)));
}

/**
 * InfoNCE of one level over a batch of codeword embeddings e (B, L), pair i = (anchor row a_i, positive row p_i):
 *   −(1/P) Σ_i log ψ(e_{a_i}, e_{p_i}) / (ψ(e_{a_i}, e_{p_i}) + Σ_n ψ(e_{a_i}, e_n)),   ψ(u, v) = exp(cos(u, v)/τ).
 * In-batch negatives n: 'pairs' = the other pairs' positives (the usual anchor × positive InfoNCE matrix);
 * 'batch' = every other batch row (n ∉ {a_i, p_i}).
 */
export function infoNCE(e: Tensor, pairs: BatchPairs, tau: number, negatives: CrqVaeConfig['negatives']): Tensor {
  const P = pairs.anchorsHost.length;
  const en = l2rows(e); // (B, L)
  const a = embedding(en, pairs.anchors); // (P, L)
  const cand = negatives === 'pairs' ? embedding(en, pairs.positives) : en; // (C, L)
  const C = cand.shape[0];
  const logits = scale(matmul(a, cand, { transB: true }), 1 / tau); // (P, C) cos/τ
  const target = new Float32Array(P * C); // one-hot of the positive column
  const selfMask = new Float32Array(P * C); // 'batch': −1e4 on the anchor's own column (not its own negative)
  for (let i = 0; i < P; i++) {
    if (negatives === 'pairs') target[i * C + i] = 1;
    else {
      target[i * C + pairs.positivesHost[i]] = 1;
      selfMask[i * C + pairs.anchorsHost[i]] = -1e4;
    }
  }
  const logp = logSoftmax(negatives === 'pairs' ? logits : add(logits, tensor(selfMask, [P, C])));
  return scale(sum(mul(logp, tensor(target, [P, C]))), -1 / P);
}

/** Row indices of P anchor-positive pairs inside a batch (device tensor + host copies). */
export interface BatchPairs {
  anchors: Tensor;
  positives: Tensor;
  anchorsHost: Int32Array;
  positivesHost: Int32Array;
}

export function batchPairs(anchorsHost: Int32Array, positivesHost: Int32Array): BatchPairs {
  const P = anchorsHost.length;
  return { anchors: tensor(anchorsHost, [P], 'i32'), positives: tensor(positivesHost, [P], 'i32'), anchorsHost, positivesHost };
}

/**
 * L_cont (Eq. 4): (1/(D−1)) Σ_{d=1}^{D−1} w_d · InfoNCE(e^d). The last level is excluded.
 */
export function prefixContrastiveLoss(q: QuantizeOut, pairs: BatchPairs, cfg: Pick<CrqVaeConfig, 'w' | 'tau' | 'contrastGrad' | 'negatives'>): Tensor | null {
  const D = q.codewords.length;
  if (D < 2) return null;
  let total: Tensor | null = null;
  for (let d = 0; d < D - 1; d++) {
    const wd = cfg.w[d] ?? 0;
    if (wd === 0) continue;
    let e = cfg.contrastGrad === 'encoder' ? sg(q.codewords[d]) : q.codewords[d]; // (B, L), value e^d either way
    if (cfg.contrastGrad !== 'codebook') e = add(e, sub(q.residuals[d], sg(q.residuals[d])));
    const term = scale(infoNCE(e, pairs, cfg.tau, cfg.negatives), wd);
    total = total ? add(total, term) : term;
  }
  return total ? scale(total, 1 / (D - 1)) : null;
}

export interface LossTerms {
  total: Tensor;
  recon: Tensor;
  quant: Tensor;
  cont: Tensor | null;
}

/** Eq. 5. `pairs` = batch rows of anchors and positives, or null when the batch has none. */
export function crqVaeLoss(out: VaeOut, x: Tensor, cfg: CrqVaeConfig, pairs: BatchPairs | null): LossTerms {
  const recon = reconLoss(out.xHat, x);
  const quant = globalQuantLoss(out.z, out.q.zHat, cfg.eta);
  const cont = pairs && cfg.lambda2 > 0 ? prefixContrastiveLoss(out.q, pairs, cfg) : null;
  let total = add(recon, scale(quant, cfg.lambda1));
  if (cont) total = add(total, scale(cont, cfg.lambda2));
  return { total, recon, quant, cont };
}
