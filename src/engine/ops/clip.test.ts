import { describe, it, expect } from 'vitest';
import { cpuBackend, expectClose, randn, testGpu, testBackends } from '../testing';
import { clipGradNorm, gradClipScale } from './clip';
import { setBackend, tensor, tidyAsync } from '../tensor';
import type { Backend } from '../backend';

// sizes: tiny, ragged, and > 64*256 (several elements per thread in clip-sumsq.wgsl), plus an empty tensor
const sizes = [[3], [17, 5], [20011], [0]];
const data = (scale: number) => sizes.map((s, i) => randn(s.reduce((a, b) => a * b, 1), 50 + i, scale));

async function clipOn(be: Backend, scale: number, maxNorm: number, apply = true) {
  setBackend(be);
  return tidyAsync(async () => {
    const gs = data(scale).map((d, i) => tensor(d, sizes[i], 'f32', be));
    if (apply) {
      const norm = clipGradNorm(gs, maxNorm);
      return { norm: (await norm.data())[0], scale: NaN, grads: await Promise.all(gs.map((g) => g.data())) };
    }
    const r = gradClipScale(gs, maxNorm);
    return { norm: (await r.norm.data())[0], scale: (await r.scale.data())[0], grads: await Promise.all(gs.map((g) => g.data())) };
  });
}

function norm64(arrs: ArrayLike<number>[]): number {
  let s = 0;
  for (const a of arrs) for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

describe('clipGradNorm', () => {
  it('clips: GPU = CPU = f64 reference; the clipped grads have norm maxNorm', async () => {
    const gpu = await testGpu();
    const orig = data(1);
    const n0 = norm64(orig);
    const maxNorm = 5;
    expect(n0).toBeGreaterThan(maxNorm);
    const factor = maxNorm / (n0 + 1e-6);
    for (const be of [cpuBackend, ...(await testBackends())]) {
      const r = await clipOn(be, 1, maxNorm);
      expect(Math.abs(r.norm - n0) / n0, `${be.kind} norm`).toBeLessThan(1e-5);
      r.grads.forEach((g, i) => expectClose(g, orig[i].map((x) => x * factor), 1e-6, 1e-5, `${be.kind} grad ${i}`));
      expect(Math.abs(norm64(r.grads) - maxNorm)).toBeLessThan(1e-4);
    }
  });

  it('no clip when the norm is below maxNorm: grads are bitwise unchanged', async () => {
    const gpu = await testGpu();
    const orig = data(1e-3);
    const n0 = norm64(orig);
    for (const be of [cpuBackend, ...(await testBackends())]) {
      const r = await clipOn(be, 1e-3, 1.0);
      expect(Math.abs(r.norm - n0) / n0).toBeLessThan(1e-5);
      r.grads.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(orig[i])));
    }
  });

  it('gradClipScale returns norm and factor without touching the grads', async () => {
    const gpu = await testGpu();
    const orig = data(1);
    const n0 = norm64(orig);
    for (const be of [cpuBackend, ...(await testBackends())]) {
      const r = await clipOn(be, 1, 2, false);
      expect(Math.abs(r.scale - 2 / (n0 + 1e-6))).toBeLessThan(1e-6);
      r.grads.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(orig[i])));
    }
  });

  it('empty list: norm 0; negative maxNorm and duplicated grads are rejected', async () => {
    const gpu = await testGpu();
    for (const be of [cpuBackend, ...(await testBackends())]) {
      setBackend(be);
      expect(await tidyAsync(async () => (await clipGradNorm([], 1).data())[0])).toBe(0);
    }
    setBackend(cpuBackend);
    expect(() => clipGradNorm([tensor([1], [1])], -1)).toThrow(/maxNorm must be a finite number >= 0/);
    const g = tensor([1, 2], [2]);
    expect(() => clipGradNorm([g, g.reshapeView([1, 2])], 1)).toThrow(/listed twice/);
  });
});
