// Residual quantizer (paper Eq. 1), shared by RQ-VAE and CRQ-VAE: D codebooks of K codewords (K, L).
//
//   r⁰ = z;   s^d = argmin_k ‖r^{d-1} − e^d_k‖²  (the `nearestCode` WGSL op);   r^d = r^{d-1} − sg(e^d_{s^d})
//   ẑ = Σ_d e^d_{s^d}
//
// The gathered codewords e^d carry gradients into their codebook (embedding op, scatter-add backward). The residual
// fed to the next level uses sg(e^d), so each codebook is trained by the loss terms that use its own codewords
// (layer-wise Eq. 2, global Eq. 3, contrastive Eq. 4) rather than through later levels' commitment terms.
// Codebooks are initialised by k-means (k-means++ seeding + Lloyd) on the residuals of a first batch, level by level,
// and codewords unused for `deadAfter` steps are re-seeded from random residuals of the current batch.
import { add, copy, embedding, nearestCode, noGrad, sub, type Tensor, type Rng } from '../engine';
import { kmeansPlusPlus, lloyd } from '../math/kmeans';
import { createRng } from '../math/rng';
import { Module } from './nn';

export interface QuantizerConfig {
  levels: number; // D
  codebookSize: number; // K
  dim: number; // L (latent width)
  /** Lloyd iterations of the k-means initialisation */
  kmeansIters: number;
  /** re-seed a codeword that no batch item has used for this many steps (0 = never) */
  deadAfter: number;
}

export interface QuantizeOut {
  /** e^d_{s^d} per level, (B, L), differentiable w.r.t. codebook d */
  codewords: Tensor[];
  /** r^{d-1} per level, (B, L): the input of level d (r⁰ = z) */
  residuals: Tensor[];
  /** ẑ = Σ_d e^d (B, L) */
  zHat: Tensor;
  /** s^d per level as i32 (B) tensors (on the device) */
  codes: Tensor[];
}

/** Stop-gradient: a copy that does not require grad. */
export const sg = (t: Tensor): Tensor => noGrad(() => copy(t));

export class ResidualQuantizer extends Module {
  readonly codebooks: Tensor[];
  /** last step each codeword was selected, per level (host-side bookkeeping for dead-code handling) */
  private lastUsed: Int32Array[];
  /** total number of re-seeded codewords per level */
  readonly reseeded: number[];
  /** EMA codebook state per level (counts (K), sums (K, L)); created by the first emaUpdate / initFromBatch */
  private emaCount: Float64Array[] | null = null;
  private emaSum: Float64Array[] | null = null;

  constructor(
    readonly cfg: QuantizerConfig,
    r: Rng,
  ) {
    super();
    const { levels, codebookSize: K, dim: L } = cfg;
    // small random init; replaced by k-means on the first batch (initFromBatch)
    this.codebooks = Array.from({ length: levels }, (_, d) => this.addParam(`codebook_${d}`, [K, L], { kind: 'normal', std: 0.01 }, r));
    this.lastUsed = Array.from({ length: levels }, () => new Int32Array(K));
    this.reseeded = new Array(levels).fill(0);
  }

  /** Eq. 1, level by level. */
  quantize(z: Tensor): QuantizeOut {
    const codewords: Tensor[] = [];
    const residuals: Tensor[] = [];
    const codes: Tensor[] = [];
    let r = z;
    let zHat: Tensor | null = null;
    for (let d = 0; d < this.cfg.levels; d++) {
      residuals.push(r);
      const [idx] = nearestCode(sg(r), this.codebooks[d]); // (B) i32, argmin_k ‖r − e_k‖²
      const e = embedding(this.codebooks[d], idx); // (B, L)
      codes.push(idx);
      codewords.push(e);
      zHat = zHat ? add(zHat, e) : e;
      r = sub(r, sg(e));
    }
    return { codewords, residuals, zHat: zHat!, codes };
  }

  /** Dead-code bookkeeping and EMA state (checkpoints). */
  exportState(): { lastUsed: Int32Array[]; reseeded: number[]; emaCount?: Float64Array[]; emaSum?: Float64Array[] } {
    return {
      lastUsed: this.lastUsed.map((a) => a.slice()),
      reseeded: [...this.reseeded],
      ...(this.emaCount && this.emaSum ? { emaCount: this.emaCount.map((a) => a.slice()), emaSum: this.emaSum.map((a) => a.slice()) } : {}),
    };
  }
  importState(s: { lastUsed: Int32Array[]; reseeded: number[]; emaCount?: Float64Array[]; emaSum?: Float64Array[] }): void {
    s.lastUsed.forEach((a, d) => this.lastUsed[d].set(a));
    s.reseeded.forEach((v, d) => (this.reseeded[d] = v));
    if (s.emaCount && s.emaSum) {
      this.emaCount = s.emaCount.map((a) => Float64Array.from(a));
      this.emaSum = s.emaSum.map((a) => Float64Array.from(a));
    }
  }

