// Truncated SVD of a symmetric sparse matrix by randomized subspace (power) iteration (Halko et al. 2011):
// Q = orth(A^q Omega), B = Q^T A Q (small, symmetric), eig(B) by Jacobi, embeddings = Q V |lambda|^(1/2).

import { createRng } from '../../math/rng';
import { csrMatMul, type Csr } from './ppmi';

/** Modified Gram-Schmidt on the columns of x (n x k, row-major), in place. */
export function orthonormalizeColumns(x: Float32Array, n: number, k: number): void {
  for (let j = 0; j < k; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        let d = 0;
        for (let r = 0; r < n; r++) d += x[r * k + i] * x[r * k + j];
        for (let r = 0; r < n; r++) x[r * k + j] -= d * x[r * k + i];
      }
    }
    let s = 0;
    for (let r = 0; r < n; r++) s += x[r * k + j] ** 2;
    const inv = s > 1e-20 ? 1 / Math.sqrt(s) : 0;
    for (let r = 0; r < n; r++) x[r * k + j] *= inv;
  }
}

/** Eigen-decomposition of a small symmetric matrix (k x k, row-major) by cyclic Jacobi. Returns values and vectors (columns). */
export function jacobiEigen(a0: Float64Array, k: number): { values: Float64Array; vectors: Float64Array } {
  const a = a0.slice();
  const v = new Float64Array(k * k);
  for (let i = 0; i < k; i++) v[i * k + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < k; p++) for (let q = p + 1; q < k; q++) off += a[p * k + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = a[p * k + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * k + q] - a[p * k + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < k; r++) {
          const arp = a[r * k + p], arq = a[r * k + q];
          a[r * k + p] = c * arp - s * arq;
          a[r * k + q] = s * arp + c * arq;
        }
        for (let r = 0; r < k; r++) {
          const apr = a[p * k + r], aqr = a[q * k + r];
          a[p * k + r] = c * apr - s * aqr;
          a[q * k + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < k; r++) {
          const vrp = v[r * k + p], vrq = v[r * k + q];
          v[r * k + p] = c * vrp - s * vrq;
          v[r * k + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: k }, (_, i) => a[i * k + i]), vectors: v };
}

export interface SvdOptions {
  dims: number;
  oversample?: number; // default 10
  powerIters?: number; // default 4
  seed?: number;
}

/** Returns n x dims embeddings U_k |S_k|^(1/2) of the top-|eigenvalue| subspace, plus the eigenvalues used. */
export function randomizedSymmetricEmbedding(A: Csr, opts: SvdOptions): { data: Float32Array; dim: number; values: Float64Array } {
  const n = A.n;
  const dims = Math.min(opts.dims, n);
  const k = Math.min(n, dims + (opts.oversample ?? 10));
  const rng = createRng(opts.seed ?? 1);
  let q: Float32Array = Float32Array.from({ length: n * k }, () => rng.normal());
  let tmp: Float32Array = new Float32Array(n * k);
  q = csrMatMul(A, q, k, tmp);
  tmp = new Float32Array(n * k);
  orthonormalizeColumns(q, n, k);
  for (let it = 0; it < (opts.powerIters ?? 4); it++) {
    const y = csrMatMul(A, q, k, tmp);
    tmp = q;
    q = y;
    orthonormalizeColumns(q, n, k);
  }
  // B = Q^T A Q
  const aq = csrMatMul(A, q, k, tmp);
  const B = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += q[r * k + i] * aq[r * k + j];
      B[i * k + j] = s;
    }
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) { const m = (B[i * k + j] + B[j * k + i]) / 2; B[i * k + j] = m; B[j * k + i] = m; }
  const { values, vectors } = jacobiEigen(B, k);
  const order = Array.from({ length: k }, (_, i) => i).sort((x, y) => Math.abs(values[y]) - Math.abs(values[x])).slice(0, dims);
  const data = new Float32Array(n * dims);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < dims; c++) {
      const e = order[c];
      let s = 0;
      for (let i = 0; i < k; i++) s += q[r * k + i] * vectors[i * k + e];
      data[r * dims + c] = s * Math.sqrt(Math.abs(values[e]));
    }
  }
  return { data, dim: dims, values: Float64Array.from(order, (e) => values[e]) };
}
