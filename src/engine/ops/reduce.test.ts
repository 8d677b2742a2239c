import { describe, it, expect } from 'vitest';
import { checkFiniteDiff, checkGpuVsCpu, cpuBackend, evaluate, f, testGpu, testBackends } from '../testing';
import { max, mean, sum, type ReduceVariant } from './reduce';
import { tensor, setBackend } from '../tensor';

// [shape, axis] pairs: last axis, first axis, middle, all, multiple contiguous, non-contiguous, negative,
// reduce lengths 1, 7, 257, 300 (not multiples of the 256-thread workgroup).
const cases: [number[], number | number[] | undefined][] = [
  [[1], undefined],
  [[3, 7], -1],
  [[7, 3], 0],
  [[2, 257], 1],
  [[300, 2], 0],
  [[2, 3, 5], 1],
  [[2, 3, 5], [0, 2]],
  [[2, 1, 3, 4], [0, 2]],
  [[2, 3, 4, 5], [1, 2]],
  [[3, 4, 5], undefined],
  [[4, 1], [-2, -1]],
];

describe('reduce', () => {
  for (const [name, fn] of [
    ['sum', sum],
    ['mean', mean],
    ['max', max],
  ] as const) {
    for (const variant of ['serial', 'tree'] as ReduceVariant[]) {
      it(`${name} (${variant}): GPU = CPU for values and gradients, keepDims both ways`, async () => {
        for (const [i, [shape, axis]] of cases.entries()) {
          await checkGpuVsCpu((x: any) => fn(x, axis, i % 2 === 0, variant), [f(shape, 10 + i)], { atol: 2e-4, rtol: 1e-3 });
        }
      });
    }
    it(`${name}: gradients match finite differences`, async () => {
      for (const [shape, axis] of [
        [[3, 4], 1],
        [[3, 4, 2], [0, 2]],
        [[5], undefined],
      ] as const) {
        await checkFiniteDiff((x: any) => fn(x, axis as any), [f([...shape], 3)], { eps: 1e-3 });
      }
    });
  }

  it('output shapes follow keepDims and negative axes', async () => {
    setBackend(cpuBackend);
    const x = tensor(new Float32Array(24), [2, 3, 4]);
    expect(sum(x).shape).toEqual([]);
    expect(sum(x, -1).shape).toEqual([2, 3]);
    expect(mean(x, [0, -1], true).shape).toEqual([1, 3, 1]);
    expect(max(x, 1).shape).toEqual([2, 4]);
    expect(() => sum(x, 3)).toThrow(/axis 3 out of range/);
  });

  it('max sends the gradient to the first of tied elements, on CPU and GPU', async () => {
    const data = new Float32Array([1, 5, 5, 2, 7, 7, 7, 0]);
    for (const be of [cpuBackend, ...(await testBackends())]) {
      for (const v of ['serial', 'tree'] as ReduceVariant[]) {
        const { outs, grads } = await evaluate(be, (x) => max(x, 1, false, v), [{ data, shape: [2, 4] }]);
        expect([...outs[0]]).toEqual([5, 7]);
        const g = grads[0]!;
        expect([...g].map((z) => z !== 0)).toEqual([false, true, false, false, true, false, false, false]);
      }
      // over both axes: the first 7 in row-major order
      const { grads } = await evaluate(be, (x) => max(x), [{ data, shape: [2, 4] }]);
      expect([...grads[0]!].map((z) => z !== 0)).toEqual([false, false, false, false, true, false, false, false]);
    }
  });

  it('long reductions stay accurate (sum of 70000 values)', async () => {
    const n = 70000;
    const data = new Float32Array(n).fill(0.5);
    for (const v of ['serial', 'tree'] as ReduceVariant[]) {
      const { outs } = await evaluate(await testGpu(), (x) => sum(x, undefined, false, v), [{ data, shape: [n] }], false);
      expect(outs[0][0]).toBeCloseTo(35000, 1);
    }
  });
});
