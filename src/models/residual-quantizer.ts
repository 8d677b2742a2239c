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

  /** Dead-code bookkeeping (checkpoints). */
  exportState(): { lastUsed: Int32Array[]; reseeded: number[] } {
    return { lastUsed: this.lastUsed.map((a) => a.slice()), reseeded: [...this.reseeded] };
  }
  importState(s: { lastUsed: Int32Array[]; reseeded: number[] }): void {
    s.lastUsed.forEach((a, d) => this.lastUsed[d].set(a));
    s.reseeded.forEach((v, d) => (this.reseeded[d] = v));
  }

  /** k-means initialisation of every level on a batch of latents (host array, (B, L)). */
  async initFromBatch(z: Float32Array, B: number, seed: number): Promise<void> {
    const { levels, codebookSize: K, dim: L, kmeansIters } = this.cfg;
    const rng = createRng(seed * 7 + 1);
    const r = z.slice();
    for (let d = 0; d < levels; d++) {
      const init = kmeansPlusPlus(r, B, L, K, rng);
      const { centroids, assign } = lloyd(r, B, L, init, K, kmeansIters);
      this.codebooks[d].backend.write(this.codebooks[d].storage, centroids);
      for (let i = 0; i < B; i++) for (let j = 0; j < L; j++) r[i * L + j] -= centroids[assign[i] * L + j];
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
      }
      this.codebooks[d].backend.write(this.codebooks[d].storage, cb);
      this.reseeded[d] += dead.length;
      out[d] = dead.length;
    }
    return out;
  }
}
