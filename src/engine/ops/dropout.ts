// dropout(x, p, seed): inverted dropout, y = x · mask / (1 − p), mask_i = [hash(i ^ hash(seed)) ≥ p · 2³²].
// Deterministic and seeded: the mask depends only on (seed, element index), identical on CPU and WebGPU; the backward
// rule is dropout of the gradient with the same seed (no mask stored). p = 0 (or eval mode) is the identity copy.
// Kernels: kernels/dropout.wgsl; wasm: wasm/shape.c (`dropout`).
import src from '../../../kernels/dropout.wgsl?raw';
import type { OpDef } from '../op';
import { runOp, type Tensor } from '../tensor';
import { f32 } from '../webgpu-backend';
import { dispatch1d, f32meta, kernel } from './util';

interface DropoutAttrs {
  p: number;
  seed: number;
}

/** The lowbias32 integer hash (same as kernels/dropout.wgsl). */
export function lowbias32(v: number): number {
  let h = v >>> 0;
  h ^= h >>> 16; h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15; h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

const threshold = (p: number) => Math.min(0xffffffff, Math.floor(p * 4294967296));

export const dropoutDef: OpDef<DropoutAttrs> = {
  name: 'dropout',
  outputs: ([x], { p }) => {
    if (x.dtype !== 'f32') throw new Error('dropout: x must be f32');
    if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
    return [f32meta(x.shape)];
  },
  cpu: ([x], [y], { p, seed }) => {
    const sh = lowbias32(seed), th = threshold(p), scale = Math.fround(1 / (1 - p));
    for (let i = 0; i < x.length; i++) y[i] = lowbias32((i ^ sh) >>> 0) >= th ? x[i] * scale : 0;
  },
  webgpu: (be, [x], [y], { p, seed }) => {
    const n = x.size;
    const { grid, gx } = dispatch1d(be, n);
    be.run(kernel('dropout', [src]), [x, y], [n, gx, lowbias32(seed), threshold(p), f32(1 / (1 - p)), 0, 0, 0], grid);
  },
  wasm: (be, [x], [y], { p, seed }) => be.k.dropout(be.ptr(x), be.ptr(y), x.size, lowbias32(seed), threshold(p), Math.fround(1 / (1 - p))),
  backward: ({ grads: [g], attrs }) => [runOp(dropoutDef, [g!], attrs)[0]],
};

/** Inverted dropout with a seeded, deterministic mask; x itself when p = 0. Vary `seed` per call and step. */
export function dropout(x: Tensor, p: number, seed: number): Tensor {
  if (p === 0) return x;
  return runOp(dropoutDef, [x], { p, seed: seed >>> 0 })[0];
}

/** A fresh seed for dropout call `k` of training step `step` of a run seeded with `base`. */
export function dropoutSeed(base: number, step: number, k: number): number {
  return lowbias32((lowbias32((base ^ Math.imul(step, 0x9e3779b1)) >>> 0) + k) >>> 0);
}
