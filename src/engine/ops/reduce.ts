// Reductions: sum, mean, max over any set of axes (negative axes allowed; undefined = all axes).
// Kernels: kernels/reduce.wgsl (forward, two variants) and kernels/reduce-max-grad.wgsl (max backward).
//
// One op call reduces one contiguous run of axes: x is viewed as (outer, red, inner) and reduced over `red`.
// The frontend merges the requested axes into runs (size-1 axes between them join a run) and composes
// one call per run, last run first. Composition is exact for sum and max; for mean it is the mean of
// equal-sized group means, i.e. the mean. Max ties go to the first index in row-major order: each call
// keeps the lowest index, and composing last-run-first keeps the lexicographically first element.
import src from '../../../kernels/reduce.wgsl?raw';
import maxGradSrc from '../../../kernels/reduce-max-grad.wgsl?raw';
import { sizeOf, type Storage } from '../backend';
import type { OpDef } from '../op';
import { shapeStr } from '../op';
import { reshape, runOp, type Tensor } from '../tensor';
import { grid1d, type WebGPUBackend } from '../webgpu-backend';
import { broadcastTo, scale } from './elementwise';
import { dispatch1d, f32meta, kernel } from './util';

export type ReduceKind = 'sum' | 'mean' | 'max';
export type ReduceVariant = 'serial' | 'tree';
const KIND_ID: Record<ReduceKind, string> = { sum: '0u', mean: '1u', max: '2u' };

interface ReduceAttrs {
  kind: ReduceKind;
  /** Reduced axes [start, end) of the input; the output keeps them as size 1. */
  start: number;
  end: number;
  /** Force a kernel variant (tests, benchmarks); default from `pickReduceVariant`. */
  variant?: ReduceVariant;
}

/** (outer, red, inner) of `shape` for the axis run [start, end). */
function split(shape: readonly number[], start: number, end: number) {
  return { outer: sizeOf(shape.slice(0, start)), red: sizeOf(shape.slice(start, end)), inner: sizeOf(shape.slice(end)) };
}

/**
 * The kernel for a reduction of length `red` on this adapter. Short axes (< 256): one thread per output.
 * Long axes: the workgroup tree on real GPUs (256 threads share one output, so even a handful of outputs
 * fill the machine, and neighbouring threads read neighbouring elements). On SwiftShader the serial loop
 * wins by far, because a workgroup there runs on one CPU thread and each barrier is a full sync:
 *   outer×red (inner 1)   serial    tree      (median of 10 dispatches, Dawn + SwiftShader, 2 cores)
 *   8×4096                0.8 ms    5.6 ms
 *   2×65536               3.6 ms    3.0 ms
 *   64×1024               4.0 ms    75 ms
 *   4096×300              13 ms     2850 ms
 */
export function pickReduceVariant(be: WebGPUBackend, red: number): ReduceVariant {
  return red >= 256 && !be.info.isSoftware ? 'tree' : 'serial';
}

/**
 * Encode a reduction of `x` viewed as (outer, red, inner) into `out` (outer*inner) and, for max, `idx`.
 * Exported for fused ops that finish with a deterministic reduction (rmsNorm's weight gradient).
 */
export function encodeReduce(
  be: WebGPUBackend,
  kind: ReduceKind,
  x: Storage,
  out: Storage,
  idx: Storage | null,
  d: { outer: number; red: number; inner: number },
  variant: ReduceVariant = pickReduceVariant(be, d.red),
): void {
  const n = d.outer * d.inner;
  const entry = `${variant}_${idx ? 'arg' : 'value'}`;
  const spec = kernel(`reduce:${kind}:${entry}`, [src], { KIND_ID: KIND_ID[kind] }, entry);
  const grid: [number, number] = variant === 'tree' ? grid1d(n, be.info.limits.maxComputeWorkgroupsPerDimension) : dispatch1d(be, n).grid;
  be.run(spec, idx ? [x, out, idx] : [x, out], [d.outer, d.red, d.inner, grid[0]], grid);
}

