import { describe, expect, it } from 'vitest';
import { checkFiniteDiff, checkGpuVsCpu, f } from '../testing';
import { matmul, MATMUL_VARIANTS, resolveMatmulVariant, vec4Eligible } from './matmul';

type Case = { a: number[]; b: number[]; tA?: boolean; tB?: boolean };
const mnk = (c: Case) => {
  const [ar, ac] = c.a.slice(-2);
  const [br, bc] = c.b.slice(-2);
  return { M: c.tA ? ac : ar, K: c.tA ? ar : ac, N: c.tB ? br : bc };
};
const eligible = (c: Case) => {
  const { M, N, K } = mnk(c);
  return vec4Eligible(M, N, K, !!c.tA, !!c.tB);
};

// Generic shapes: K, N or M not multiples of 4 → the vec4 variants must fall back to the generic `tiled` kernel.
const generic: Case[] = [
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
// vec4 fast-path shapes: every transpose pair, ragged M (and ragged N where B is read along K), batch broadcast,
// several tiles, K not a multiple of the tiled kernels' 16-deep stage.
const fast: Case[] = [
  { a: [33, 20], b: [20, 68] },
  { a: [20, 36], b: [20, 68], tA: true },
  { a: [33, 20], b: [65, 20], tB: true },
  { a: [20, 36], b: [65, 20], tA: true, tB: true },
  { a: [2, 3, 9, 12], b: [12, 8] },
  { a: [9, 12], b: [4, 12, 8] },
  { a: [3, 9, 12], b: [3, 7, 12], tB: true },
  { a: [70, 132], b: [132, 68] },
];
const cases = [...generic, ...fast];

describe('matmul', () => {
  it('the vec4 fast paths are taken exactly when their preconditions hold, else the generic kernel runs', () => {
    expect(generic.every((c) => !eligible(c))).toBe(true);
    expect(fast.every(eligible)).toBe(true);
    for (const c of fast) {
      const { M, N, K } = mnk(c);
      expect(resolveMatmulVariant('vec4', M, N, K, !!c.tA, !!c.tB)).toBe('vec4');
      expect(resolveMatmulVariant('tiledVec4', M, N, K, !!c.tA, !!c.tB)).toBe('tiledVec4');
    }
    for (const c of generic) {
      const { M, N, K } = mnk(c);
      expect(resolveMatmulVariant('vec4', M, N, K, !!c.tA, !!c.tB)).toBe('tiled');
      expect(resolveMatmulVariant('tiledVec4', M, N, K, !!c.tA, !!c.tB)).toBe('tiled');
      expect(resolveMatmulVariant('naive', M, N, K, !!c.tA, !!c.tB)).toBe('naive');
    }
    // vec4 along M when A is transposed; vec4 along N when B is not; always vec4 along K
    expect(vec4Eligible(36, 8, 12, true, false)).toBe(true);
    expect(vec4Eligible(33, 8, 12, true, false)).toBe(false);
    expect(vec4Eligible(33, 65, 12, false, true)).toBe(true);
    expect(vec4Eligible(33, 65, 12, false, false)).toBe(false);
    expect(vec4Eligible(32, 64, 10, false, false)).toBe(false);
  });
  for (const v of MATMUL_VARIANTS) {
    it(`${v}: GPU = CPU reference for values and gradients (transposes, batch broadcast, ragged sizes)`, async () => {
      for (const [i, c] of cases.entries()) {
        const fn = (x: any, y: any) => matmul(x, y, { transA: c.tA, transB: c.tB, variant: v });
        await checkGpuVsCpu(fn, [f(c.a, i), f(c.b, 100 + i)], { atol: 5e-4, rtol: 2e-3 });
      }
    });
  }
  it('gradients match finite differences', async () => {
    for (const [i, c] of [...cases.slice(0, 8), fast[0], fast[3]].entries()) {
      const fn = (x: any, y: any) => matmul(x, y, { transA: c.tA, transB: c.tB });
      await checkFiniteDiff(fn, [f(c.a, i), f(c.b, 100 + i)], { samples: 4 });
    }
  });
});
