import { describe, it, expect } from 'vitest';
import { checkFiniteDiff, checkGpuVsCpu, evaluate, cpuBackend, f, testGpu } from '../testing';
import { rmsNorm } from './rmsnorm';
import { ROW_VARIANTS } from './rows';

// [x shape]: D = 1, 7, 64, 257, 300; rows spanning several 64-row weight-gradient chunks (130)
const shapes = [[1, 1], [3, 7], [2, 2, 64], [2, 257], [1, 300], [130, 5]];

describe('rmsNorm', () => {
  for (const v of ROW_VARIANTS) {
    it(`${v}: GPU = CPU for values and gradients (x and weight)`, async () => {
      for (const [i, s] of shapes.entries()) {
        const w = f([s[s.length - 1]], 50 + i);
        await checkGpuVsCpu((x: any, wt: any) => rmsNorm(x, wt, 1e-6, v), [f(s, 30 + i), w], { atol: 2e-4, rtol: 2e-3 });
      }
    });
  }
  it('gradients match finite differences', async () => {
    await checkFiniteDiff((x: any, w: any) => rmsNorm(x, w), [f([4, 6], 1), f([6], 2)], { eps: 1e-3, samples: 8 });
    await checkFiniteDiff((x: any, w: any) => rmsNorm(x, w, 0.5), [f([2, 3], 3), f([3], 4)], { eps: 1e-3 });
  });
  it('normalises rows to unit RMS (weight 1) and is deterministic', async () => {
    const gpu = await testGpu();
    const x = f([3, 300], 5, 10);
    const one = { data: new Float32Array(300).fill(1), shape: [300] };
    const a = await evaluate(gpu, (x, w) => rmsNorm(x, w), [x, one]);
    const b = await evaluate(gpu, (x, w) => rmsNorm(x, w), [x, one]);
    for (let r = 0; r < 3; r++) {
      const row = a.outs[0].slice(r * 300, r * 300 + 300);
      expect(Math.sqrt(Array.from(row).reduce((s, z) => s + z * z, 0) / 300)).toBeCloseTo(1, 4);
    }
    expect([...b.grads[1]!]).toEqual([...a.grads[1]!]);
  });
  it('rejects a weight of the wrong length', async () => {
    await expect(evaluate(cpuBackend, (x, w) => rmsNorm(x, w), [f([2, 4], 1), f([5], 2)])).rejects.toThrow(/rmsNorm: x \(\.\.\., D\) and weight \(D\)/);
  });
});