export const reduceDef: OpDef<ReduceAttrs> = {
  name: 'reduce',
  outputs: ([x], { kind, start, end }) => {
    if (x.dtype !== 'f32') throw new Error(`${kind}: f32 input required, got ${x.dtype}`);
    const shape = x.shape.map((d, i) => (i >= start && i < end ? 1 : d));
    if (kind !== 'sum' && sizeOf(x.shape.slice(start, end)) === 0) throw new Error(`${kind}: cannot reduce an empty axis of ${shapeStr(x.shape)}`);
    return kind === 'max' ? [f32meta(shape), { shape, dtype: 'i32' }] : [f32meta(shape)];
  },
  cpu: ([x], [out, idx], { kind, start, end }, m) => {
    const { outer, red, inner } = split(m.inputs[0].shape, start, end);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * red * inner + j;
        let acc = kind === 'max' ? -Infinity : 0;
        let arg = 0;
        for (let r = 0; r < red; r++) {
          const v = x[base + r * inner];
          if (kind !== 'max') acc += v;
          else if (v > acc || r === 0) {
            acc = v;
            arg = r;
          }
        }
        out[o * inner + j] = kind === 'mean' ? acc / red : acc;
        if (idx) idx[o * inner + j] = arg;
      }
    }
  },
  webgpu: (be, [x], [out, idx], { kind, start, end, variant }, m) => {
    const d = split(m.inputs[0].shape, start, end);
    encodeReduce(be, kind, x, out, idx ?? null, d, variant ?? pickReduceVariant(be, d.red));
  },
  wasm: (be, [x], [out, idx], { kind, start, end }, m) => {
    const { outer, red, inner } = split(m.inputs[0].shape, start, end);
    be.k.reduce_axis(kind === 'sum' ? 0 : kind === 'mean' ? 1 : 2, be.ptr(x), be.ptr(out), idx ? be.ptr(idx) : 0, outer, red, inner);
  },
  backward: ({ inputs: [x], outputs: [, idx], grads: [g], attrs: { kind, start, end } }) => {
    if (kind === 'max') return [runOp(reduceMaxGradDef, [g!, idx], { start, end, shape: x.shape })[0]];
    const gb = broadcastTo(g!, x.shape);
    return [kind === 'mean' ? scale(gb, 1 / split(x.shape, start, end).red) : gb];
  },
};

/** dx for max: the upstream gradient at the recorded argmax, zeros elsewhere. */
export const reduceMaxGradDef: OpDef<{ start: number; end: number; shape: readonly number[] }> = {
  name: 'reduceMaxGrad',
  outputs: (_, { shape }) => [f32meta(shape)],
  cpu: ([g, idx], [dx], { start, end, shape }) => {
    const { outer, red, inner } = split(shape, start, end);
    dx.fill(0);
    for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) dx[(o * red + idx[o * inner + j]) * inner + j] = g[o * inner + j];
  },
  webgpu: (be, [g, idx], [dx], { start, end, shape }) => {
    const { outer, red, inner } = split(shape, start, end);
    const { grid, gx } = dispatch1d(be, dx.size);
    be.run(kernel('reduceMaxGrad', [maxGradSrc]), [g, idx, dx], [outer, red, inner, gx], grid);
  },
  wasm: (be, [g, idx], [dx], { start, end, shape }) => {
    const { outer, red, inner } = split(shape, start, end);
    be.k.reduce_max_grad(be.ptr(g), be.ptr(idx), be.ptr(dx), outer, red, inner);
  },
  backward: 'nondiff',
};

/** Sorted unique non-negative axes; undefined = all. */
export function normAxes(op: string, axis: number | number[] | undefined, rank: number): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(axis) ? axis : [axis];
  if (list.length === 0) throw new Error(`${op}: empty axis list (pass undefined to reduce over all axes)`);
  const out = list.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) throw new Error(`${op}: axis ${a} out of range for rank ${rank}`);
    return a < 0 ? a + rank : a;
  });
  return [...new Set(out)].sort((a, b) => a - b);
}

/** Contiguous runs [start, end) covering `axes`; size-1 axes between two requested axes join the run. */
function runs(axes: number[], shape: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const a of axes) {
    const last = out[out.length - 1];
    if (last && shape.slice(last[1], a).every((d) => d === 1)) last[1] = a + 1;
    else out.push([a, a + 1]);
  }
  return out;
}

function reduce(kind: ReduceKind, x: Tensor, axis: number | number[] | undefined, keepDims: boolean, variant?: ReduceVariant): Tensor {
  const axes = normAxes(kind, axis, x.rank);
  const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
  const rs = x.rank === 0 ? [[0, 0] as [number, number]] : runs(axes, x.shape);
  let y = x;
  for (let k = rs.length - 1; k >= 0; k--) y = runOp(reduceDef, [y], { kind, start: rs[k][0], end: rs[k][1], variant })[0];
  return reshape(y, outShape);
}

export const sum = (x: Tensor, axis?: number | number[], keepDims = false, variant?: ReduceVariant) => reduce('sum', x, axis, keepDims, variant);
export const mean = (x: Tensor, axis?: number | number[], keepDims = false, variant?: ReduceVariant) => reduce('mean', x, axis, keepDims, variant);
/** Max over axes; the gradient flows to the first maximal element (row-major order) of each reduced group. */
export const max = (x: Tensor, axis?: number | number[], keepDims = false, variant?: ReduceVariant) => reduce('max', x, axis, keepDims, variant);
