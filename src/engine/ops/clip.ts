// Global gradient-norm clipping (torch.nn.utils.clip_grad_norm_, L2): total norm over every gradient,
// clip factor min(1, maxNorm / (norm + 1e-6)), applied in place — all on the GPU, no readback.
// Kernels: kernels/clip-sumsq.wgsl (per-tensor partial sums of squares into one small buffer, ≤ 64 per tensor),
// kernels/clip-finalize.wgsl (norm and factor in one workgroup), kernels/clip-scale.wgsl (in-place g *= factor).
// Everything is summed in a fixed order, so the result is deterministic.
import sumsqSrc from '../../../kernels/clip-sumsq.wgsl?raw';
import finalizeSrc from '../../../kernels/clip-finalize.wgsl?raw';
import scaleSrc from '../../../kernels/clip-scale.wgsl?raw';
import segSrc from '../../../kernels/clip-sumsq-segments.wgsl?raw';
import commonSrc from '../../../kernels/clip-common.wgsl?raw';
import type { OpDef } from '../op';
import type { Storage } from '../backend';
import type { WasmBackend } from '../wasm-backend';
import { runOp, tensor, type Tensor } from '../tensor';
import { f32 } from '../webgpu-backend';
import { dispatch1d, kernel } from './util';

export interface ClipAttrs {
  maxNorm: number;
  /** Scale the gradients in place (clipGradNorm) or only compute norm and factor (gradClipScale). */
  apply: boolean;
}

/** Workgroups of clip-sumsq.wgsl for a tensor of n elements (≥ 1 so empty tensors still write their partial). */
const partialGroups = (n: number) => Math.min(64, Math.max(1, Math.ceil(n / 256)));

export const clipGradNormDef: OpDef<ClipAttrs> = {
  name: 'clipGradNorm',
  outputs: (ins, { maxNorm }) => {
    ins.forEach((g, i) => {
      if (g.dtype !== 'f32') throw new Error(`clipGradNorm: gradient ${i} is ${g.dtype}, expected f32`);
    });
    if (!(maxNorm >= 0) || !Number.isFinite(maxNorm)) throw new Error(`clipGradNorm: maxNorm must be a finite number >= 0, got ${maxNorm}`);
    return [
      { shape: [1], dtype: 'f32' },
      { shape: [1], dtype: 'f32' },
    ];
  },
  cpu: (grads, [norm, scale], { maxNorm, apply }) => {
    let s = 0;
    for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
    norm[0] = Math.sqrt(s);
    scale[0] = Math.min(1, maxNorm / (norm[0] + 1e-6));
    if (apply) for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= scale[0];
  },
  webgpu: (be, grads, [norm, scale], { maxNorm, apply }) => {
    const groups = grads.map((g) => partialGroups(g.size));
    const P = groups.reduce((a, b) => a + b, 0);
    const partials = be.alloc(Math.max(1, P), 'f32');
    let base = 0;
    grads.forEach((g, i) => {
      be.run(kernel('clip-sumsq', [commonSrc, sumsqSrc]), [g, partials], [g.size, base, 0, 0], [groups[i]]);
      base += groups[i];
    });
    be.run(kernel('clip-finalize', [commonSrc, finalizeSrc]), [partials, norm, scale], [P, f32(maxNorm), 0, 0], [1]);
    if (apply) {
      for (const g of grads) {
        const { grid, gx } = dispatch1d(be, g.size);
        be.run(kernel('clip-scale', [scaleSrc]), [scale, g], [g.size, gx, 0, 0], grid);
      }
    }
    be.release(partials);
  },
  wasm: (be, grads, [norm, scale], { maxNorm, apply }) => {
    let s = 0;
    for (const g of grads) s += be.k.sumsq(be.ptr(g), g.size);
    const f = writeClip(be, norm, scale, s, maxNorm);
    if (apply) for (const g of grads) be.k.scale_inplace(be.ptr(g), g.size, f);
  },
  backward: 'nondiff',
};

/**
 * Clip the global L2 norm of `grads` to `maxNorm` IN PLACE (factor min(1, maxNorm / (norm + 1e-6)), as PyTorch).
 * Returns the total norm before clipping as a (1) f32 tensor (still on the device: read it only when needed).
 */
export function clipGradNorm(grads: Tensor[], maxNorm: number): Tensor {
  if (new Set(grads.map((g) => g.storage)).size !== grads.length) {
    throw new Error('clipGradNorm: the same gradient storage is listed twice (it would be counted and scaled twice)');
  }
  const [norm, scale] = runOp(clipGradNormDef, grads, { maxNorm, apply: true });
  scale.dispose();
  return norm;
}

/**
 * Like clipGradNorm but leaves the gradients untouched: returns the total norm and the clip factor, both (1) f32,
 * e.g. to pass the factor to `adamwStep(..., { gradScale })` and save a pass over the gradients.
 */
export function gradClipScale(grads: Tensor[], maxNorm: number): { norm: Tensor; scale: Tensor } {
  const [norm, scale] = runOp(clipGradNormDef, grads, { maxNorm, apply: false });
  return { norm, scale };
}

