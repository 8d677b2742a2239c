// attentionWithDropout: the fused op at p = 0; at p > 0 a hand-written reference (softmax, the dropout op's seeded
// mask, matmul), finite differences, every backend against the CPU reference, and the empty-row contract.
import { describe, expect, it } from 'vitest';
import { checkFiniteDiff, checkGpuVsCpu, cpuBackend, evaluate, expectClose, f, type Input } from '../engine/testing';
import { attention, lowbias32, type Tensor } from '../engine';
import { attentionWithDropout } from './attention-dropout';

interface Case {
  B: number;
  T: number;
  H: number;
  dh: number;
  causal: boolean;
  mask?: number[][];
  p: number;
  seed: number;
}

/** Plain-loop reference: per (b, h, i) softmax over allowed keys, torch-style inverted dropout of P, then P·V. */
function reference(c: Case, q: Float32Array, k: Float32Array, v: Float32Array): Float32Array {
  const { B, T, H, dh } = c, E = H * dh, sc = 1 / Math.sqrt(dh);
  const out = new Float32Array(B * T * E);
  const sh = lowbias32(c.seed), th = Math.floor(c.p * 4294967296);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++) {
        const s = new Float64Array(T);
        const ok = (j: number) => (!c.causal || j <= i) && (!c.mask || c.mask[b][j] === 1);
        let mx = -Infinity;
        for (let j = 0; j < T; j++) {
          if (!ok(j)) continue;
          let d = 0;
          for (let x = 0; x < dh; x++) d += q[(b * T + i) * E + h * dh + x] * k[(b * T + j) * E + h * dh + x];
          s[j] = d * sc;
          mx = Math.max(mx, s[j]);
        }
        let z = 0;
        for (let j = 0; j < T; j++) if (ok(j)) z += Math.exp(s[j] - mx);
        for (let j = 0; j < T; j++) {
          if (!ok(j)) continue;
          const flat = ((b * H + h) * T + i) * T + j; // element index of the (B, H, T, T) probability tensor
          const keep = lowbias32((flat ^ sh) >>> 0) >= th;
          if (!keep) continue;
          const pr = Math.exp(s[j] - mx) / z / (1 - c.p);
          for (let x = 0; x < dh; x++) out[(b * T + i) * E + h * dh + x] += pr * v[(b * T + j) * E + h * dh + x];
        }
      }
  return out;
}

const inputs = (c: Case, seed: number): Input[] => {
  const E = c.H * c.dh;
  const xs: Input[] = [f([c.B, c.T, E], seed), f([c.B, c.T, E], seed + 1), f([c.B, c.T, E], seed + 2)];
  if (c.mask) xs.push({ data: Int32Array.from(c.mask.flat()), shape: [c.B, c.T], grad: false });
  return xs;
};
const fn = (c: Case) => (q: Tensor, k: Tensor, v: Tensor, m?: Tensor) => attentionWithDropout(q, k, v, { heads: c.H, causal: c.causal, keyMask: m }, { p: c.p, seed: c.seed });

const CASES: Case[] = [
  { B: 2, T: 6, H: 2, dh: 4, causal: true, p: 0.3, seed: 11 },
  { B: 2, T: 5, H: 1, dh: 6, causal: false, mask: [[1, 1, 0, 1, 0], [0, 1, 1, 1, 1]], p: 0.2, seed: 5 },
  // left padding as in SASRec: the first query of batch row 0 sees only a masked key
  { B: 2, T: 5, H: 2, dh: 3, causal: true, mask: [[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]], p: 0.5, seed: 99 },
];

describe('attentionWithDropout', () => {
  it('p = 0 is the fused attention op (values and gradients)', async () => {
    const c = CASES[1];
    const a = await evaluate(cpuBackend, fn({ ...c, p: 0 }), inputs(c, 1));
    const b = await evaluate(cpuBackend, (q, k, v, m) => attention(q, k, v, { heads: c.H, causal: c.causal, keyMask: m }), inputs(c, 1));
    expectClose(a.outs[0], b.outs[0], 0, 0);
    for (let i = 0; i < 3; i++) expectClose(a.grads[i]!, b.grads[i]!, 0, 0);
  });
  it('p > 0 matches the plain-loop reference (softmax, seeded inverted dropout of P, P·V)', async () => {
    for (const c of CASES) {
      const ins = inputs(c, 3);
      const { outs } = await evaluate(cpuBackend, fn(c), ins, false);
      expectClose(outs[0], reference(c, ins[0].data as Float32Array, ins[1].data as Float32Array, ins[2].data as Float32Array), 1e-5, 1e-4);
    }
  });
  it('p > 0 differs from no dropout, and the mask changes with the seed', async () => {
    const c = CASES[0];
    const ins = inputs(c, 4);
    const o = async (p: number, seed: number) => (await evaluate(cpuBackend, fn({ ...c, p, seed }), ins, false)).outs[0] as Float32Array;
    const none = await o(0, 0), s1 = await o(0.3, 1), s2 = await o(0.3, 2);
    const diff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
    expect(diff(s1, none)).toBeGreaterThan(1e-2);
    expect(diff(s1, s2)).toBeGreaterThan(1e-2);
  });
  it('gradients match finite differences', async () => {
    for (const c of CASES) await checkFiniteDiff(fn(c), inputs(c, 7), { eps: 1e-2, tol: 2e-2, samples: 8 });
  });
  it('a query that sees no key outputs zeros and sends no gradient', async () => {
    const c = CASES[2];
    const { outs, grads } = await evaluate(cpuBackend, fn(c), inputs(c, 9));
    const E = c.H * c.dh;
    for (let x = 0; x < E; x++) {
      expect(outs[0][x]).toBe(0); // batch 0, query 0
      expect(grads[0]![x]).toBe(0);
    }
  });
  it('every backend matches the CPU reference (values and gradients)', async () => {
    for (const c of CASES) await checkGpuVsCpu(fn(c), inputs(c, 13));
  }, 120_000);
});
