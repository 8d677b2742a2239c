// Per-row top-k for beam search over log-probabilities: topk(x (R, C), k) -> [values f32 (R, k), indices i32 (R, k)],
// sorted descending, ties -> lower column index. Non-differentiable. k ≤ 64 (TOPK_MAX) and k ≤ C. NaN inputs are not
// supported (no strict order); -Infinity (masked beams) is fine.
// Kernel: kernels/topk.wgsl (local top-k per thread + rank-by-binary-search merge; templated on KMAX/WG). Two variants
// of the same kernel, picked in `pickTopkVariant`: 'pool' (WG = 1024/KMAX threads per row: long rows on real GPUs)
// and 'row' (WG = 1: one invocation scans its row; no pool merge — software adapters, and rows of ≤ 512 columns such
// as a beam's B·K candidates, where the pool's 1024-way rank merge costs far more than the scan).
import src from '../../../kernels/topk.wgsl?raw';
import type { OpDef } from '../op';
import { shapeStr } from '../op';
import { runOp, type Tensor } from '../tensor';
import { grid1d } from '../webgpu-backend';
import { kernel } from './util';

export const TOPK_MAX = 64;

export type TopkVariant = 'pool' | 'row';
export const TOPK_VARIANTS: TopkVariant[] = ['pool', 'row'];

export interface TopkAttrs {
  k: number;
  /** force a variant (tests, benchmarks); default `pickTopkVariant` */
  variant?: TopkVariant;
}

/** 'row' on software adapters (SwiftShader: barriers and workgroup memory are expensive) and for short rows. */
export function pickTopkVariant(be: { info: { isSoftware: boolean } }, C: number): TopkVariant {
  return be.info.isSoftware || C <= 512 ? 'row' : 'pool';
}

/** Strict output order: (value desc, index asc). */
const before = (av: number, ai: number, bv: number, bi: number) => av > bv || (av === bv && ai < bi);

export const topkDef: OpDef<TopkAttrs> = {
  name: 'topk',
  outputs: ([x], { k }) => {
    if (x.shape.length !== 2 || x.dtype !== 'f32') throw new Error(`topk: x must be an f32 matrix (R, C), got ${x.dtype} ${shapeStr(x.shape)}`);
    const C = x.shape[1];
    if (!Number.isInteger(k) || k < 1) throw new Error(`topk: k must be a positive integer, got ${k}`);
    if (k > C) throw new Error(`topk: k=${k} is larger than the row length C=${C}`);
    if (k > TOPK_MAX) throw new Error(`topk: k=${k} exceeds the supported maximum of ${TOPK_MAX}`);
    return [
      { shape: [x.shape[0], k], dtype: 'f32' },
      { shape: [x.shape[0], k], dtype: 'i32' },
    ];
  },
  cpu: ([x], [values, indices], { k }, m) => {
    const [R, C] = m.inputs[0].shape;
    const order = new Int32Array(C);
    for (let r = 0; r < R; r++) {
      const o = r * C;
      for (let c = 0; c < C; c++) order[c] = c;
      order.sort((a, b) => (before(x[o + a], a, x[o + b], b) ? -1 : before(x[o + b], b, x[o + a], a) ? 1 : 0));
      for (let j = 0; j < k; j++) {
        values[r * k + j] = x[o + order[j]];
        indices[r * k + j] = order[j];
      }
    }
  },
  webgpu: (be, [x], [values, indices], { k, variant }, m) => {
    const [R, C] = m.inputs[0].shape;
    const kmax = k <= 8 ? 8 : k <= 16 ? 16 : k <= 32 ? 32 : 64;
    const wg = (variant ?? pickTopkVariant(be, C)) === 'row' ? 1 : 1024 / kmax;
    const grid = grid1d(R, be.info.limits.maxComputeWorkgroupsPerDimension ?? 65535);
    const spec = kernel(`topk:${kmax}:${wg}`, [src], { __KMAX__: String(kmax), __WG__: String(wg) });
    be.run(spec, [x, values, indices], [R, C, k, grid[0]], grid);
  },
  wasm: (be, [x], [values, indices], { k }, m) => {
    const [R, C] = m.inputs[0].shape;
    be.k.topk_rows(be.ptr(x), be.ptr(values), be.ptr(indices), R, C, k);
  },
  backward: 'nondiff',
};

/** The k largest entries of each row, descending (ties -> lower index): [values (R, k), indices i32 (R, k)]. */
export function topk(x: Tensor, k: number, variant?: TopkVariant): [Tensor, Tensor] {
  const [values, indices] = runOp(topkDef, [x], { k, variant });
  return [values, indices];
}
