import { describe, expect, it } from 'vitest';
import { getBackend, setBackend, type Backend } from '../engine';
import { cpuBackend, testBackends } from '../engine/testing';
import { createRng } from '../math/rng';
import { semanticNeighboursOnEngine } from './neighbours';
import { semanticNeighbours, type Neighbours } from './pairs';

/**
 * Features shaped like the KuaiRec ones (a sparse multi-hot block, a sparse hashed block, a small dense block), with
 * near-duplicate rows and rows whose cosine to a partner sits right at the threshold (±1e-7 .. ±1e-4), plus a zero row.
 */
function features(n: number, seed: number): { x: Float32Array; d: number } {
  const r = createRng(seed);
  const d = 61;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 3; t++) x[i * d + r.int(30)] = 1;
    for (let t = 0; t < 2; t++) x[i * d + 30 + r.int(23)] = r.next();
    for (let k = 53; k < d; k++) x[i * d + k] = 0.3 * r.normal();
  }
  // near-duplicates: a copy with one coordinate nudged so that the cosine lands close to 0.8 from both sides
  for (let p = 0; p < n / 6; p++) {
    const a = r.int(n);
    const b = r.int(n);
    if (a === b) continue;
    x.copyWithin(b * d, a * d, a * d + d);
    x[b * d + 53 + r.int(8)] += (r.next() < 0.5 ? 0.6 : 0.9) + 1e-4 * r.normal();
  }
  x.fill(0, 5 * d, 6 * d);
  return { x, d };
}

const same = (a: Neighbours, b: Neighbours) => {
  expect(Array.from(a.offsets)).toEqual(Array.from(b.offsets));
  expect(Array.from(a.nbrs)).toEqual(Array.from(b.nbrs));
};

async function onEngine(be: Backend, x: Float32Array, n: number, d: number, t: number, block: number) {
  setBackend(be);
  try {
    return await semanticNeighboursOnEngine(x, n, d, t, { block });
  } finally {
    setBackend(cpuBackend);
  }
}

describe('semantic neighbours on the engine (blocked matmul + exact re-score)', () => {
  // first in the file: no test has set a backend yet, as in the data worker, which assembles stage inputs without one
  it('with no backend set, runs on the CPU reference (same pairs)', async () => {
    expect(() => getBackend()).toThrow(/no backend/);
    const n = 90;
    const { x, d } = features(n, 5);
    same(await semanticNeighboursOnEngine(x, n, d, 0.8, { block: 32 }), semanticNeighbours(x, n, d, 0.8));
    expect(() => getBackend()).toThrow(/no backend/);
  });

  it('= the host reference on cpu, wasm and webgpu: several thresholds, blocks that do not divide n', async () => {
    const n = 301;
    const { x, d } = features(n, 3);
    const backends: Backend[] = [cpuBackend, ...(await testBackends())];
    let sawPairs = 0;
    for (const t of [0.8, 0.9, 0.95]) {
      const ref = semanticNeighbours(x, n, d, t);
      sawPairs += ref.nbrs.length;
      for (const be of backends) for (const block of [64, 1000]) same(await onEngine(be, x, n, d, t, block), ref);
    }
    // the planted near-duplicates give pairs at every threshold
    expect(sawPairs).toBeGreaterThan(100);
  });

  it('pairs exactly at the threshold follow the reference arithmetic (margin re-score), not the device rounding', async () => {
    const n = 120;
    const { x, d } = features(n, 11);
    // the threshold set to the reference cosine of existing pairs: a pair whose exact cosine equals it must be kept,
    // one a hair below must not; the device's f32 products round both either way
    const ref0 = semanticNeighbours(x, n, d, 0.7);
    const cand: number[] = [];
    for (let i = 0; i < n && cand.length < 4; i++) for (let p = ref0.offsets[i]; p < ref0.offsets[i + 1]; p++) if (ref0.nbrs[p] > i) cand.push(i, ref0.nbrs[p]);
    expect(cand.length).toBeGreaterThan(0);
    const backends: Backend[] = [cpuBackend, ...(await testBackends())];
    for (let c = 0; c < cand.length; c += 2) {
      // the exact reference cosine of this pair, and its neighbours in f64 at the edge of a f32
      const t = exactCos(x, d, cand[c], cand[c + 1]);
      for (const th of [t, t + 1e-9, t - 1e-9]) {
        const ref = semanticNeighbours(x, n, d, th);
        for (const be of backends) same(await onEngine(be, x, n, d, th, 37), ref);
      }
    }
  });

  it('an empty or all-zero input has no pairs; a bad shape is a clear error', async () => {
    const nb = await semanticNeighboursOnEngine(new Float32Array(4 * 3), 4, 3, 0.8);
    expect(Array.from(nb.offsets)).toEqual([0, 0, 0, 0, 0]);
    await expect(semanticNeighboursOnEngine(new Float32Array(5), 2, 3)).rejects.toThrow(/5 values for 2 items × 3 dims/);
  });
});

/** cos(x_i, x_j) as the reference computes it (row-normalised f32 values, f64 sum over the non-zeros of row i). */
function exactCos(x: Float32Array, d: number, i: number, j: number): number {
  const norm = (r: number) => {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[r * d + k] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    return Float32Array.from({ length: d }, (_, k) => x[r * d + k] * inv);
  };
  const a = norm(i);
  const b = norm(j);
  let s = 0;
  for (let k = 0; k < d; k++) if (a[k] !== 0) s += a[k] * b[k];
  return s;
}
