// softmax(x) and logSoftmax(x) over the last axis: max-subtracted (stable for logits of any magnitude),
// with a fused backward kernel. Kernel: kernels/softmax.wgsl (row-wise, variants in ops/rows.ts).
import src from '../../../kernels/softmax.wgsl?raw';
import type { OpDef } from '../op';
import { runOp, type Tensor } from '../tensor';
import { f32meta, sameShape } from './util';
import { pickRowVariant, rowsCols, runRows, type RowVariant } from './rows';

interface SoftmaxAttrs {
  log: boolean;
  /** Force a kernel variant (tests); default from `pickRowVariant`. */
  variant?: RowVariant;
}

/** CPU reference for one row: writes softmax or log-softmax of x[base, base+C) into y. */
export function softmaxRow(x: ArrayLike<number>, y: Float32Array | Float64Array, base: number, C: number, log: boolean): void {
  let m = -Infinity;
  for (let c = 0; c < C; c++) m = Math.max(m, x[base + c]);
  let s = 0;
  for (let c = 0; c < C; c++) s += Math.exp(x[base + c] - m);
  const lse = m + Math.log(s);
  for (let c = 0; c < C; c++) y[base + c] = log ? x[base + c] - lse : Math.exp(x[base + c] - lse);
}

export const softmaxDef: OpDef<SoftmaxAttrs> = {
  name: 'softmax',
  outputs: ([x], { log }) => {
    if (x.dtype !== 'f32' || x.shape.length === 0) throw new Error(`${log ? 'logSoftmax' : 'softmax'}: f32 input of rank >= 1 required`);
    return [f32meta(x.shape)];
  },
  cpu: ([x], [y], { log }, m) => {
    const { rows, cols } = rowsCols(m.inputs[0].shape);
    for (let r = 0; r < rows; r++) softmaxRow(x, y as Float32Array, r * cols, cols, log);
  },
  webgpu: (be, [x], [y], { log, variant }, m) => {
    const { rows, cols } = rowsCols(m.inputs[0].shape);
    const v = variant ?? pickRowVariant(be, cols);
    runRows(be, { name: 'softmax', src, entry: 'forward', rows, variant: v, buffers: [x, y], params: (gx) => [rows, cols, gx, log ? 1 : 0] });
  },
  wasm: (be, [x], [y], { log }, m) => {
    const { rows, cols } = rowsCols(m.inputs[0].shape);
    be.k.softmax_rows(be.ptr(x), be.ptr(y), rows, cols, log ? 1 : 0);
  },
  backward: ({ outputs: [y], grads: [g], attrs }) => [runOp(softmaxGradDef, [y, g!], attrs)[0]],
};

/** Fused backward from the forward output y and upstream gradient g. */
export const softmaxGradDef: OpDef<SoftmaxAttrs> = {
  name: 'softmaxGrad',
  outputs: ([y, g]) => {
    if (!sameShape(y.shape, g.shape)) throw new Error('softmaxGrad: y and g shapes differ');
    return [f32meta(y.shape)];
  },
  cpu: ([y, g], [dx], { log }, m) => {
    const { rows, cols } = rowsCols(m.inputs[0].shape);
    for (let r = 0; r < rows; r++) {
      const b = r * cols;
      let s = 0;
      for (let c = 0; c < cols; c++) s += log ? g[b + c] : g[b + c] * y[b + c];
      for (let c = 0; c < cols; c++) dx[b + c] = log ? g[b + c] - Math.exp(y[b + c]) * s : y[b + c] * (g[b + c] - s);
    }
  },
  webgpu: (be, [y, g], [dx], { log, variant }, m) => {
    const { rows, cols } = rowsCols(m.inputs[0].shape);
    const v = variant ?? pickRowVariant(be, cols);
    runRows(be, { name: 'softmax', src, entry: 'backward', rows, variant: v, buffers: [y, g, dx], params: (gx) => [rows, cols, gx, log ? 1 : 0] });
  },
  wasm: (be, [y, g], [dx], { log }, m) => {
    const { rows, cols } = rowsCols(m.inputs[0].shape);
    be.k.softmax_grad_rows(be.ptr(y), be.ptr(g), be.ptr(dx), rows, cols, log ? 1 : 0);
  },
  backward: 'nondiff',
};

/** Softmax over the last axis. */
export function softmax(x: Tensor, variant?: RowVariant): Tensor {
  return runOp(softmaxDef, [x], { log: false, variant })[0];
}
/** Log-softmax over the last axis (x - logsumexp(x)). */
export function logSoftmax(x: Tensor, variant?: RowVariant): Tensor {
  return runOp(softmaxDef, [x], { log: true, variant })[0];
}
