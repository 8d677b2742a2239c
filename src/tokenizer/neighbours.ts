// Semantic neighbours (cos ≥ threshold, paper Appendix A) on the engine's ops, so the O(n²·F) part runs on the chosen
// backend (wasm SIMD + threads, WebGPU, or the CPU reference) instead of a host loop.
//
// The rows are L2-normalised on the host (`normaliseRows`, the reference's own normalisation), then for each block of
// `block` rows [r0, r1) one product  U[r0:n] · U[r0:r1]ᵀ  (the upper triangle, each unordered pair once) is computed
// with `matmul` and read back; the host keeps every pair j > i whose device cosine is within `margin` of the
// threshold or above, and re-scores exactly those with the reference's arithmetic (the f64 sum over the non-zeros of
// row i, in index order, as `semanticNeighbours` in pairs.ts does). A f32 dot product of two unit vectors of F
// dimensions is off by at most ~F·2⁻²⁴ (4e-5 at F = 713), far inside the margin, so the result is exactly the
// reference's pairs on every backend (neighbours.test.ts checks equality, also with pairs planted at the threshold).
import { CpuBackend, getBackend, matmul, slice, tensor, tidyAsync, transpose, type Backend } from '../engine';
import { neighboursFromPairs, normaliseRows, type Neighbours } from './pairs';

export interface NeighbourOptions {
  /** rows per matmul block (output block (n − r0) × block floats) */
  block?: number;
  /** device cosines ≥ threshold − margin are re-scored exactly on the host (default max(1e-3, 16·F·2⁻²⁴)) */
  margin?: number;
  onProgress?: (rowsDone: number, rows: number) => void;
  /** where the products run (default: the current backend; the CPU reference where none is set, e.g. the data worker) */
  backend?: Backend;
}

/** The current backend, or the CPU reference in a thread that has none (the data worker assembles stage inputs). */
function currentOrCpu(): Backend {
  try {
    return getBackend();
  } catch {
    return new CpuBackend();
  }
}

/**
 * Every item's neighbours with cos(x_i, x_j) ≥ threshold (CSR, ascending), computed with `matmul` on the current
 * backend in row blocks; equal to `semanticNeighbours(x, n, d, threshold)` (the host reference).
 */
export async function semanticNeighboursOnEngine(x: Float32Array, n: number, d: number, threshold = 0.8, opts: NeighbourOptions = {}): Promise<Neighbours> {
  if (x.length !== n * d) throw new Error(`semantic neighbours: ${x.length} values for ${n} items × ${d} dims`);
  const u = normaliseRows(x, n, d);
  // the non-zeros of every row, in index order: the reference's dot product runs over them
  const nzPtr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let k = 0; k < d; k++) if (u[i * d + k] !== 0) m++;
    nzPtr[i + 1] = nzPtr[i] + m;
  }
  const nzIdx = new Int32Array(nzPtr[n]);
  for (let i = 0, t = 0; i < n; i++) for (let k = 0; k < d; k++) if (u[i * d + k] !== 0) nzIdx[t++] = k;
  const exact = (i: number, j: number): number => {
    let s = 0;
    const oi = i * d;
    const oj = j * d;
    for (let t = nzPtr[i]; t < nzPtr[i + 1]; t++) s += u[oi + nzIdx[t]] * u[oj + nzIdx[t]];
    return s;
  };
  const margin = opts.margin ?? Math.max(1e-3, 16 * d * 2 ** -24);
  const lo = threshold - margin;
  const B = Math.max(1, Math.floor(opts.block ?? 512));
  const found: number[] = [];
  await tidyAsync(async () => {
    // every op runs on its inputs' backend: U's
    const U = tensor(u, [n, d], 'f32', opts.backend ?? currentOrCpu());
    for (let r0 = 0; r0 < n; r0 += B) {
      const r1 = Math.min(n, r0 + B);
      const m = r1 - r0;
      const rest = n - r0;
      // c[jj·m + ii] = u_{r0+jj} · u_{r0+ii}; B's operand transposed on the device so every backend reads it row-major
      const c = (await tidyAsync(async () => {
        const blockT = transpose(slice(U, 0, r0, r1), [1, 0]);
        return matmul(r0 === 0 ? U : slice(U, 0, r0, n), blockT).data();
      })) as Float32Array;
      for (let jj = 1; jj < rest; jj++) {
        const row = jj * m;
        const top = Math.min(m, jj);
        for (let ii = 0; ii < top; ii++) {
          if (!(c[row + ii] >= lo)) continue;
          const i = r0 + ii;
          const j = r0 + jj;
          // rows without non-zeros are never anchors in the reference
          if (nzPtr[i + 1] > nzPtr[i] && exact(i, j) >= threshold) found.push(i, j);
        }
      }
      opts.onProgress?.(r1, n);
      // let the host breathe between blocks (progress messages, a Stop from the page)
      await new Promise((res) => setTimeout(res, 0));
    }
  });
  // the reference lists pairs by i then j
  const order = Array.from({ length: found.length / 2 }, (_, p) => p).sort((a, b) => found[2 * a] - found[2 * b] || found[2 * a + 1] - found[2 * b + 1]);
  const sorted = new Int32Array(found.length);
  order.forEach((p, q) => {
    sorted[2 * q] = found[2 * p];
    sorted[2 * q + 1] = found[2 * p + 1];
  });
  return neighboursFromPairs(sorted, n);
}
