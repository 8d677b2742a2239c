// l2Normalize(x, eps) over the last axis (y = x / max(‖x‖, eps), as PyTorch F.normalize) with fused forward and
// backward kernels, and cosineSim(a (N, d), b (M, d)) -> (N, M) = normalize(a) · normalize(b)ᵀ.
// Kernel: kernels/normalize.wgsl (row-wise, variants in ops/rows.ts).
import fileSrc from '../../../kernels/normalize.wgsl?raw';
import rowStats from '../../../kernels/row-stats.wgsl?raw';
import type { OpDef } from '../op';
import { shapeStr } from '../op';
import { runOp, type Tensor } from '../tensor';
import { f32 } from '../webgpu-backend';
import { f32meta } from './util';
import { pickRowVariant, rowsCols, runRows, type RowVariant } from './rows';
import { matmul } from './matmul';

/** The kernel file with the shared row statistics (one WGSL module). */
const src = [rowStats, fileSrc].join('\n');

interface NormAttrs {
  eps: number;
  /** Force a kernel variant (tests); default from `pickRowVariant`. */
  variant?: RowVariant;
}

function normCpu(x: ArrayLike<number>, base: number, D: number): number {
  let s = 0;
  for (let c = 0; c < D; c++) s += x[base + c] * x[base + c];
  return Math.sqrt(s);
}

export const l2NormalizeDef: OpDef<NormAttrs> = {
  name: 'l2Normalize',
  outputs: ([x]) => {
    if (x.dtype !== 'f32' || x.shape.length === 0) throw new Error(`l2Normalize: f32 input of rank >= 1 required, got ${shapeStr(x.shape)}:${x.dtype}`);
    return [f32meta(x.shape)];
  },
  cpu: ([x], [y], { eps }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    for (let r = 0; r < rows; r++) {
      const inv = 1 / Math.max(normCpu(x, r * D, D), eps);
      for (let c = 0; c < D; c++) y[r * D + c] = x[r * D + c] * inv;
    }
  },
  webgpu: (be, [x], [y], { eps, variant }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    const v = variant ?? pickRowVariant(be, D);
    runRows(be, { name: 'normalize', src, entry: 'forward', rows, variant: v, buffers: [x, y], params: (gx) => [rows, D, gx, f32(eps)] });
  },
  wasm: (be, [x], [y], { eps }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    be.k.l2norm_rows(be.ptr(x), be.ptr(y), rows, D, eps);
  },
  backward: ({ inputs: [x], grads: [g], attrs }) => [runOp(l2NormalizeGradDef, [x, g!], attrs)[0]],
};

/** Fused backward from x and the upstream gradient. */
export const l2NormalizeGradDef: OpDef<NormAttrs> = {
  name: 'l2NormalizeGrad',
  outputs: ([x]) => [f32meta(x.shape)],
  cpu: ([x, g], [dx], { eps }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    for (let r = 0; r < rows; r++) {
      const b = r * D;
      const n = normCpu(x, b, D);
      const inv = 1 / Math.max(n, eps);
      let s = 0;
      for (let c = 0; c < D; c++) s += g[b + c] * x[b + c] * inv;
      const k = n > eps ? s : 0;
      for (let c = 0; c < D; c++) dx[b + c] = (g[b + c] - x[b + c] * inv * k) * inv;
    }
  },
  webgpu: (be, [x, g], [dx], { eps, variant }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    const v = variant ?? pickRowVariant(be, D);
    runRows(be, { name: 'normalize', src, entry: 'backward', rows, variant: v, buffers: [x, g, dx], params: (gx) => [rows, D, gx, f32(eps)] });
  },
  wasm: (be, [x, g], [dx], { eps }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    be.k.l2norm_grad_rows(be.ptr(x), be.ptr(g), be.ptr(dx), rows, D, eps);
  },
  backward: 'nondiff',
};

/** x / max(‖x‖₂, eps) over the last axis. */
export function l2Normalize(x: Tensor, eps = 1e-12, variant?: RowVariant): Tensor {
  return runOp(l2NormalizeDef, [x], { eps, variant })[0];
}

/** Cosine similarity of every row of a (N, d) with every row of b (M, d): (N, M). */
export function cosineSim(a: Tensor, b: Tensor, eps = 1e-12): Tensor {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[1]) {
    throw new Error(`cosineSim: a (N, d) and b (M, d) required, got ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  return matmul(l2Normalize(a, eps), l2Normalize(b, eps), { transB: true });
}
