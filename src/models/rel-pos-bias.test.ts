import { describe, expect, it } from 'vitest';
import { attention, grad, mean, setBackend, square, sub, tensor, tidy, tidyAsync, zeros } from '../engine';
import { cpuBackend, randn, testBackends } from '../engine/testing';
import { AdamW, rng } from './nn';
import { RelativePositionBias, relPosBucket, relPosBuckets } from './rel-pos-bias';

describe('RelativePositionBias', () => {
  it('buckets distances exactly or with HSTU’s log bucketization floor(ln(max(d, 1)) / 0.301)', () => {
    expect([0, 1, 2, 3, 49].map((d) => relPosBucket(d, 'exact', 50))).toEqual([0, 1, 2, 3, 49]);
    expect(relPosBucket(-3, 'exact', 50)).toBe(0);
    expect(relPosBucket(80, 'exact', 50)).toBe(49);
    expect([0, 1, 2, 3, 4, 8, 16, 49].map((d) => relPosBucket(d, 'log', 1000))).toEqual([0, 0, 2, 3, 4, 6, 9, 12]);
    expect(relPosBuckets(50, 'exact')).toBe(50);
    expect(relPosBuckets(50, 'log')).toBe(13);
  });

  it('gathers table[bucket(i + Tk − Tq − j)] into (Tq, Tk) or (heads, Tq, Tk)', async () => {
    setBackend(cpuBackend);
    for (const [heads, bucketing] of [[1, 'exact'], [3, 'log']] as const) {
      const m = new RelativePositionBias(10, bucketing, heads, rng(1), { kind: 'normal', std: 1 });
      const table = (await m.table.data()) as Float32Array;
      const [Tq, Tk] = [3, 7];
      const out = await tidyAsync(async () => (await m.forward(Tq, Tk).data()) as Float32Array);
      expect(out.length).toBe(heads * Tq * Tk);
      for (let h = 0; h < heads; h++)
        for (let i = 0; i < Tq; i++)
          for (let j = 0; j < Tk; j++) expect(out[(h * Tq + i) * Tk + j]).toBe(table[relPosBucket(i + Tk - Tq - j, bucketing, m.buckets) * heads + h]);
      expect(() => m.forward(11)).toThrow(/exceeds maxLen 10/);
      m.dispose();
    }
    expect(() => new RelativePositionBias(10, 'linear' as never, 1, rng(1))).toThrow(/bucketing must be/);
  });

  it('as the attention op’s bias it learns "attend to the previous position" (loss falls, distance 1 wins), on every backend', async () => {
    for (const be of [cpuBackend, ...(await testBackends())]) {
      setBackend(be);
      const T = 6, d = 4, B = 3;
      const m = new RelativePositionBias(T, 'exact', 1, rng(2));
      const opt = new AdamW(m.parameters(), { lr: 0.1, weightDecay: 0, clipNorm: 0 });
      const x = randn(B * T * d, 3);
      // target: row i = x[i − 1] (row 0: x[0]); queries/keys are zero, so only the bias can route the values
      const y = new Float32Array(B * T * d);
      for (let b = 0; b < B; b++) for (let i = 0; i < T; i++) y.set(x.subarray((b * T + Math.max(0, i - 1)) * d, (b * T + Math.max(0, i - 1) + 1) * d), (b * T + i) * d);
      const losses: number[] = [];
      for (let step = 0; step < 60; step++) {
        const loss = tidy(() => {
          const v = tensor(x, [B, T, d]);
          const q = zeros([B, T, d]);
          const out = attention(q, q, v, { heads: 1, causal: true, bias: m.forward(T) });
          const l = mean(square(sub(out, tensor(y, [B, T, d]))));
          opt.step(grad(l, m.parameters()));
          return l.keep();
        });
        losses.push(((await loss.data()) as Float32Array)[0]);
        loss.dispose();
      }
      const w = (await m.table.data()) as Float32Array;
      expect(losses.at(-1)!, `${be.kind}: loss ${losses[0]} -> ${losses.at(-1)}`).toBeLessThan(0.2 * losses[0]);
      expect(Array.from(w).indexOf(Math.max(...w)), `${be.kind}: table ${Array.from(w).map((v) => v.toFixed(2))}`).toBe(1);
      opt.dispose();
      m.dispose();
    }
  });
});
