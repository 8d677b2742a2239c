import { describe, it, expect } from 'vitest';
import { checkFiniteDiff, checkGpuVsCpu, cpuBackend, evaluate, f, testGpu, testBackends } from '../testing';
import { cosineSim, l2Normalize } from './normalize';
import { ROW_VARIANTS } from './rows';

const shapes = [[1], [3, 7], [2, 2, 64], [2, 257], [1, 300], [70, 3]];

describe('l2Normalize / cosineSim', () => {
  for (const v of ROW_VARIANTS) {
    it(`l2Normalize (${v}): GPU = CPU for values and gradients`, async () => {
      for (const [i, s] of shapes.entries()) await checkGpuVsCpu((x: any) => l2Normalize(x, 1e-12, v), [f(s, 70 + i)], { atol: 1e-5, rtol: 1e-3 });
    });
  }
  it('gradients match finite differences (above and below eps)', async () => {
    await checkFiniteDiff((x: any) => l2Normalize(x), [f([3, 5], 1)], { eps: 1e-3, samples: 10 });
    // rows with norm below eps = 10: y = x / eps is linear
    await checkFiniteDiff((x: any) => l2Normalize(x, 10), [f([2, 3], 2)], { eps: 1e-3 });
    await checkGpuVsCpu((x: any) => l2Normalize(x, 10), [f([2, 3], 2)]);
  });
  it('rows have unit norm; a zero row stays zero with finite gradients', async () => {
    const data = new Float32Array([3, 4, 0, 0, 0, 0]);
    for (const be of [cpuBackend, ...(await testBackends())]) {
      const { outs, grads } = await evaluate(be, (x) => l2Normalize(x), [{ data, shape: [2, 3] }]);
      expect([...outs[0]].map((z) => +z.toFixed(6))).toEqual([0.6, 0.8, 0, 0, 0, 0]);
      expect([...grads[0]!].every(Number.isFinite)).toBe(true);
    }
  });
  it('cosineSim: GPU = CPU, finite differences, and values in [-1, 1]', async () => {
    await checkGpuVsCpu((a: any, b: any) => cosineSim(a, b), [f([5, 7], 1), f([3, 7], 2)]);
    await checkFiniteDiff((a: any, b: any) => cosineSim(a, b), [f([4, 3], 3), f([2, 3], 4)], { eps: 1e-3 });
    const { outs } = await evaluate(cpuBackend, (a) => cosineSim(a, a), [f([4, 6], 5)], false);
    for (let i = 0; i < 4; i++) expect(outs[0][i * 5]).toBeCloseTo(1, 5);
    expect(() => cosineSim({ rank: 2, shape: [2, 3] } as any, { rank: 2, shape: [2, 4] } as any)).toThrow(/cosineSim/);
  });
});
