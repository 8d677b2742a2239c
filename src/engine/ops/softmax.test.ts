import { describe, it, expect } from 'vitest';
import { checkFiniteDiff, checkGpuVsCpu, cpuBackend, evaluate, f, testGpu, testBackends } from '../testing';
import { logSoftmax, softmax } from './softmax';
import { ROW_VARIANTS } from './rows';

// row lengths 1, 7, 64, 257, 300 (around and past the 64-lane workgroup), several leading shapes
const shapes = [[1], [3, 7], [2, 2, 64], [2, 257], [300], [5, 1]];

describe('softmax / logSoftmax', () => {
  for (const [name, fn] of [
    ['softmax', softmax],
    ['logSoftmax', logSoftmax],
  ] as const) {
    for (const v of ROW_VARIANTS) {
      it(`${name} (${v}): GPU = CPU for values and gradients`, async () => {
        for (const [i, s] of shapes.entries()) await checkGpuVsCpu((x: any) => fn(x, v), [f(s, 20 + i, 3)], { atol: 1e-5, rtol: 1e-3 });
      });
    }
    it(`${name}: gradients match finite differences`, async () => {
      await checkFiniteDiff((x: any) => fn(x), [f([3, 5], 4)], { eps: 1e-3 });
    });
    it(`${name}: logits of ±1e3 stay finite and exact on CPU and GPU`, async () => {
      const data = new Float32Array([1000, -1000, 999, 0, -1000, -1000, 1000, 1000]);
      for (const be of [cpuBackend, ...(await testBackends())]) {
        for (const v of ROW_VARIANTS) {
          const { outs, grads } = await evaluate(be, (x) => fn(x, v), [{ data, shape: [2, 4] }]);
          for (const z of [...outs[0], ...grads[0]!]) expect(Number.isFinite(z)).toBe(true);
          // float64 reference: x - m - log(Σ exp(x - m)) per row
          const want = [0, 4].flatMap((b) => {
            const row = [...data.slice(b, b + 4)];
            const m = Math.max(...row);
            const lse = m + Math.log(row.reduce((a, z) => a + Math.exp(z - m), 0));
            return row.map((z) => (name === 'softmax' ? Math.exp(z - lse) : z - lse));
          });
          outs[0].forEach((z, k) => expect(z).toBeCloseTo(want[k], name === 'softmax' ? 6 : 3));
        }
      }
    });
  }
  it('rows sum to one', async () => {
    const { outs } = await evaluate(await testGpu(), (x) => softmax(x), [f([4, 300], 9, 5)], false);
    for (let r = 0; r < 4; r++) expect(Array.from(outs[0].slice(r * 300, r * 300 + 300)).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});