  /**
   * k-means initialisation of every level on a batch of latents (host array, (B, L)), level by level on the residuals.
   * `step` = the training step at which this happens: every codeword counts as used then (dead-code clock restarts).
   */
  async initFromBatch(z: Float32Array, B: number, seed: number, step = 0): Promise<void> {
    const { levels, codebookSize: K, dim: L, kmeansIters } = this.cfg;
    const rng = createRng(seed * 7 + 1);
    const r = z.slice();
    this.emaCount = [];
    this.emaSum = [];
    for (let d = 0; d < levels; d++) {
      const init = kmeansPlusPlus(r, B, L, K, rng);
      const { centroids, assign } = lloyd(r, B, L, init, K, kmeansIters);
      this.codebooks[d].backend.write(this.codebooks[d].storage, centroids);
      // EMA state starts at the k-means clusters (count 1 per codeword: a weak prior the batches quickly override)
      this.emaCount.push(new Float64Array(K).fill(1));
      this.emaSum.push(Float64Array.from(centroids));
      for (let i = 0; i < B; i++) for (let j = 0; j < L; j++) r[i * L + j] -= centroids[assign[i] * L + j];
      this.lastUsed[d].fill(step);
    }
  }

  /**
   * EMA codebook update (VQ-VAE-2): per level, N_k ← γN_k + (1−γ)n_k, m_k ← γm_k + (1−γ)Σ_{i: s_i = k} r_i,
   * e_k = m_k / N_k (a codeword whose count has decayed below 1e-6 keeps its value). codes: (B) per level; residuals: host (D·B, L), level-major.
   */
  async emaUpdate(codes: Int32Array[], residuals: Float32Array, decay: number): Promise<void> {
    const { levels, codebookSize: K, dim: L } = this.cfg;
    if (!this.emaCount || !this.emaSum) {
      this.emaCount = [];
      this.emaSum = [];
      for (let d = 0; d < levels; d++) {
        this.emaCount.push(new Float64Array(K).fill(1));
        this.emaSum.push(Float64Array.from((await this.codebooks[d].data()) as Float32Array));
      }
    }
    for (let d = 0; d < levels; d++) {
      const B = codes[d].length;
      const cnt = new Float64Array(K);
      const sum = new Float64Array(K * L);
      for (let i = 0; i < B; i++) {
        const k = codes[d][i];
        cnt[k]++;
        const o = (d * B + i) * L;
        for (let j = 0; j < L; j++) sum[k * L + j] += residuals[o + j];
      }
      const N = this.emaCount[d];
      const M = this.emaSum[d];
      for (let k = 0; k < K; k++) N[k] = decay * N[k] + (1 - decay) * cnt[k];
      // codewords whose EMA count has decayed to ~0 keep their value (the dead-code re-seeding replaces them)
      const cb = Float32Array.from((await this.codebooks[d].data()) as Float32Array);
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < L; j++) M[k * L + j] = decay * M[k * L + j] + (1 - decay) * sum[k * L + j];
        if (N[k] < 1e-6) continue;
        for (let j = 0; j < L; j++) cb[k * L + j] = M[k * L + j] / N[k];
      }
      this.codebooks[d].backend.write(this.codebooks[d].storage, cb);
    }
  }

  /**
   * Record which codewords the batch used (codes: (B) per level) at `step`; every codeword unused for `deadAfter`
   * steps is overwritten by a random residual of this batch (residuals: host (B, L) per level). Returns the number
   * re-seeded per level this call.
   */
  async trackAndReseed(step: number, codes: Int32Array[], residuals: (() => Promise<Float32Array>) | null, rng: { int(n: number): number }): Promise<number[]> {
    const { levels, codebookSize: K, dim: L, deadAfter } = this.cfg;
    const out = new Array(levels).fill(0);
    for (let d = 0; d < levels; d++) for (const k of codes[d]) this.lastUsed[d][k] = step;
    if (!deadAfter || !residuals) return out;
    let res: Float32Array | null = null;
    for (let d = 0; d < levels; d++) {
      const dead: number[] = [];
      for (let k = 0; k < K; k++) if (step - this.lastUsed[d][k] >= deadAfter) dead.push(k);
      if (!dead.length) continue;
      res ??= await residuals();
      const B = codes[d].length;
      const cb = (await this.codebooks[d].data()) as Float32Array;
      for (const k of dead) {
        const i = rng.int(B);
        cb.set(res.subarray((d * B + i) * L, (d * B + i + 1) * L), k * L);
        this.lastUsed[d][k] = step;
        if (this.emaCount && this.emaSum) {
          this.emaCount[d][k] = 1;
          for (let j = 0; j < L; j++) this.emaSum[d][k * L + j] = cb[k * L + j];
        }
      }
      this.codebooks[d].backend.write(this.codebooks[d].storage, cb);
      this.reseeded[d] += dead.length;
      out[d] = dead.length;
    }
    return out;
  }
}
