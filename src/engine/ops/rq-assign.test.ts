import { describe, it, expect } from 'vitest';
import { cpuBackend, evaluate, randn, testGpu, testWasm, expectClose, type Input } from '../testing';
import { nearestCode, nearestCodeCpu, RQ_VARIANTS, WASM_GEMM_MIN_WORK, type RqVariant } from './rq-assign';
import { setBackend, tensor } from '../tensor';

const mat = (data: Float32Array, shape: number[]): Input => ({ data, shape, grad: false });

/** Exact f64 squared distances, for judging near-ties independently of either implementation. */
function dist64(x: Float32Array, e: Float32Array, n: number, k: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += (x[n * d + j] - e[k * d + j]) ** 2;
  return s;
}

/** The direct f32 difference loop (t = x − e, acc += t², j order; strict < keeps the lowest index on ties). */
function directNearest(x: Float32Array, N: number, d: number, e: Float32Array, K: number): { idx: Int32Array; dd: Float32Array } {
  const idx = new Int32Array(N);
  const dd = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    let bd = Infinity;
    let bk = -1;
    for (let k = 0; k < K; k++) {
      let acc = 0;
      for (let j = 0; j < d; j++) {
        const t = Math.fround(x[n * d + j] - e[k * d + j]);
        acc = Math.fround(acc + Math.fround(t * t));
      }
      if (acc < bd) {
        bd = acc;
        bk = k;
      }
    }
    idx[n] = bk;
    dd[n] = bd;
  }
  return { idx, dd };
}

async function compare(variant: RqVariant, N: number, K: number, d: number, seed: number, codebook?: Float32Array, x?: Float32Array) {
  const gpu = await testGpu();
  const xs = x ?? randn(N * d, seed);
  const es = codebook ?? randn(K * d, seed + 1);
  const fn = (a: any, b: any) => nearestCode(a, b, { variant });
  const inputs = [mat(xs, [N, d]), mat(es, [K, d])];
  const ref = await evaluate(cpuBackend, fn, inputs, false);
  const got = await gpu.checked(() => evaluate(gpu, fn, inputs, false));
  const res = await got;
  const [ri, rd] = ref.outs;
  const [gi, gd] = res.outs;
  expect(gi).toBeInstanceOf(Int32Array);
  let mismatches = 0;
  for (let n = 0; n < N; n++) {
    if (gi[n] === ri[n]) continue;
    // allowed only for a genuine near-tie (FMA contraction may round the two distances differently)
    mismatches++;
    const a = dist64(xs, es, n, gi[n], d);
    const b = dist64(xs, es, n, ri[n], d);
    if (!(gi[n] >= 0 && gi[n] < K) || Math.abs(a - b) > 1e-5 * Math.max(1, b)) {
      throw new Error(`${variant} N=${N} K=${K} d=${d}: row ${n} GPU index ${gi[n]} (d²=${a}) vs CPU ${ri[n]} (d²=${b})`);
    }
  }
  expect(mismatches).toBeLessThanOrEqual(1);
  expectClose(gd, rd, 1e-5, 1e-5, `${variant} dist2`);
  // the CPU index really is the argmin (checked in f64)
  for (let n = 0; n < N; n++) {
    const best = Math.min(...Array.from({ length: K }, (_, k) => dist64(xs, es, n, k, d)));
    expect(dist64(xs, es, n, ri[n], d)).toBeLessThanOrEqual(best + 1e-5 * Math.max(1, best));
  }
  return gi;
}

