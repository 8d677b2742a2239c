import { describe, it, expect } from 'vitest';
import { cpuBackend, expectClose, randn, testGpu, testBackends } from '../testing';
import { adamwStep, type AdamwOptions } from './adamw';
import { setBackend, tensor, tidyAsync } from '../tensor';
import type { Backend } from '../backend';

const opts: Omit<AdamwOptions, 'step'> = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };

/** Run `steps` AdamW updates with fresh gradients each step; returns [p, m, v]. */
async function run(be: Backend, n: number, steps: number, o = opts, scaleValue?: number) {
  setBackend(be);
  return tidyAsync(async () => {
    const p = tensor(randn(n, 1), [n], 'f32', be);
    const m = tensor(new Float32Array(n), [n], 'f32', be);
    const v = tensor(new Float32Array(n), [n], 'f32', be);
    const s = scaleValue === undefined ? undefined : tensor([scaleValue], [1], 'f32', be);
    for (let step = 1; step <= steps; step++) {
      const g = tensor(randn(n, 100 + step, 0.5), [n], 'f32', be);
      adamwStep(p, g, m, v, { ...o, step, gradScale: s });
    }
    return Promise.all([p.data(), m.data(), v.data()]);
  });
}

/** Independent f64 reference written straight from the PyTorch algorithm. */
function reference(n: number, steps: number, o = opts, scale = 1) {
  const p = Array.from(randn(n, 1));
  const m = new Array(n).fill(0);
  const v = new Array(n).fill(0);
  for (let t = 1; t <= steps; t++) {
    const g = randn(n, 100 + t, 0.5);
    for (let i = 0; i < n; i++) {
      const gi = g[i] * scale;
      p[i] *= 1 - o.lr * o.weightDecay;
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * gi;
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * gi * gi;
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - o.beta2 ** t) + o.eps;
      p[i] -= (o.lr / (1 - o.beta1 ** t)) * (m[i] / denom);
    }
  }
  return [p, m, v];
}

describe('adamwStep', () => {
  it('GPU = CPU = f64 reference over several steps (n not a multiple of 256)', async () => {
    const gpu = await testGpu();
    const n = 1000;
    const ref = reference(n, 5);
    const cpu = await run(cpuBackend, n, 5);
    const got = await run(gpu, n, 5);
    ['p', 'm', 'v'].forEach((name, k) => {
      expectClose(cpu[k], ref[k], 1e-6, 1e-5, `cpu ${name}`);
      expectClose(got[k], cpu[k], 1e-6, 1e-5, `gpu ${name}`);
    });
  });

  it('gradScale multiplies the gradient (same as pre-scaled grads), and weightDecay = 0 is plain Adam', async () => {
    const gpu = await testGpu();
    const n = 300;
    for (const be of [cpuBackend, ...(await testBackends())]) {
      const got = await run(be, n, 3, opts, 0.25);
      const ref = reference(n, 3, opts, 0.25);
      ['p', 'm', 'v'].forEach((name, k) => expectClose(got[k], ref[k], 1e-6, 1e-5, `${be.kind} scaled ${name}`));
      const noWd = { ...opts, weightDecay: 0 };
      const got2 = await run(be, n, 2, noWd);
      expectClose(got2[0], reference(n, 2, noWd)[0], 1e-6, 1e-5, `${be.kind} no weight decay`);
    }
  });

  it('rejects mismatched shapes, a bad step and a non-scalar gradScale', () => {
    setBackend(cpuBackend);
    const p = tensor([1, 2], [2]);
    const z = () => tensor([0, 0], [2]);
    expect(() => adamwStep(p, tensor([1, 2, 3], [3]), z(), z(), { ...opts, step: 1 })).toThrow(/g f32 \[3\] must be f32 of the parameter's shape \[2\]/);
    expect(() => adamwStep(p, z(), z(), z(), { ...opts, step: 0 })).toThrow(/step must be an integer >= 1/);
    expect(() => adamwStep(p, z(), z(), z(), { ...opts, step: 1, gradScale: z() })).toThrow(/gradScale must be an f32 tensor with one element/);
    const m = z();
    expect(() => adamwStep(p, z(), m, m, { ...opts, step: 1 })).toThrow(/four distinct tensors/);
  });
});
