import { describe, it, expect } from 'vitest';
import { checkFiniteDiff, checkGpuVsCpu, f } from '../testing';
import { UNARY, unary, binary, broadcastTo, sumTo, type UnaryKind, type BinaryKind } from './elementwise';
import { reshape } from '../tensor';
import { coalesceShapes } from './util';

const positive = new Set<UnaryKind>(['log', 'sqrt']);
const shapes = [[7], [3, 5], [2, 3, 67], [2, 1, 3, 130]];

describe('elementwise', () => {
  for (const kind of Object.keys(UNARY) as UnaryKind[]) {
    it(`unary ${kind}: GPU = CPU reference (values, grads) and finite differences`, async () => {
      const fn = (x: any) => unary(kind, positive.has(kind) ? unary('affine', unary('abs', x), 1, 0.5) : x, 1.7, -0.3);
      for (const [i, s] of shapes.entries()) await checkGpuVsCpu(fn, [f(s, 11 + i)], { atol: 2e-4, rtol: 2e-3 });
      if (kind !== 'step' && kind !== 'relu' && kind !== 'abs') await checkFiniteDiff(fn, [f([3, 4], 5)]);
    });
  }
  const pairs: [number[], number[]][] = [
    [[4, 5], [4, 5]],
    [[4, 5], [5]],
    [[3, 1, 6], [1, 4, 6]],
    [[2, 3, 4, 5], [3, 1, 1]],
    [[1], [2, 259]],
  ];
  for (const kind of ['add', 'sub', 'mul', 'div', 'maximum'] as BinaryKind[]) {
    it(`binary ${kind} with broadcasting: GPU = CPU, finite differences`, async () => {
      for (const [i, [a, b]] of pairs.entries()) {
        const inB = kind === 'div' ? { ...f(b, 3 + i), data: f(b, 3 + i).data.map((v) => v + Math.sign(v) * 1.5) } : f(b, 3 + i);
        await checkGpuVsCpu((x: any, y: any) => binary(kind, x, y), [f(a, 1 + i), inB], { atol: 2e-4, rtol: 2e-3 });
        // maximum is not differentiable at ties: a smaller step keeps the check away from them
        await checkFiniteDiff((x: any, y: any) => binary(kind, x, y), [f(a, 1 + i), inB], { eps: kind === 'maximum' ? 1e-3 : 1e-2 });
      }
    });
  }
  it('sumTo / broadcastTo / reshape are consistent and differentiable', async () => {
    await checkGpuVsCpu((x: any) => sumTo(x, [3, 1, 5]), [f([2, 3, 4, 5], 1)]);
    await checkGpuVsCpu((x: any) => sumTo(x, [1]), [f([3, 70, 5], 2)]);
    await checkGpuVsCpu((x: any) => broadcastTo(x, [2, 3, 4]), [f([3, 1], 3)]);
    await checkFiniteDiff((x: any) => sumTo(reshape(x, [6, 2]), [1, 2]), [f([3, 4], 4)]);
    await checkFiniteDiff((x: any) => broadcastTo(x, [2, 3, 4]), [f([3, 1], 3)]);
  });
  it('rank 5 and 6 (beam tensors): unary, binary broadcast, sumTo/broadcastTo on GPU = CPU, finite differences', async () => {
    const r6 = [2, 3, 2, 4, 3, 5];
    await checkGpuVsCpu((x: any) => unary('silu', x), [f(r6, 1)]);
    await checkGpuVsCpu((x: any, y: any) => binary('mul', x, y), [f(r6, 2), f([2, 1, 1, 4, 3, 5], 3)]);
    await checkGpuVsCpu((x: any, y: any) => binary('add', x, y), [f([2, 3, 1, 4, 5], 4), f([1, 7, 4, 5], 5)]);
    await checkGpuVsCpu((x: any) => sumTo(x, [1, 3, 2, 1, 1, 5]), [f(r6, 6)]);
    await checkGpuVsCpu((x: any) => broadcastTo(x, [2, 3, 2, 4, 3, 5]), [f([3, 1, 1, 1, 5], 7)]);
    await checkFiniteDiff((x: any, y: any) => binary('mul', x, y), [f([2, 2, 1, 2, 3, 2], 8), f([2, 1, 2, 3, 1], 9)]);
    // five alternating runs cannot be merged into the rank-4 kernels: a clear error, not a wrong answer
    await expect(checkGpuVsCpu((x: any, y: any) => binary('add', x, y), [f([2, 1, 2, 1, 2], 1), f([1, 2, 1, 2, 1], 2)])).rejects.toThrow(/at most 4/);
  });
  it('coalesceShapes merges axes with the same broadcast pattern', () => {
    expect(coalesceShapes([2, 3, 4, 5, 6], [[2, 3, 4, 5, 6]])).toEqual({ out: [720], ins: [[720]] });
    expect(coalesceShapes([2, 3, 4, 5, 6], [[2, 1, 1, 5, 6], [6]])).toEqual({ out: [2, 12, 5, 6], ins: [[2, 1, 5, 6], [1, 1, 1, 6]] });
    expect(coalesceShapes([1, 1], [[1]])).toEqual({ out: [1], ins: [[1]] });
    expect(coalesceShapes([4, 1, 5], [[4, 1, 1]])).toEqual({ out: [4, 5], ins: [[4, 1]] });
  });
  it('rejects shapes that do not broadcast with a clear message', async () => {
    await expect(checkGpuVsCpu((x: any, y: any) => binary('add', x, y), [f([3, 4], 1), f([5], 2)])).rejects.toThrow(/do not broadcast/);
  });
});
