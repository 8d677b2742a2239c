import { describe, it, expect } from 'vitest';
import { checkFiniteDiff, checkGpuVsCpu, cpuBackend, f, ints, testGpu, randn, maxAbsDiff, testBackends } from '../testing';
import { embedding, embeddingGrad } from './embedding';
import { setBackend, tensor, tidyAsync } from '../tensor';
import type { Backend } from '../backend';

const emb = (t: any, i: any) => embedding(t, i);

describe('embedding', () => {
  it('GPU = CPU for values and table gradients with repeated indices (ragged sizes, 1-3 radix passes)', async () => {
    const cases: { V: number; d: number; idx: number[] }[] = [
      { V: 5, d: 3, idx: [2, 3] }, // 6 lookups into 5 rows: repeats guaranteed
      { V: 7, d: 4, idx: [300] }, // 300 positions (not a multiple of 256), heavy repeats
      { V: 1000, d: 33, idx: [4, 65] }, // V*d not a multiple of 256, many empty rows
      { V: 1, d: 2, idx: [9] }, // everything hits row 0
      { V: 70000, d: 1, idx: [600] }, // 17-bit keys: three radix passes, 3 blocks of positions
    ];
    for (const [k, c] of cases.entries()) {
      await checkGpuVsCpu(emb, [f([c.V, c.d], 10 + k), ints(c.idx, c.V, 20 + k)]);
    }
  });

  it('gradient matches finite differences (repeated indices)', async () => {
    await checkFiniteDiff(emb, [f([4, 3], 1), { data: Int32Array.from([1, 1, 3, 0, 1, 3]), shape: [2, 3], grad: false }], { samples: 12 });
  });

  it('backward sums repeated positions exactly (hand-computed)', async () => {
    const gpu = await testGpu();
    for (const be of [cpuBackend, ...(await testBackends())]) {
      setBackend(be);
      const out = await tidyAsync(async () => {
        const g = tensor([1, 2, 10, 20, 100, 200, 1000, 2000], [4, 2], 'f32', be);
        const idx = tensor([2, 0, 2, 2], [4], 'i32', be);
        return embeddingGrad(g, idx, 3).data();
      });
      expect(Array.from(out)).toEqual([10, 20, 0, 0, 1101, 2202]);
    }
  });

  it('GPU backward is bitwise deterministic and equals the CPU order of summation', async () => {
    const gpu = await testGpu();
    const N = 700;
    const d = 5;
    const V = 3; // ~233 repeats per row
    const gData = randn(N * d, 3);
    const iData = Int32Array.from({ length: N }, (_, n) => (n < 300 ? 1 : (n * 7919) % V)); // a run of 300 hits row 1
    const run = async (be: Backend) => {
      setBackend(be);
      return tidyAsync(async () => embeddingGrad(tensor(gData, [N, d], 'f32', be), tensor(iData, [N], 'i32', be), V).data());
    };
    const a = await run(gpu);
    const b = await run(gpu);
    const c = await run(cpuBackend);
    expect(Array.from(a)).toEqual(Array.from(b));
    // same order of f32 additions (ascending positions) => bitwise equal to the CPU reference
    // (f64 add then f32 store rounds like an f32 add: double rounding is innocuous for +, 53 >= 2*24+2)
    expect(maxAbsDiff(a, c)).toBe(0);
  });

  it('out-of-range index: CPU throws a clear error; GPU writes a zero row and drops its gradient', async () => {
    setBackend(cpuBackend);
    await expect(
      tidyAsync(async () => embedding(tensor([1, 2, 3, 4], [2, 2]), tensor([0, 2], [2], 'i32')).data()),
    ).rejects.toThrow(/index 2 at position 1 is out of range \[0, 2\)/);
    const gpu = await testGpu();
    setBackend(gpu);
    const [y, gt] = await tidyAsync(async () => {
      const t = tensor([1, 2, 3, 4], [2, 2], 'f32', gpu);
      const idx = tensor([1, -1, 5, 0], [4], 'i32', gpu);
      const out = embedding(t, idx);
      const gt = embeddingGrad(tensor([1, 1, 2, 2, 3, 3, 4, 4], [4, 2], 'f32', gpu), idx, 2);
      return [await out.data(), await gt.data()];
    });
    expect(Array.from(y)).toEqual([3, 4, 0, 0, 0, 0, 1, 2]);
    expect(Array.from(gt)).toEqual([4, 4, 1, 1]);
  });

  it('rejects a non-(V,d) table or float indices', async () => {
    setBackend(cpuBackend);
    expect(() => embedding(tensor([1, 2, 3], [3]), tensor([0], [1], 'i32'))).toThrow(/table must be f32 of shape \(V, d\)/);
    expect(() => embedding(tensor([1, 2], [1, 2]), tensor([0], [1]))).toThrow(/indices must be i32/);
  });
});
