import { describe, expect, it } from 'vitest';
import fixture from '../../../fixtures/layernorm.json';
import type { Backend } from '../backend';
import { grad } from '../autograd';
import { mul, sumTo } from './elementwise';
import { setBackend, tensor, tidyAsync } from '../tensor';
import { checkFiniteDiff, checkGpuVsCpu, cpuBackend, evaluate, expectClose, f, testBackends } from '../testing';
import { layerNorm } from './layernorm';
import { ROW_VARIANTS } from './rows';

// D = 1, 7, 64, 257; rows spanning several 64-row weight-gradient chunks (130)
const shapes = [[1, 1], [3, 7], [2, 2, 64], [2, 257], [130, 5]];

interface Case { name: string; eps: number; x: { data: number[]; shape: number[] }; weight: number[]; bias: number[]; out: number[]; lossWeight: number[]; grads: { x: number[]; weight: number[]; bias: number[] } }

async function vsTorch(be: Backend, c: Case) {
  setBackend(be);
  await tidyAsync(async () => {
    const D = c.weight.length;
    const x = tensor(Float32Array.from(c.x.data), c.x.shape, 'f32', be);
    const w = tensor(Float32Array.from(c.weight), [D], 'f32', be);
    const b = tensor(Float32Array.from(c.bias), [D], 'f32', be);
    for (const t of [x, w, b]) t.requiresGrad = true;
    const y = layerNorm(x, w, b, c.eps);
    const loss = sumTo(mul(y, tensor(Float32Array.from(c.lossWeight), c.x.shape, 'f32', be)), [1]);
    const [gx, gw, gb] = grad(loss, [x, w, b]);
    expectClose(await y.data(), c.out, 1e-4, 1e-3, `${c.name} out`);
    expectClose(await gx!.data(), c.grads.x, 2e-4, 2e-3, `${c.name} dx`);
    expectClose(await gw!.data(), c.grads.weight, 2e-4, 2e-3, `${c.name} dweight`);
    expectClose(await gb!.data(), c.grads.bias, 2e-4, 2e-3, `${c.name} dbias`);
  });
}

describe('layerNorm', () => {
  for (const v of ROW_VARIANTS) {
    it(`${v}: GPU = CPU for values and gradients (x, weight, bias)`, async () => {
      for (const [i, s] of shapes.entries()) {
        const D = s[s.length - 1];
        await checkGpuVsCpu((x: any, w: any, b: any) => layerNorm(x, w, b, 1e-5, v), [f(s, 30 + i, 2), f([D], 50 + i), f([D], 70 + i)], { atol: 3e-4, rtol: 3e-3 });
      }
    });
  }
  it('gradients match finite differences', async () => {
    await checkFiniteDiff((x: any, w: any, b: any) => layerNorm(x, w, b), [f([4, 6], 1), f([6], 2), f([6], 3)], { eps: 1e-3, samples: 8 });
    await checkFiniteDiff((x: any, w: any, b: any) => layerNorm(x, w, b, 0.5), [f([2, 3], 4), f([3], 5), f([3], 6)], { eps: 1e-3 });
  });
  it('CPU reference and every backend (webgpu, wasm) match PyTorch (values and gradients)', async () => {
    const cases = (fixture as { cases: Case[] }).cases;
    expect(cases.length).toBeGreaterThanOrEqual(4);
    const backends = await testBackends();
    for (const c of cases) {
      await vsTorch(cpuBackend, c);
      for (const be of backends) await vsTorch(be, c);
    }
  });
  it('rejects a bias of the wrong length', async () => {
    await expect(evaluate(cpuBackend, (x, w, b) => layerNorm(x, w, b), [f([2, 4], 1), f([4], 2), f([5], 3)])).rejects.toThrow(/layerNorm: x \(\.\.\., D\), weight \(D\) and bias \(D\)/);
  });
});
