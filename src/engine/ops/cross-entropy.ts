// crossEntropy(logits (N, C), targets i32 (N), {ignoreIndex, reduction}): fused log-softmax + NLL.
// 'mean' averages over the rows whose target is not ignoreIndex (0 when every row is ignored, where PyTorch
// gives NaN: a fully-masked batch then contributes nothing instead of poisoning training); 'sum' sums them;
// 'none' returns the (N) per-row losses (0 on ignored rows).
// Targets outside [0, C) that are not ignoreIndex: the CPU reference throws a clear error; the GPU cannot raise
// one without a readback, so it treats such rows as ignored (not counted in the mean). Validate on the CPU side
// (the data pipeline) when that matters.
// Backward: dlogits = (softmax(logits) - onehot(target)) * g / count, fused in one kernel.
// Kernel: kernels/cross-entropy.wgsl (row-wise, variants in ops/rows.ts).
import src from '../../../kernels/cross-entropy.wgsl?raw';
import type { OpDef } from '../op';
import { shapeStr } from '../op';
import { runOp, type Tensor } from '../tensor';
import { i32 } from '../webgpu-backend';
import { f32meta } from './util';
import { pickRowVariant, runRows, type RowVariant } from './rows';

export type Reduction = 'mean' | 'sum' | 'none';
const MODE: Record<Reduction, number> = { none: 0, sum: 1, mean: 2 };

interface CeAttrs {
  ignoreIndex: number;
  reduction: Reduction;
  /** Force a kernel variant (tests); default from `pickRowVariant`. */
  variant?: RowVariant;
}

function checkShapes(logits: readonly number[], targets: readonly number[], ldt: string, tdt: string): { N: number; C: number } {
  if (logits.length !== 2 || targets.length !== 1 || targets[0] !== logits[0] || ldt !== 'f32' || tdt !== 'i32') {
    throw new Error(`crossEntropy: logits (N, C) f32 and targets (N) i32 required, got ${shapeStr(logits)}:${ldt} and ${shapeStr(targets)}:${tdt}`);
  }
  return { N: logits[0], C: logits[1] };
}

