// Input-embedding dropout of the generative baselines (OneRec-style flat decoder, TIGER, ListCVAE; the HSD's is in
// slate-decoder.test.ts): active only in the teacher-forced training loss (the trainer passes its step), seeded by the
// step, the identity at p = 0 and outside training; decoding never drops; bad values are one named error.
import { describe, expect, it } from 'vitest';
import { setBackend } from '../engine';
import { cpuBackend } from '../engine/testing';
import { historyBatch } from './context-encoder';
import { ListCvae } from './listcvae';
import { rng } from './nn';
import { flatConfigFor, flatDecode, FlatSlateDecoder } from './onerec';
import { plantedTask } from './planted';
import { hsdConfig } from './slate-decoder';
import { createTiger, tigerSlates } from './tiger';

const task = plantedTask();
const L = task.table.widths.length;
const hs = task.cases.slice(0, 6).map((c) => c.history);
const targets = (n: number) => Int32Array.from({ length: hs.length * n }, (_, k) => task.cases[Math.floor(k / n)].target[k % n]);
const codesOf = (items: Int32Array) => Int32Array.from({ length: items.length * L }, (_, k) => task.table.sids[items[Math.floor(k / L)] * L + (k % L)]);
const value = async (t: { item(): Promise<number> }) => await t.item();

describe('baseline input-embedding dropout', () => {
  it('OneRec-style and TIGER: the training loss drops inputs (seeded by the step), the evaluation loss and the slates do not', async () => {
    setBackend(cpuBackend);
    const flat = (p: number) => new FlatSlateDecoder(flatConfigFor(hsdConfig({ dim: 16, heads: 2, ffn: 24, encoderLayers: 1, slateLayers: 1, itemLayers: 1, slateSize: 5, maxSlate: 5, maxHistory: 12, dropout: p })), task.table.widths, task.n, rng(3));
    const tiger = (p: number) => createTiger({ dim: 16, heads: 2, ffn: 24, encoderLayers: 1, decoderLayers: 1, maxHistory: 12, dropout: p }, task.table.widths, task.n, rng(3));
    for (const [name, make, n] of [['onerec', flat, 5], ['tiger', tiger, 1]] as const) {
      const a = make(0.4), b = make(0);
      expect(a.cfg.dropout, name).toBe(0.4);
      const items = targets(n);
      const codes = codesOf(items);
      const h = historyBatch(hs, task.table.sids, a.sid, 12);
      const evalA = await value(a.loss(h, codes).loss), evalB = await value(b.loss(h, codes).loss);
      expect(evalA, name).toBe(evalB); // same weights, no step: no dropout
      expect(await value(b.loss(h, codes, { step: 1 }).loss), name).toBe(evalB); // p = 0: the identity
      const t1 = await value(a.loss(h, codes, { step: 1 }).loss);
      expect(Number.isFinite(t1)).toBe(true);
      expect(Math.abs(t1 - evalA), name).toBeGreaterThan(1e-4);
      expect(await value(a.loss(h, codes, { step: 1 }).loss), name).toBe(t1); // same step, same masks
      expect(await value(a.loss(h, codes, { step: 2 }).loss), name).not.toBe(t1);
      const lookup = task.lookup;
      const dec = async (m: FlatSlateDecoder) =>
        name === 'tiger' ? await tigerSlates(m, lookup, hs, { k: 5, beam: 5 }) : (await flatDecode(m, lookup, historyBatch(hs, lookup.sids, m.sid, 12), { beam: 5, length: 5, exclude: hs })).slates;
      expect((await dec(a)).map((s) => [...s]), name).toEqual((await dec(b)).map((s) => [...s]));
      a.dispose();
      b.dispose();
    }
  }, 60_000);

  it('ListCVAE: the training loss drops the history and slate embeddings; the slates do not', async () => {
    setBackend(cpuBackend);
    const make = (p: number) => new ListCvae({ dim: 16, latent: 8, hidden: 32, slateSize: 5, maxHistory: 12, dropout: p }, task.table.widths, task.n, rng(3));
    const items = targets(5);
    const loss = async (m: ListCvae, step: number) => await value(m.loss(historyBatch(hs, task.table.sids, m.sid, 12), codesOf(items), { step, items }).loss);
    // the same weights and the same reparameterisation noise (each model draws from its own copy of rng(3))
    const a = make(0.4), b = make(0), c = make(0);
    const la = await loss(a, 1), lb = await loss(b, 1);
    expect(Number.isFinite(la)).toBe(true);
    expect(Math.abs(la - lb)).toBeGreaterThan(1e-4);
    expect(await loss(c, 1)).toBe(lb); // p = 0: nothing random besides the noise
    expect((await a.slates(hs)).map((s) => [...s])).toEqual((await b.slates(hs)).map((s) => [...s]));
    for (const m of [a, b, c]) m.dispose();
  }, 60_000);

  it('a bad dropout is one error naming the setting', () => {
    expect(() => new ListCvae({ dropout: 1 }, task.table.widths, task.n, rng(0))).toThrow(/ListCVAE config: dropout must be in \[0, 1\) \(got 1\)/);
    expect(() => createTiger({ dropout: -0.1 }, task.table.widths, task.n, rng(0))).toThrow(/OneRec-style decoder config: dropout must be in \[0, 1\) \(got -0.1\)/);
    expect(() => new FlatSlateDecoder({ ...flatConfigFor(hsdConfig({ dim: 16, heads: 2 })), dropout: Number.NaN }, task.table.widths, task.n, rng(0))).toThrow(/dropout must be in \[0, 1\) \(got NaN\)/);
  });
});
