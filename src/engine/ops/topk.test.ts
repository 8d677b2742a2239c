import { describe, it, expect } from 'vitest';
import { cpuBackend, evaluate, randn, rng, testGpu, testWasm } from '../testing';
import { topk, TOPK_VARIANTS } from './topk';
import { setBackend, tensor } from '../tensor';

async function compare(data: Float32Array, R: number, C: number, k: number) {
  const gpu = await testGpu();
  const inputs = [{ data, shape: [R, C], grad: false }];
  const ref = await evaluate(cpuBackend, (x: any) => topk(x, k), inputs, false);
  for (const variant of TOPK_VARIANTS) {
    const fn = (x: any) => topk(x, k, variant);
    const res = await (await gpu.checked(() => evaluate(gpu, fn, inputs, false)));
    expect(res.outs[1]).toBeInstanceOf(Int32Array);
    // selection is exact: values and indices must be identical
    expect(Array.from(res.outs[1]), `${variant}: indices R=${R} C=${C} k=${k}`).toEqual(Array.from(ref.outs[1]));
    expect(Array.from(res.outs[0]), `${variant}: values R=${R} C=${C} k=${k}`).toEqual(Array.from(ref.outs[0]));
  }
  const w = await evaluate(await testWasm(), (x: any) => topk(x, k), inputs, false);
  expect(Array.from(w.outs[1]), `wasm: indices R=${R} C=${C} k=${k}`).toEqual(Array.from(ref.outs[1]));
  expect(Array.from(w.outs[0]), `wasm: values R=${R} C=${C} k=${k}`).toEqual(Array.from(ref.outs[0]));
  return ref.outs;
}

describe('topk', () => {
  it('GPU = CPU on C = 1, 5, 300, 1024 and k = 1, 5, 16 (plus k = 33, 64)', async () => {
    let seed = 1;
    for (const C of [1, 5, 300, 1024]) {
      for (const k of [1, 5, 16, 33, 64]) {
        if (k > C || ((k === 33 || k === 64) && C < 300)) continue;
        const R = C === 1024 ? 3 : 7;
        await compare(randn(R * C, seed++), R, C, k);
      }
    }
  });

  it('ties go to the lower index (few distinct values, -inf masks) and the CPU order is right', async () => {
    const r = rng(5);
    for (const [R, C, k] of [
      [4, 300, 16],
      [3, 1024, 64],
      [5, 37, 5],
      [2, 9, 9],
    ]) {
      const data = Float32Array.from({ length: R * C }, () => {
        const u = r();
        return u < 0.2 ? -Infinity : Math.floor(u * 4);
      });
      const [vals, idx] = await compare(data, R, C, k);
      // independent check of the contract on the CPU result
      for (let row = 0; row < R; row++) {
        for (let j = 0; j < k; j++) {
          const c = idx[row * k + j];
          expect(vals[row * k + j]).toBe(data[row * C + c]);
          if (j > 0) {
            const pv = vals[row * k + j - 1];
            const pc = idx[row * k + j - 1];
            expect(pv > vals[row * k + j] || (pv === vals[row * k + j] && pc < c)).toBe(true);
          }
        }
        // nothing left out beats the last kept entry
        const lastV = vals[row * k + k - 1];
        const lastC = idx[row * k + k - 1];
        const kept = new Set(Array.from(idx.subarray(row * k, row * k + k)));
        for (let c = 0; c < C; c++) {
          if (kept.has(c)) continue;
          const v = data[row * C + c];
          expect(v > lastV || (v === lastV && c < lastC)).toBe(false);
        }
      }
    }
  });

  it('many rows (grid of one workgroup per row)', async () => {
    await compare(randn(130 * 50, 42), 130, 50, 8);
  });

  it('clear errors for k > C, k > 64, k < 1', () => {
    setBackend(cpuBackend);
    const x = tensor(randn(2 * 100, 1), [2, 100]);
    expect(() => topk(x, 101)).toThrow(/k=101 is larger than the row length C=100/);
    expect(() => topk(tensor(randn(2 * 100, 1), [2, 100]), 65)).toThrow(/k=65 exceeds the supported maximum of 64/);
    expect(() => topk(x, 0)).toThrow(/positive integer/);
  });
});
