// Global gradient-norm clipping (torch.nn.utils.clip_grad_norm_, L2): total norm over every gradient,
// clip factor min(1, maxNorm / (norm + 1e-6)), applied in place — all on the GPU, no readback.
// Kernels: kernels/clip-sumsq.wgsl (per-tensor partial sums of squares into one small buffer, ≤ 64 per tensor),
// kernels/clip-finalize.wgsl (norm and factor in one workgroup), kernels/clip-scale.wgsl (in-place g *= factor).
// Everything is summed in a fixed order, so the result is deterministic.
import sumsqSrc from '../../../kernels/clip-sumsq.wgsl?raw';
import finalizeSrc from '../../../kernels/clip-finalize.wgsl?raw';
import scaleSrc from '../../../kernels/clip-scale.wgsl?raw';
import type { OpDef } from '../op';
import { runOp, type Tensor } from '../tensor';
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
      be.run(kernel('clip-sumsq', [sumsqSrc]), [g, partials], [g.size, base, 0, 0], [groups[i]]);
      base += groups[i];
    });
    be.run(kernel('clip-finalize', [finalizeSrc]), [partials, norm, scale], [P, f32(maxNorm), 0, 0], [1]);
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
    const n = Math.sqrt(s);
    const f = Math.min(1, maxNorm / (n + 1e-6));
    be.view(norm)[0] = n;
    be.view(scale)[0] = f;
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
