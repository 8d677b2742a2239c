// Residual-quantization assignment (CRQ-VAE, paper Eq. 1): the nearest codeword of each row.
//   nearestCode(x (N, d), codebook (K, d)) -> [index i32 (N), dist2 f32 (N)],  index = argmin_k ||x - e_k||² (ties -> lowest k).
// Non-differentiable (the straight-through estimator and the codebook/commitment losses are written with other ops).
// Kernel: kernels/rq-assign.wgsl, two entry points chosen per adapter by `pickRqVariant`.
import src from '../../../kernels/rq-assign.wgsl?raw';
import type { OpDef } from '../op';
import { shapeStr } from '../op';
import { runOp, type Tensor } from '../tensor';
import type { WebGPUBackend } from '../webgpu-backend';
import { grid1d } from '../webgpu-backend';
import { kernel } from './util';

export type RqVariant = 'simple' | 'workgroup';
export const RQ_VARIANTS: RqVariant[] = ['simple', 'workgroup'];

export interface NearestCodeAttrs {
  /** Force a kernel variant (tests, benchmarks); default: `pickRqVariant`. */
  variant?: RqVariant;
}

/** The default kernel on this adapter: software rasterisers run barrier-free one-thread-per-row; GPUs split K over a workgroup. */
export function pickRqVariant(be: WebGPUBackend): RqVariant {
  return be.info.isSoftware ? 'simple' : 'workgroup';
}

export const nearestCodeDef: OpDef<NearestCodeAttrs> = {
  name: 'nearestCode',
  outputs: ([x, e]) => {
    if (x.shape.length !== 2 || e.shape.length !== 2 || x.dtype !== 'f32' || e.dtype !== 'f32') {
      throw new Error(`nearestCode: x (N, d) and codebook (K, d) must be f32 matrices, got ${shapeStr(x.shape)} and ${shapeStr(e.shape)}`);
    }
    if (x.shape[1] !== e.shape[1]) throw new Error(`nearestCode: widths differ: x ${shapeStr(x.shape)} vs codebook ${shapeStr(e.shape)}`);
    if (e.shape[0] < 1) throw new Error('nearestCode: the codebook is empty');
    return [
      { shape: [x.shape[0]], dtype: 'i32' },
      { shape: [x.shape[0]], dtype: 'f32' },
    ];
  },
  cpu: ([x, e], [index, dist2], _a, m) => {
    const [N, d] = m.inputs[0].shape;
    const K = m.inputs[1].shape[0];
    nearestCodeCpu(x as Float32Array, N, d, e as Float32Array, K, index as Int32Array, dist2 as Float32Array);
  },
  webgpu: (be, [x, e], [index, dist2], attrs, m) => {
    const [N, d] = m.inputs[0].shape;
    const K = m.inputs[1].shape[0];
    const variant = attrs.variant ?? pickRqVariant(be);
    const maxWg = be.info.limits.maxComputeWorkgroupsPerDimension ?? 65535;
    const grid = grid1d(variant === 'simple' ? Math.ceil(N / 64) : N, maxWg);
    be.run(kernel(`rq-assign:${variant}`, [src], {}, variant === 'simple' ? 'simple' : 'wg_reduce'), [x, e, index, dist2], [N, K, d, grid[0]], grid);
  },
  // Large calls take the GEMM path: the dot products X·Eᵀ on the (threaded) matmul kernel, then
  // nearest_code_rescore (wasm/optim.c) re-scores only the codewords within a rounding bound of the best with
  // nearest_code's exact arithmetic, so both paths return the same indices and distances bit for bit (rq-assign.test.ts).
  wasm: (be, [x, e], [index, dist2], _a, m) => {
    const [N, d] = m.inputs[0].shape;
    const K = m.inputs[1].shape[0];
    if (K < 8 || N * K * d < WASM_GEMM_MIN_WORK) {
      be.k.nearest_code(be.ptr(x), be.ptr(e), be.ptr(index), be.ptr(dist2), N, K, d);
      return;
    }
    const rows = Math.max(1, Math.min(N, Math.floor(WASM_GEMM_DOT_FLOATS / K)));
    const dot = be.alloc(rows * K, 'f32');
    try {
      for (let r0 = 0; r0 < N; r0 += rows) {
        const r = Math.min(rows, N - r0);
        const xp = be.ptr(x) + r0 * d * 4;
        be.k.matmul(xp, be.ptr(e), be.ptr(dot), r, K, d, 1, 0, 0, 0, 1, be.scratch(be.k.matmul_scratch(K)));
        be.k.nearest_code_rescore(xp, be.ptr(e), be.ptr(dot), be.ptr(index) + r0 * 4, be.ptr(dist2) + r0 * 4, r, K, d, be.scratch(K));
      }
    } finally {
      be.release(dot);
    }
  },
  backward: 'nondiff',
};

