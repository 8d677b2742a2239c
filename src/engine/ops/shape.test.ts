import { describe, it, expect } from 'vitest';
import { checkFiniteDiff, checkGpuVsCpu, cpuBackend, evaluate, f, ints, testGpu, testBackends } from '../testing';
import { cast, concat, slice, transpose, writeSlice } from './shape';
import { setBackend, tensor, tidyAsync } from '../tensor';

const perms: [number[], number[]][] = [
  [[7], [0]],
  [[3, 257], [1, 0]],
  [[2, 3, 5], [2, 0, 1]],
  [[2, 3, 4, 5], [3, 1, 0, 2]],
  [[1, 300, 1, 2], [2, 3, 0, 1]],
];

describe('transpose / concat / slice / cast', () => {
  it('transpose: GPU = CPU (values, gradients), finite differences, exact values', async () => {
    for (const [i, [s, p]] of perms.entries()) await checkGpuVsCpu((x: any) => transpose(x, p), [f(s, i)]);
    await checkFiniteDiff((x: any) => transpose(x, [2, 0, 1]), [f([2, 3, 4], 1)]);
    const { outs } = await evaluate(await testGpu(), (x) => transpose(x, [1, 0]), [{ data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] }], false);
    expect([...outs[0]]).toEqual([1, 4, 2, 5, 3, 6]);
    expect(() => transpose({ rank: 2, shape: [2, 3], dtype: 'f32', backend: cpuBackend } as any, [0, 0])).toThrow();
  });

  it('transpose moves i32 words exactly (including values that are NaN/denormal bit patterns as f32)', async () => {
    const data = new Int32Array([1, -1, 0x7fc00001, 3, 2147483647, -2147483648]);
    for (const be of [cpuBackend, ...(await testBackends())]) {
      const { outs } = await evaluate(be, (x) => transpose(x, [1, 0]), [{ data, shape: [3, 2] }], false);
      expect([...outs[0]]).toEqual([1, 0x7fc00001, 2147483647, -1, 3, -2147483648]);
    }
  });

  it('concat: GPU = CPU on every axis (values, gradients), finite differences', async () => {
    await checkGpuVsCpu((a: any, b: any, c: any) => concat([a, b, c], 1), [f([2, 3, 4], 1), f([2, 1, 4], 2), f([2, 257, 4], 3)]);
    await checkGpuVsCpu((a: any, b: any) => concat([a, b], 0), [f([7, 3], 1), f([1, 3], 2)]);
    await checkGpuVsCpu((a: any, b: any) => concat([a, b], -1), [f([3, 300], 1), f([3, 5], 2)]);
    await checkGpuVsCpu((a: any) => concat([a], 0), [f([1], 4)]);
    await checkFiniteDiff((a: any, b: any) => concat([a, b], 1), [f([2, 2], 1), f([2, 3], 2)]);
    // an input without gradient (i32 concat is allowed too)
    const { outs } = await evaluate(await testGpu(), (a, b) => concat([a, b], 0), [ints([2], 9, 1), ints([3], 9, 2)], false);
    const ref = await evaluate(cpuBackend, (a, b) => concat([a, b], 0), [ints([2], 9, 1), ints([3], 9, 2)], false);
    expect([...outs[0]]).toEqual([...ref.outs[0]]);
    await expect(evaluate(cpuBackend, (a, b) => concat([a, b], 0), [f([2, 3], 1), f([2, 4], 2)])).rejects.toThrow(/concat: inputs .* differ off axis 0/);
  });

  it('slice: GPU = CPU (values, gradients = zero-padded), negative indices, finite differences', async () => {
    await checkGpuVsCpu((x: any) => slice(x, 1, 2, 259), [f([2, 300, 3], 1)]);
    await checkGpuVsCpu((x: any) => slice(x, 0, 3, 7), [f([7], 2)]);
    await checkGpuVsCpu((x: any) => slice(x, -1, -3, -1), [f([4, 5], 3)]);
    await checkGpuVsCpu((x: any) => slice(x, 0, 2, 2), [f([3, 2], 4)], { grad: false });
    await checkFiniteDiff((x: any) => slice(x, 1, 1, 3), [f([2, 4], 5)]);
    const { grads } = await evaluate(await testGpu(), (x) => slice(x, 0, 1, 2), [f([3], 6)]);
    expect(grads[0]![0]).toBe(0);
    expect(grads[0]![2]).toBe(0);
    expect(grads[0]![1]).not.toBe(0);
    await expect(evaluate(cpuBackend, (x) => slice(x, 0, 2, 5), [f([4], 1)])).rejects.toThrow(/slice: \[2, 5\) is not a range of axis 0 \(length 4\)/);
  });

  it('cast: f32 ↔ i32 on CPU and GPU (truncation toward zero, saturation), same-dtype copy', async () => {
    const data = new Float32Array([1.7, -1.7, 0, 3e9, -3e9, 2.5, 16777216]);
    for (const be of [cpuBackend, ...(await testBackends())]) {
      const { outs } = await evaluate(be, (x) => cast(x, 'i32'), [{ data, shape: [7] }], false);
      expect(outs[0]).toBeInstanceOf(Int32Array);
      expect([...outs[0]]).toEqual([1, -1, 0, 2147483520, -2147483648, 2, 16777216]);
      const back = await evaluate(be, (x) => cast(x, 'f32'), [{ data: new Int32Array([-5, 0, 123456]), shape: [3], grad: false }], false);
      expect(back.outs[0]).toBeInstanceOf(Float32Array);
      expect([...back.outs[0]]).toEqual([-5, 0, 123456]);
      const same = await evaluate(be, (x) => cast(x, 'f32'), [{ data, shape: [7] }], false);
      expect([...same.outs[0]]).toEqual([...data]);
    }
  });
});

