import { describe, it, expect } from 'vitest';
import { checkFiniteDiff, checkGpuVsCpu, cpuBackend, evaluate, f, ints, testGpu, type Input, testBackends } from '../testing';
import { crossEntropy, type Reduction } from './cross-entropy';
import { ROW_VARIANTS } from './rows';

/** Targets in [0, C) with every third row set to ignoreIndex. */
function targets(N: number, C: number, seed: number, ignore = -100): Input {
  const t = ints([N], C, seed);
  for (let i = 0; i < N; i += 3) t.data[i] = ignore;
  return t;
}
// (N, C): class counts 1, 7, 64, 257, 300 and 70 rows (more than one 64-row workgroup in the thread variant)
const shapes = [[1, 1], [5, 7], [4, 64], [3, 257], [2, 300], [70, 5]];

describe('crossEntropy', () => {
  for (const reduction of ['mean', 'sum', 'none'] as Reduction[]) {
    for (const v of ROW_VARIANTS) {
      it(`${reduction} (${v}): GPU = CPU for values and gradients, with ignored rows`, async () => {
        for (const [i, [N, C]] of shapes.entries()) {
          await checkGpuVsCpu((x: any, t: any) => crossEntropy(x, t, { reduction, variant: v }), [f([N, C], 40 + i, 2), targets(N, C, 60 + i)], {
            atol: 1e-4,
            rtol: 1e-3,
          });
        }
      });
    }
    it(`${reduction}: gradients match finite differences`, async () => {
      await checkFiniteDiff((x: any, t: any) => crossEntropy(x, t, { reduction, ignoreIndex: 2 }), [f([6, 4], 1), targets(6, 4, 2, 2)], { eps: 1e-3, samples: 10 });
    });
  }

  it('matches -log softmax[target] on a hand example, mean over non-ignored rows only', async () => {
    const x = { data: new Float32Array([0, 0, Math.log(3), 5, 5, 5]), shape: [2, 3] };
    for (const be of [cpuBackend, ...(await testBackends())]) {
      const { outs } = await evaluate(be, (l, t) => crossEntropy(l, t), [x, { data: new Int32Array([2, -100]), shape: [2], grad: false }], false);
      expect(outs[0][0]).toBeCloseTo(Math.log(5 / 3), 5);
      const all = await evaluate(be, (l, t) => crossEntropy(l, t), [x, { data: new Int32Array([-100, -100]), shape: [2], grad: false }]);
      expect(all.outs[0][0]).toBe(0);
      expect([...all.grads[0]!].every((z) => z === 0)).toBe(true);
    }
  });

  it('logits of ±1e3 give finite loss and gradients', async () => {
    const x = { data: new Float32Array([1000, -1000, 0, -1000, 1000, 999]), shape: [2, 3] };
    const t = { data: new Int32Array([1, 2]), shape: [2], grad: false };
    for (const be of [cpuBackend, ...(await testBackends())]) {
      for (const v of ROW_VARIANTS) {
        const { outs, grads } = await evaluate(be, (l, tt) => crossEntropy(l, tt, { reduction: 'none', variant: v }), [x, t]);
        expect(outs[0][0]).toBeCloseTo(2000, 2);
        expect(outs[0][1]).toBeCloseTo(Math.log(1 + Math.exp(1)), 4);
        expect([...grads[0]!].every(Number.isFinite)).toBe(true);
      }
    }
  });

  it('out-of-range targets: a clear error on CPU, ignored on GPU', async () => {
    const x = f([3, 4], 3);
    const bad = { data: new Int32Array([1, 4, 2]), shape: [3], grad: false };
    await expect(evaluate(cpuBackend, (l, t) => crossEntropy(l, t), [x, bad])).rejects.toThrow(/target 4 at row 1 is outside \[0, 4\)/);
    const gpu = await testGpu();
    const got = await evaluate(gpu, (l, t) => crossEntropy(l, t), [x, bad]);
    const ref = await evaluate(cpuBackend, (l, t) => crossEntropy(l, t), [x, { ...bad, data: new Int32Array([1, -100, 2]) }]);
    expect(got.outs[0][0]).toBeCloseTo(ref.outs[0][0], 5);
    expect(Math.max(...got.grads[0]!.map((z, i) => Math.abs(z - ref.grads[0]![i])))).toBeLessThan(1e-6);
  });

  it('rejects mismatched shapes and dtypes', async () => {
    await expect(evaluate(cpuBackend, (l, t) => crossEntropy(l, t), [f([3, 4], 1), ints([2], 4, 1)])).rejects.toThrow(/crossEntropy: logits \(N, C\) f32/);
    await expect(evaluate(cpuBackend, (l, t) => crossEntropy(l, t), [f([3, 4], 1), f([3], 1)])).rejects.toThrow(/targets \(N\) i32/);
  });
});