/** f32 squared distance of row n of x to codeword k, accumulated in j order (the kernel's arithmetic). */
function exactDist2(x: Float32Array, n: number, e: Float32Array, k: number, d: number): number {
  let acc = 0;
  for (let j = 0; j < d; j++) {
    const t = Math.fround(x[n * d + j] - e[k * d + j]);
    acc = Math.fround(acc + Math.fround(t * t));
  }
  return acc;
}

/**
 * CPU nearest codeword through ‖x‖² − 2x·c + ‖c‖²: the codebook is transposed once to (d, K) and every row's dot
 * products with all K codewords are one pass over the row's non-zeros (axpy into K accumulators — a matmul
 * x·Cᵀ that skips the zeros of the sparse feature rows). The expanded form is computed in f64; every codeword within
 * a small margin of the best approximate distance is then re-scored with the exact f32 j-order difference loop, so
 * the index and dist2 equal the direct reference (and the WGSL kernel's arithmetic) except for genuine f32 near-ties.
 */
export function nearestCodeCpu(x: Float32Array, N: number, d: number, e: Float32Array, K: number, index: Int32Array, dist2: Float32Array): void {
  const ct = new Float64Array(d * K); // (d, K)
  const cn = new Float64Array(K);
  for (let k = 0; k < K; k++)
    for (let j = 0; j < d; j++) {
      const v = e[k * d + j];
      ct[j * K + k] = v;
      cn[k] += v * v;
    }
  let cmax = 0;
  for (let k = 0; k < K; k++) cmax = Math.max(cmax, cn[k]);
  const dot = new Float64Array(K);
  const approx = new Float64Array(K);
  for (let n = 0; n < N; n++) {
    dot.fill(0);
    let xn = 0;
    const o = n * d;
    for (let j = 0; j < d; j++) {
      const v = x[o + j];
      if (v === 0) continue;
      xn += v * v;
      const row = j * K;
      for (let k = 0; k < K; k++) dot[k] += v * ct[row + k];
    }
    let best = Infinity;
    for (let k = 0; k < K; k++) {
      const a = xn - 2 * dot[k] + cn[k];
      approx[k] = a;
      if (a < best) best = a;
    }
    // margin: f32 rounding of the exact loop plus f64 cancellation in the expanded form, relative to the magnitudes
    const margin = 1e-5 * (xn + cmax) + 1e-30;
    let bd = Infinity;
    let bk = -1;
    for (let k = 0; k < K; k++) {
      if (approx[k] > best + margin) continue;
      const acc = exactDist2(x, n, e, k, d);
      // same rule as the kernel's better(): smaller, or equal and no candidate yet (k ascends)
      if (acc < bd || (acc === bd && bk < 0)) {
        bd = acc;
        bk = k;
      }
    }
    index[n] = bk;
    dist2[n] = bd;
  }
}

/** wasm: multiply-adds from which the GEMM path is taken, and the dot-product block it works in (floats). */
export const WASM_GEMM_MIN_WORK = 1 << 16;
const WASM_GEMM_DOT_FLOATS = 1 << 22;

/** Nearest codeword per row: [index i32 (N), squared distance f32 (N)]; ties go to the lowest codeword index. */
export function nearestCode(x: Tensor, codebook: Tensor, opts: NearestCodeAttrs = {}): [Tensor, Tensor] {
  const [index, dist2] = runOp(nearestCodeDef, [x, codebook], { variant: opts.variant });
  return [index, dist2];
}
