// RQ-KMeans (OneRec-style baseline): residual k-means directly on the item features, no network.
//   level d: k-means (k-means++ seeding, Lloyd) on r^{d-1}; s^d = nearest centroid; r^d = r^{d-1} − c^d_{s^d}
// The assignment step of every Lloyd iteration runs the `nearestCode` op (WGSL kernel on WebGPU, reference on CPU);
// the centroid update is a host-side mean. Reconstruction = Σ_d c^d_{s^d} in feature space.
import { nearestCode, tensor, tidyAsync, type Tensor } from '../engine';
import { createRng } from '../math/rng';
import { kmeansPlusPlus } from '../math/kmeans';

export interface RqKMeansConfig {
  levels: number; // D
  codebookSize: number; // K
  /** Lloyd iterations per level (stops early when < 0.1% of assignments change) */
  iters: number;
  /** rows sampled for k-means++ seeding (seeding is O(n·K·F)) */
  seedSample: number;
}

export const RQ_KMEANS_DEFAULTS: RqKMeansConfig = { levels: 3, codebookSize: 128, iters: 20, seedSample: 4096 };

export interface RqKMeansModel {
  cfg: RqKMeansConfig;
  dim: number;
  /** (K, F) per level */
  codebooks: Float32Array[];
}

/** Nearest codeword of each row of the device tensor `x` (N, F) among C (K, F), via the nearestCode op. */
async function assign(x: Tensor, C: Float32Array, K: number, F: number): Promise<{ idx: Int32Array; dist2: Float32Array }> {
  return tidyAsync(async () => {
    const [idx, d2] = nearestCode(x, tensor(C, [K, F]));
    return { idx: (await idx.data()) as Int32Array, dist2: (await d2.data()) as Float32Array };
  });
}

/** Fit D levels of residual k-means; returns the model, codes (n, D) and the reconstruction (n, F). */
export async function fitRqKMeans(
  x: Float32Array,
  n: number,
  F: number,
  cfg: RqKMeansConfig,
  seed: number,
  opts: { onLevel?: (level: number, iter: number, inertia: number) => void; signal?: AbortSignal } = {},
): Promise<{ model: RqKMeansModel; codes: Int32Array; recon: Float32Array }> {
  const { levels: D, codebookSize: K } = cfg;
  const rng = createRng(seed * 17 + 5);
  const r = x.slice();
  const codes = new Int32Array(n * D);
  const recon = new Float32Array(n * F);
  const codebooks: Float32Array[] = [];
  for (let d = 0; d < D; d++) {
    // k-means++ seeding on a sample of the residuals
    const m = Math.min(n, Math.max(cfg.seedSample, K));
    const rows = sampleRows(n, m, rng);
    const sample = new Float32Array(m * F);
    rows.forEach((i, j) => sample.set(r.subarray(i * F, i * F + F), j * F));
    const C = kmeansPlusPlus(sample, m, F, K, rng);
    const xt = tensor(r, [n, F]);
    let idx: Int32Array = new Int32Array(n).fill(-1);
    let dist2: Float32Array = new Float32Array(n);
    try {
      for (let it = 0; it < Math.max(1, cfg.iters); it++) {
        if (opts.signal?.aborted) throw new DOMException('aborted', 'AbortError');
        const a = await assign(xt, C, K, F);
        let changed = 0;
        for (let i = 0; i < n; i++) if (a.idx[i] !== idx[i]) changed++;
        idx = a.idx;
        dist2 = a.dist2;
        updateCentroids(r, n, F, idx, dist2, C, K);
        let inertia = 0;
        for (let i = 0; i < n; i++) inertia += dist2[i];
        opts.onLevel?.(d, it, inertia / n);
        if (changed <= 1e-3 * n) break;
      }
      const fin = await assign(xt, C, K, F);
      idx = fin.idx;
    } finally {
      xt.dispose();
    }
    for (let i = 0; i < n; i++) {
      const k = idx[i];
      codes[i * D + d] = k;
      for (let j = 0; j < F; j++) {
        r[i * F + j] -= C[k * F + j];
        recon[i * F + j] += C[k * F + j];
      }
    }
    codebooks.push(C);
  }
  return { model: { cfg, dim: F, codebooks }, codes, recon };
}

/** Means of the assigned rows; an empty cluster takes the farthest not-yet-taken row (deterministic). */
function updateCentroids(r: Float32Array, n: number, F: number, idx: Int32Array, dist2: Float32Array, C: Float32Array, K: number): void {
  const sums = new Float64Array(K * F);
  const counts = new Int32Array(K);
  for (let i = 0; i < n; i++) {
    const k = idx[i];
    counts[k]++;
    for (let j = 0; j < F; j++) sums[k * F + j] += r[i * F + j];
  }
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => dist2[b] - dist2[a] || a - b);
  let next = 0;
  for (let k = 0; k < K; k++) {
    if (counts[k]) for (let j = 0; j < F; j++) C[k * F + j] = sums[k * F + j] / counts[k];
    else if (next < n) {
      const i = order[next++];
      C.set(r.subarray(i * F, i * F + F), k * F);
    }
  }
}

function sampleRows(n: number, m: number, rng: { int(n: number): number }): Int32Array {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = all[i];
    all[i] = all[j];
    all[j] = t;
  }
  return all.slice(0, m);
}

/** Codes of new rows under a fitted model (greedy residual assignment). */
export async function encodeRqKMeans(model: RqKMeansModel, x: Float32Array, n: number): Promise<Int32Array> {
  const { levels: D, codebookSize: K } = model.cfg;
  const F = model.dim;
  const r = x.slice();
  const codes = new Int32Array(n * D);
  for (let d = 0; d < D; d++) {
    const xt = tensor(r, [n, F]);
    const { idx } = await assign(xt, model.codebooks[d], K, F);
    xt.dispose();
    for (let i = 0; i < n; i++) {
      codes[i * D + d] = idx[i];
      for (let j = 0; j < F; j++) r[i * F + j] -= model.codebooks[d][idx[i] * F + j];
    }
  }
  return codes;
}
