// k-means on the CPU: k-means++ seeding, Lloyd iterations, nearest-centroid search.
// Used to initialise VAE codebooks from the first batch (one level at a time, on residuals) and by the tests as a
// reference. Inputs are row-major Float32Arrays (n, d); all randomness comes from the seeded `Rng`.
import { createRng, type Rng } from './rng';

export interface KMeansResult {
  /** (K, d) row-major */
  centroids: Float32Array;
  /** (n) cluster of each row */
  assign: Int32Array;
  /** mean squared distance of a row to its centroid */
  inertia: number;
  iterations: number;
}

/** Squared L2 distance between row i of `a` (dim d) and row j of `b`. */
function dist2(a: Float32Array, i: number, b: Float32Array, j: number, d: number): number {
  let s = 0;
  const oa = i * d;
  const ob = j * d;
  for (let k = 0; k < d; k++) {
    const t = a[oa + k] - b[ob + k];
    s += t * t;
  }
  return s;
}

/** Index and squared distance of the nearest centroid for every row (exhaustive; the reference for the GPU op). */
export function nearestCpu(x: Float32Array, n: number, d: number, C: Float32Array, K: number): { idx: Int32Array; dist2: Float32Array } {
  const idx = new Int32Array(n);
  const dd = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    let bi = 0;
    for (let k = 0; k < K; k++) {
      const v = dist2(x, i, C, k, d);
      if (v < best) {
        best = v;
        bi = k;
      }
    }
    idx[i] = bi;
    dd[i] = best;
  }
  return { idx, dist2: dd };
}

/** k-means++ seeding (Arthur & Vassilvitskii 2007): each next centre is drawn with probability ∝ D(x)². */
export function kmeansPlusPlus(x: Float32Array, n: number, d: number, K: number, rng: Rng): Float32Array {
  const C = new Float32Array(K * d);
  if (n === 0) return C;
  const first = rng.int(n);
  C.set(x.subarray(first * d, first * d + d), 0);
  const D = new Float64Array(n);
  for (let i = 0; i < n; i++) D[i] = dist2(x, i, C, 0, d);
  for (let k = 1; k < K; k++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += D[i];
    let pick: number;
    if (total <= 0) pick = rng.int(n); // all points coincide with centres: any point
    else {
      let u = rng.next() * total;
      pick = n - 1;
      for (let i = 0; i < n; i++) {
        u -= D[i];
        if (u <= 0) {
          pick = i;
          break;
        }
      }
    }
    C.set(x.subarray(pick * d, pick * d + d), k * d);
    for (let i = 0; i < n; i++) {
      const v = dist2(x, i, C, k, d);
      if (v < D[i]) D[i] = v;
    }
  }
  return C;
}

/**
 * Lloyd iterations from `init` (modified in place and returned). A cluster that loses all its rows is re-seeded
 * with the row currently farthest from its centroid (deterministic), so K clusters stay in use when n ≥ K.
 */
export function lloyd(x: Float32Array, n: number, d: number, init: Float32Array, K: number, iters: number, tol = 1e-4): KMeansResult {
  const C = init;
  let assign: Int32Array = new Int32Array(n).fill(-1);
  let dd: Float32Array = new Float32Array(n);
  let it = 0;
  for (; it < iters; it++) {
    const r = nearestCpu(x, n, d, C, K);
    let changed = 0;
    for (let i = 0; i < n; i++) if (r.idx[i] !== assign[i]) changed++;
    assign = r.idx;
    dd = r.dist2;
    // update step
    const sums = new Float64Array(K * d);
    const counts = new Int32Array(K);
    for (let i = 0; i < n; i++) {
      const k = assign[i];
      counts[k]++;
      const o = i * d;
      const ok = k * d;
      for (let j = 0; j < d; j++) sums[ok + j] += x[o + j];
    }
    const taken = new Uint8Array(n);
    for (let k = 0; k < K; k++) {
      if (counts[k] > 0) {
        for (let j = 0; j < d; j++) C[k * d + j] = sums[k * d + j] / counts[k];
      } else if (n > 0) {
        let far = -1;
        let fd = -1;
        for (let i = 0; i < n; i++) {
          if (!taken[i] && dd[i] > fd) {
            fd = dd[i];
            far = i;
          }
        }
        if (far >= 0) {
          taken[far] = 1;
          C.set(x.subarray(far * d, far * d + d), k * d);
          dd[far] = 0;
        }
      }
    }
    if (changed <= tol * n) {
      it++;
      break;
    }
  }
  const fin = nearestCpu(x, n, d, C, K);
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += fin.dist2[i];
  return { centroids: C, assign: fin.idx, inertia: n ? inertia / n : 0, iterations: it };
}

/** k-means++ then Lloyd. */
export function kmeans(x: Float32Array, n: number, d: number, K: number, opts: { iters?: number; seed?: number; rng?: Rng } = {}): KMeansResult {
  const rng = opts.rng ?? createRng(opts.seed ?? 0);
  const init = kmeansPlusPlus(x, n, d, K, rng);
  return lloyd(x, n, d, init, K, opts.iters ?? 10);
}
