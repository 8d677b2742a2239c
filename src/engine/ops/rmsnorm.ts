// rmsNorm(x, weight, eps) over the last axis: y = x * rsqrt(mean(x²) + eps) * weight.
// Fused forward kernel; fused backward kernel for dx, and a deterministic two-stage reduction for dweight
// (per-chunk partial sums over rows, then ops/reduce's sum over chunks — no atomics, so results are reproducible).
// Kernel: kernels/rmsnorm.wgsl (row-wise, variants in ops/rows.ts).
import fileSrc from '../../../kernels/rmsnorm.wgsl?raw';
import rowStats from '../../../kernels/row-stats.wgsl?raw';
import colPartial from '../../../kernels/col-partial.wgsl?raw';
import rowThread from '../../../kernels/row-thread.wgsl?raw';
import type { OpDef } from '../op';
import { shapeStr } from '../op';
import { runOp, type Tensor } from '../tensor';
import { f32, grid1d } from '../webgpu-backend';
import { f32meta, kernel } from './util';
import { pickRowVariant, rowsCols, runRows, type RowVariant } from './rows';
import { encodeReduce } from './reduce';

/** The kernel file with the shared row statistics and column-partial grid (one WGSL module). */
const src = [rowStats, colPartial, fileSrc].join('\n');

interface RmsAttrs {
  eps: number;
  /** Force a kernel variant (tests); default from `pickRowVariant`. */
  variant?: RowVariant;
}

/** Rows per partial sum of the weight gradient. */
const DW_CHUNK = 64;

function rstdCpu(x: ArrayLike<number>, base: number, D: number, eps: number): number {
  let s = 0;
  for (let c = 0; c < D; c++) s += x[base + c] * x[base + c];
  return 1 / Math.sqrt(s / D + eps);
}

export const rmsNormDef: OpDef<RmsAttrs> = {
  name: 'rmsNorm',
  outputs: ([x, w]) => {
    const D = x.shape[x.shape.length - 1];
    if (x.dtype !== 'f32' || w.dtype !== 'f32' || x.shape.length === 0 || w.shape.length !== 1 || w.shape[0] !== D) {
      throw new Error(`rmsNorm: x (..., D) and weight (D) f32 required, got ${shapeStr(x.shape)} and ${shapeStr(w.shape)}`);
    }
    return [f32meta(x.shape)];
  },
  cpu: ([x, w], [y], { eps }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    for (let r = 0; r < rows; r++) {
      const b = r * D;
      const rs = rstdCpu(x, b, D, eps);
      for (let c = 0; c < D; c++) y[b + c] = x[b + c] * rs * w[c];
    }
  },
  webgpu: (be, [x, w], [y], { eps, variant }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    const v = variant ?? pickRowVariant(be, D);
    runRows(be, { name: 'rmsnorm', src, entry: 'forward', rows, variant: v, buffers: [x, w, y], params: (gx) => [rows, D, gx, f32(eps), 0, 0] });
  },
  wasm: (be, [x, w], [y], { eps }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    be.k.rmsnorm_rows(be.ptr(x), be.ptr(w), be.ptr(y), rows, D, eps);
  },
  backward: ({ inputs: [x, w], grads: [g], attrs }) => {
    const [dx, dw] = runOp(rmsNormGradDef, [x, w, g!], attrs);
    return [x.requiresGrad ? dx : null, w.requiresGrad ? dw : null];
  },
};

/** Fused backward: [dx (..., D), dweight (D)] from x, weight and the upstream gradient. */
export const rmsNormGradDef: OpDef<RmsAttrs> = {
  name: 'rmsNormGrad',
  outputs: ([x, w]) => [f32meta(x.shape), f32meta(w.shape)],
  cpu: ([x, w, g], [dx, dw], { eps }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    const acc = new Float64Array(D);
    for (let r = 0; r < rows; r++) {
      const b = r * D;
      const rs = rstdCpu(x, b, D, eps);
      let s = 0;
      for (let c = 0; c < D; c++) s += g[b + c] * w[c] * x[b + c];
      const k = (s * rs * rs * rs) / D;
      for (let c = 0; c < D; c++) {
        dx[b + c] = rs * w[c] * g[b + c] - x[b + c] * k;
        acc[c] += g[b + c] * x[b + c] * rs;
      }
    }
    dw.set(acc);
  },
  webgpu: (be, [x, w, g], [dx, dw], { eps, variant }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    const v = variant ?? pickRowVariant(be, D);
    const nchunks = Math.max(1, Math.ceil(rows / DW_CHUNK));
    const rstd = be.alloc(Math.max(1, rows), 'f32');
    const part = be.alloc(nchunks * D, 'f32');
    runRows(be, { name: 'rmsnorm', src, entry: 'backward', rows, variant: v, buffers: [x, w, g, dx, rstd], params: (gx) => [rows, D, gx, f32(eps), DW_CHUNK, nchunks] });
    const grid = grid1d(Math.ceil((nchunks * D) / 64), be.info.limits.maxComputeWorkgroupsPerDimension);
    const spec = kernel('rmsnorm:dw_partial', [rowThread, src], {}, 'dw_partial');
    be.run(spec, [x, g, rstd, part], [rows, D, grid[0], f32(eps), DW_CHUNK, nchunks], grid);
    encodeReduce(be, 'sum', part, dw, null, { outer: 1, red: nchunks, inner: D });
    // reuse is stream-ordered: later writers of these pooled buffers are recorded after the dispatches above
    be.release(rstd);
    be.release(part);
  },
  wasm: (be, [x, w, g], [dx, dw], { eps }, m) => {
    const { rows, cols: D } = rowsCols(m.inputs[0].shape);
    be.k.rmsnorm_grad_rows(be.ptr(x), be.ptr(w), be.ptr(g), be.ptr(dx), be.ptr(dw), rows, D, eps);
  },
  backward: 'nondiff',
};

/** RMSNorm over the last axis: x * rsqrt(mean(x²) + eps) * weight. */
export function rmsNorm(x: Tensor, weight: Tensor, eps = 1e-6, variant?: RowVariant): Tensor {
  return runOp(rmsNormDef, [x, weight], { eps, variant })[0];
}