describe('writeSlice (in place, KV caches)', () => {
  it('overwrites exactly the block along each axis on CPU and every backend, leaves the rest, rejects bad shapes', async () => {
    for (const be of [cpuBackend, ...(await testBackends())]) {
      setBackend(be);
      await tidyAsync(async () => {
        // (2, 5, 3) destination, write (2, 2, 3) at offset 3 of axis 1
        const dst = tensor(Float32Array.from({ length: 30 }, (_, i) => i), [2, 5, 3]);
        const src = tensor(Float32Array.from({ length: 12 }, (_, i) => -1 - i), [2, 2, 3]);
        expect(writeSlice(dst, src, 1, 3)).toBe(dst);
        const got = await dst.data();
        const want = Array.from({ length: 30 }, (_, i) => i);
        for (let b = 0; b < 2; b++) for (let t = 0; t < 2; t++) for (let c = 0; c < 3; c++) want[b * 15 + (3 + t) * 3 + c] = -1 - (b * 6 + t * 3 + c);
        expect([...got]).toEqual(want);
        // axis 0 and the last axis, i32
        const di = tensor(new Int32Array(8), [2, 4], 'i32');
        writeSlice(di, tensor([7, 8, 9, 6, 6, 6], [2, 3], 'i32'), 1, 1);
        writeSlice(di, tensor([5, 5, 5, 5], [1, 4], 'i32'), 0, 1);
        expect([...(await di.data())]).toEqual([0, 7, 8, 9, 5, 5, 5, 5]);
        expect(() => writeSlice(dst, src, 1, 4)).toThrow(/writeSlice: cannot write/);
        expect(() => writeSlice(dst, tensor(new Float32Array(8), [2, 2, 2]), 1, 0)).toThrow(/writeSlice/);
      });
    }
  });

  it('refuses a source that carries a gradient (caches are filled under noGrad)', () => {
    setBackend(cpuBackend);
    const dst = tensor(new Float32Array(4), [1, 4]);
    const src = tensor([1, 2], [1, 2]);
    src.requiresGrad = true;
    expect(() => writeSlice(dst, src, 1, 0)).toThrow(/noGrad/);
  });
});
