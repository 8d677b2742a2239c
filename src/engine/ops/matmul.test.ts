import { describe, it } from 'vitest';
import { checkFiniteDiff, checkGpuVsCpu, f } from '../testing';
import { matmul, MATMUL_VARIANTS } from './matmul';

const cases: { a: number[]; b: number[]; tA?: boolean; tB?: boolean }[] = [
  { a: [5, 7], b: [7, 3] },
  { a: [33, 17], b: [17, 65] },
  { a: [17, 33], b: [17, 65], tA: true },
  { a: [33, 17], b: [65, 17], tB: true },
  { a: [17, 33], b: [65, 17], tA: true, tB: true },
  { a: [3, 9, 12], b: [3, 12, 70] },
  { a: [2, 3, 9, 12], b: [12, 5] },
  { a: [9, 12], b: [4, 12, 5] },
  { a: [70, 130], b: [130, 67] },
];

describe('matmul', () => {
  for (const v of MATMUL_VARIANTS) {
    it(`${v}: GPU = CPU reference for values and gradients (transposes, batch broadcast, ragged sizes)`, async () => {
      for (const [i, c] of cases.entries()) {
        const fn = (x: any, y: any) => matmul(x, y, { transA: c.tA, transB: c.tB, variant: v });
        await checkGpuVsCpu(fn, [f(c.a, i), f(c.b, 100 + i)], { atol: 5e-4, rtol: 2e-3 });
      }
    });
  }
  it('gradients match finite differences', async () => {
    for (const [i, c] of cases.slice(0, 8).entries()) {
      const fn = (x: any, y: any) => matmul(x, y, { transA: c.tA, transB: c.tB });
      await checkFiniteDiff(fn, [f(c.a, i), f(c.b, 100 + i)], { samples: 4 });
    }
  });
});