describe('nearestCode (RQ assignment, Eq. 1)', () => {
  for (const v of RQ_VARIANTS) {
    it(`${v}: GPU = CPU for N not a multiple of the workgroup, K = 1, 7, 256, 1000, d = 3, 32`, async () => {
      let seed = 1;
      for (const K of [1, 7, 256, 1000]) {
        for (const d of [3, 32]) {
          const N = K === 1000 && d === 32 ? 67 : 130;
          await compare(v, N, K, d, (seed += 2));
        }
      }
    });

    it(`${v}: ties go to the lowest codeword index (duplicates across threads)`, async () => {
      const K = 256;
      const d = 3;
      const e = randn(K * d, 9, 3);
      // x rows equal to codeword 10, which is duplicated at 200 and 75 (different threads in the workgroup variant)
      for (const dup of [200, 75]) e.set(e.subarray(10 * d, 11 * d), dup * d);
      const x = new Float32Array([...e.subarray(10 * d, 11 * d), ...e.subarray(10 * d, 11 * d)]);
      x[3] += 1e-3; // second row: not exact, still nearest to the {10, 75, 200} group
      const idx = await compare(v, 2, K, d, 0, e, x);
      expect(Array.from(idx)).toEqual([10, 10]);
      // equidistant between two distinct codewords: x = 0, e1 = (1,0), e2 = (0,1), e0 far away
      const idx2 = await compare(v, 1, 3, 2, 0, new Float32Array([5, 5, 1, 0, 0, 1]), new Float32Array([0, 0]));
      expect(Array.from(idx2)).toEqual([1]);
    });
  }

  it('dist2 is the squared distance to the chosen codeword and shapes are checked', async () => {
    setBackend(cpuBackend);
    const [i, d2] = nearestCode(tensor([0, 0, 3, 4], [2, 2]), tensor([1, 1, 3, 3], [2, 2]));
    expect(Array.from(await i.data())).toEqual([0, 1]);
    expect(Array.from(await d2.data())).toEqual([2, 1]);
    expect(() => nearestCode(tensor([0, 0], [1, 2]), tensor([1, 1, 1], [1, 3]))).toThrow(/widths differ/);
  });

  it('CPU kernel (‖x‖² − 2x·c + ‖c‖², sparse rows) = direct f32 difference loop, index and dist2, incl. duplicates', () => {
    const N = 300;
    const d = 90;
    const K = 64;
    const x = randn(N * d, 21);
    // mostly-zero rows, like the category multi-hot / n-gram features
    for (let i = 0; i < x.length; i++) if (i % 7 !== 0) x[i] = 0;
    const e = randn(K * d, 22, 0.3);
    e.set(e.subarray(3 * d, 4 * d), 40 * d); // duplicate codeword: the tie must go to 3
    x.set(e.subarray(3 * d, 4 * d), 5 * d); // row 5 sits exactly on it
    const idx = new Int32Array(N);
    const dd = new Float32Array(N);
    nearestCodeCpu(x, N, d, e, K, idx, dd);
    const ref = directNearest(x, N, d, e, K);
    for (let n = 0; n < N; n++) expect([n, idx[n], dd[n]]).toEqual([n, ref.idx[n], ref.dd[n]]);
    expect(idx[5]).toBe(3);
    expect(dd[5]).toBe(0);
  });

  it('wasm (GEMM path: matmul dot products + exact re-score of the candidates) = the direct f32 loop bit for bit', async () => {
    const be = await testWasm();
    // [N, K, d]: GEMM path (incl. a row block that does not divide N, K not a multiple of 4) and the direct kernel
    for (const [N, K, d, seed] of [[300, 64, 90, 31], [257, 37, 61, 33], [40, 4, 8, 35]]) {
      const x = randn(N * d, seed);
      for (let i = 0; i < x.length; i++) if (i % 5 !== 0) x[i] = 0; // sparse rows, like the KuaiRec features
      const e = randn(K * d, seed + 1, 0.3);
      e.set(e.subarray(1 * d, 2 * d), (K - 1) * d); // duplicate codeword: the tie goes to 1
      x.set(e.subarray(1 * d, 2 * d), 3 * d); // row 3 sits on it
      // row 4 equidistant from codewords 0 and 2 (mirror images through the row): a genuine tie, lowest index wins
      x.fill(0, 4 * d, 5 * d);
      e.fill(0, 0, d);
      e.fill(0, 2 * d, 3 * d);
      e[0] = 0.5;
      e[2 * d] = -0.5;
      const gemm = N * K * d >= WASM_GEMM_MIN_WORK && K >= 8;
      expect(gemm).toBe(N !== 40);
      setBackend(be);
      const [gi, gd] = await (async () => {
        const [i, dd] = nearestCode(tensor(x, [N, d]), tensor(e, [K, d]));
        return [await i.data(), await dd.data()];
      })();
      setBackend(cpuBackend);
      const ref = directNearest(x, N, d, e, K);
      expect(Array.from(gi)).toEqual(Array.from(ref.idx));
      expect(Array.from(gd)).toEqual(Array.from(ref.dd));
      expect(gi[3]).toBe(1);
      expect(gi[4]).toBe(0);
    }
  });
});