/** Per-row losses (0 for ignored rows) and the number of counted rows; throws on out-of-range targets. */
function cpuRows(x: ArrayLike<number>, t: ArrayLike<number>, N: number, C: number, ignore: number) {
  const loss = new Float64Array(N);
  let count = 0;
  for (let i = 0; i < N; i++) {
    if (t[i] === ignore) continue;
    if (t[i] < 0 || t[i] >= C) throw new Error(`crossEntropy: target ${t[i]} at row ${i} is outside [0, ${C}) and is not ignoreIndex (${ignore})`);
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, x[i * C + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(x[i * C + c] - m);
    loss[i] = m + Math.log(s) - x[i * C + t[i]];
    count++;
  }
  return { loss, count };
}

/** Throws like the CPU reference on a target outside [0, C) that is not ignoreIndex; returns the counted rows. */
function checkTargets(t: ArrayLike<number>, N: number, C: number, ignore: number): number {
  let count = 0;
  for (let i = 0; i < N; i++) {
    if (t[i] === ignore) continue;
    if (t[i] < 0 || t[i] >= C) throw new Error(`crossEntropy: target ${t[i]} at row ${i} is outside [0, ${C}) and is not ignoreIndex (${ignore})`);
    count++;
  }
  return count;
}

export const crossEntropyDef: OpDef<CeAttrs> = {
  name: 'crossEntropy',
  outputs: ([l, t], { reduction }) => {
    const { N } = checkShapes(l.shape, t.shape, l.dtype, t.dtype);
    return [f32meta(reduction === 'none' ? [N] : [])];
  },
  cpu: ([x, t], [out], { ignoreIndex, reduction }, m) => {
    const [N, C] = m.inputs[0].shape;
    const { loss, count } = cpuRows(x, t, N, C, ignoreIndex);
    if (reduction === 'none') out.set(loss);
    else {
      const s = loss.reduce((a, b) => a + b, 0);
      out[0] = reduction === 'sum' ? s : s / Math.max(count, 1);
    }
  },
  webgpu: (be, [x, t], [out], { ignoreIndex, reduction, variant }, m) => {
    const [N, C] = m.inputs[0].shape;
    const v = variant ?? pickRowVariant(be, C);
    const params = (gx: number) => [N, C, gx, i32(ignoreIndex), MODE[reduction]];
    if (reduction === 'none') {
      runRows(be, { name: 'cross-entropy', src, entry: 'rows', rows: N, variant: v, buffers: [x, t, out], params });
      return;
    }
    const loss = be.alloc(Math.max(1, N), 'f32');
    runRows(be, { name: 'cross-entropy', src, entry: 'rows', rows: N, variant: v, buffers: [x, t, loss], params });
    runRows(be, { name: 'cross-entropy', src, entry: 'finish', rows: 1, variant: pickRowVariant(be, N), buffers: [loss, t, out], params });
    be.release(loss); // stream-ordered reuse: whatever overwrites it is recorded after these dispatches
  },
  wasm: (be, [x, t], [out], { ignoreIndex, reduction }, m) => {
    const [N, C] = m.inputs[0].shape;
    checkTargets(be.arr(t), N, C, ignoreIndex);
    const loss = reduction === 'none' ? out : be.alloc(Math.max(1, N), 'f32');
    const count = be.k.cross_entropy_rows(be.ptr(x), be.ptr(t), be.ptr(loss), N, C, ignoreIndex);
    if (loss !== out) {
      const l = be.arr(loss);
      let s = 0;
      for (let i = 0; i < N; i++) s += l[i];
      be.arr(out)[0] = reduction === 'sum' ? s : s / Math.max(count, 1);
      be.release(loss);
    }
  },
  backward: ({ inputs: [x, t], grads: [g], attrs }) => [runOp(crossEntropyGradDef, [x, t, g!], attrs)[0], null],
};

/** dlogits from logits, targets and the upstream gradient (scalar for 'mean'/'sum', (N) for 'none'). */
export const crossEntropyGradDef: OpDef<CeAttrs> = {
  name: 'crossEntropyGrad',
  outputs: ([l]) => [f32meta(l.shape)],
  cpu: ([x, t, g], [dx], { ignoreIndex, reduction }, m) => {
    const [N, C] = m.inputs[0].shape;
    const { count } = cpuRows(x, t, N, C, ignoreIndex);
    const p = new Float64Array(C);
    for (let i = 0; i < N; i++) {
      const k = t[i] === ignoreIndex ? 0 : reduction === 'none' ? g[i] : reduction === 'sum' ? g[0] : g[0] / Math.max(count, 1);
      let mx = -Infinity;
      for (let c = 0; c < C; c++) mx = Math.max(mx, x[i * C + c]);
      let s = 0;
      for (let c = 0; c < C; c++) s += p[c] = Math.exp(x[i * C + c] - mx);
      for (let c = 0; c < C; c++) dx[i * C + c] = (p[c] / s - (c === t[i] ? 1 : 0)) * k;
    }
  },
  webgpu: (be, [x, t, g], [dx], { ignoreIndex, reduction, variant }, m) => {
    const [N, C] = m.inputs[0].shape;
    const params = (gx: number) => [N, C, gx, i32(ignoreIndex), MODE[reduction]];
    let coef = g;
    if (reduction === 'mean') {
      coef = be.alloc(1, 'f32');
      runRows(be, { name: 'cross-entropy', src, entry: 'grad_scale', rows: 1, variant: pickRowVariant(be, N), buffers: [g, t, coef], params });
    }
    const v = variant ?? pickRowVariant(be, C);
    runRows(be, { name: 'cross-entropy', src, entry: 'grad_rows', rows: N, variant: v, buffers: [x, t, coef, dx], params });
    if (coef !== g) be.release(coef);
  },
  wasm: (be, [x, t, g], [dx], { ignoreIndex, reduction }, m) => {
    const [N, C] = m.inputs[0].shape;
    const count = checkTargets(be.arr(t), N, C, ignoreIndex);
    const scale = reduction === 'mean' ? 1 / Math.max(count, 1) : 1;
    be.k.cross_entropy_grad_rows(be.ptr(x), be.ptr(t), be.ptr(g), be.ptr(dx), N, C, ignoreIndex, reduction === 'none' ? 1 : 0, scale);
  },
  backward: 'nondiff',
};

/** Cross-entropy of logits (N, C) against class indices (N); see the file header for ignoreIndex and reductions. */
export function crossEntropy(
  logits: Tensor,
  targets: Tensor,
  opts: { ignoreIndex?: number; reduction?: Reduction; variant?: RowVariant } = {},
): Tensor {
  return runOp(crossEntropyDef, [logits, targets], { ignoreIndex: opts.ignoreIndex ?? -100, reduction: opts.reduction ?? 'mean', variant: opts.variant })[0];
}