// ------------------------------------------------------------------ flat arenas (the optimizer's fused path)

/** One tensor's slot in a flat buffer: `size` elements from element `offset`. */
export interface Segment {
  offset: number;
  size: number;
}

export interface ClipSegmentsAttrs {
  maxNorm: number;
  segments: readonly Segment[];
}

/**
 * Per-workgroup rows (start, n, w, G) for clip-sumsq-segments.wgsl: the same G = partialGroups(n) workgroups per
 * segment as the per-tensor path, so the partial sums (and the norm) are bitwise identical to it.
 */
export function segmentTable(segments: readonly Segment[]): Int32Array {
  const rows: number[] = [];
  for (const s of segments) {
    const G = partialGroups(s.size);
    for (let w = 0; w < G; w++) rows.push(s.offset, s.size, w, G);
  }
  return Int32Array.from(rows.length ? rows : [0, 0, 0, 1]);
}

/** wasm: the norm sqrt(sumSq) and the factor min(1, maxNorm / (norm + 1e-6)) into their (1) outputs; returns the factor. */
function writeClip(be: WasmBackend, norm: Storage, scale: Storage, sumSq: number, maxNorm: number): number {
  const n = Math.sqrt(sumSq);
  const f = Math.min(1, maxNorm / (n + 1e-6));
  be.arr(norm)[0] = n;
  be.arr(scale)[0] = f;
  return f;
}

export const clipSegmentsDef: OpDef<ClipSegmentsAttrs> = {
  name: 'clipSegments',
  outputs: ([g, table], { maxNorm, segments }) => {
    if (g.dtype !== 'f32') throw new Error(`clipSegments: the flat gradient is ${g.dtype}, expected f32`);
    if (!table || table.dtype !== 'i32') throw new Error('clipSegments: the segment table must be an i32 tensor (segmentTable)');
    const n = g.shape.reduce((a, b) => a * b, 1);
    for (const s of segments) {
      if (s.offset < 0 || s.size < 0 || s.offset + s.size > n) throw new Error(`clipSegments: segment [${s.offset}, +${s.size}) is outside the flat gradient of ${n} elements`);
    }
    const rows = segments.reduce((a, s) => a + partialGroups(s.size), 0);
    if (table.shape.reduce((a, b) => a * b, 1) !== 4 * Math.max(1, rows)) throw new Error('clipSegments: the segment table does not match the segments');
    if (!(maxNorm >= 0) || !Number.isFinite(maxNorm)) throw new Error(`clipSegments: maxNorm must be a finite number >= 0, got ${maxNorm}`);
    return [
      { shape: [1], dtype: 'f32' },
      { shape: [1], dtype: 'f32' },
    ];
  },
  cpu: ([g], [norm, scale], { maxNorm, segments }) => {
    let s = 0;
    for (const seg of segments) for (let i = seg.offset; i < seg.offset + seg.size; i++) s += g[i] * g[i];
    norm[0] = Math.sqrt(s);
    scale[0] = Math.min(1, maxNorm / (norm[0] + 1e-6));
  },
  webgpu: (be, [g, table], [norm, scale], { maxNorm, segments }) => {
    const P = segments.reduce((a, s) => a + partialGroups(s.size), 0);
    const partials = be.alloc(Math.max(1, P), 'f32');
    if (P > 0) {
      const { grid, gx } = dispatch1d(be, P * 256);
      be.run(kernel('clip-sumsq-segments', [commonSrc, segSrc]), [g, table, partials], [P, gx, 0, 0], grid);
    }
    be.run(kernel('clip-finalize', [commonSrc, finalizeSrc]), [partials, norm, scale], [P, f32(maxNorm), 0, 0], [1]);
    be.release(partials);
  },
  wasm: (be, [g], [norm, scale], { maxNorm, segments }) => {
    const base = be.ptr(g);
    let s = 0;
    for (const seg of segments) s += be.k.sumsq(base + 4 * seg.offset, seg.size);
    writeClip(be, norm, scale, s, maxNorm);
  },
  backward: 'nondiff',
};

/**
 * Global-norm clip factor over segments of ONE flat gradient tensor (2 dispatches, whatever the number of segments):
 * returns the norm and min(1, maxNorm / (norm + 1e-6)), both (1) f32, as `gradClipScale` over the segments would.
 * `table` is `segmentTable(segments)` uploaded once (pass it to avoid an upload per call).
 */
export function gradClipScaleFlat(flat: Tensor, segments: readonly Segment[], maxNorm: number, table?: Tensor): { norm: Tensor; scale: Tensor } {
  let t = table;
  if (!t) {
    const rows = segmentTable(segments);
    t = tensor(rows, [rows.length], 'i32', flat.backend);
  }
  const [norm, scale] = runOp(clipSegmentsDef, [flat, t], { maxNorm, segments });
  if (!table) t.dispose();
  return { norm, scale };
}
