import { describe, expect, it } from 'vitest';
import { setBackend } from '../engine';
import { cpuBackend } from '../engine/testing';
import { topKExcluding } from '../eval/rank';
import { meanMetrics, slateMetrics } from '../eval/metrics';
import { plantedSlateData } from './slate-data';
import { HierarchicalSlateDecoder } from '../models/slate-decoder';
import { PrefixTrie } from '../models/sid-table';
import { rng } from '../models/nn';
import { gsbiSlates, lrAt, recentWindows, run, trainRecipeConfig, trainSlateModel } from './slate-decoder';

function splitInputs(N: number, users: number, len: number, M: number, seed: number) {
  return plantedSlateData(users, N, len, seed, M);
}

const model = { dim: 32, heads: 2, ffn: 48, encoderLayers: 1, slateLayers: 2, itemLayers: 1, slateSize: 5, maxSlate: 5, maxHistory: 12 };

describe('slate decoder training', () => {
  it('lr schedule: linear warm-up, cosine to the floor', () => {
    const c = { lr: 1, warmup: 10, minLrRatio: 0.1 };
    expect(lrAt(c, 0, 100)).toBeCloseTo(0.1);
    expect(lrAt(c, 9, 100)).toBeCloseTo(1);
    expect(lrAt(c, 99, 100)).toBeCloseTo(0.1);
    expect(lrAt(c, 54, 100)).toBeGreaterThan(0.5);
  });

  it('learns planted sequences: test recall@5 far above popularity; validation curve per epoch', async () => {
    setBackend(cpuBackend);
    const N = 60, users = 36, len = 30, M = 5;
    const { inputs, test } = splitInputs(N, users, len, M, 1);
    const res = await run(inputs, { seed: 0, model, epochs: 4, stepsPerEpoch: 30, batchSize: 16, lr: 6e-3, warmup: 10, patience: 0, beam: 3, decodeBatch: 36, logEvery: 1 });
    expect(res.curves.epochs.length).toBe(4);
    if (process.env.HSD_DEBUG) console.log(res.curves.loss.map((l) => l.loss.toFixed(1)).join(" "));
    expect(res.curves.loss[0].loss).toBeGreaterThan(res.curves.loss.at(-1)!.loss * 1.5);
    const { decodeSlates, scoreSlates } = await import('./slate-decoder');
    const dec = await decodeSlates(res.model, res.lookup, inputs.sequences, test, { beam: 3, length: M, batch: 36 });
    const hsd = scoreSlates(dec.slates, inputs.sequences, test, M, 5);
    // popularity over the training part of each sequence, history excluded
    const pop = new Float64Array(N);
    for (let u = 0; u < users; u++) for (let p = inputs.sequences.offsets[u]; p < inputs.sequences.offsets[u] + len - 2 * M; p++) pop[inputs.sequences.items[p]]++;
    const popRows = Array.from(test.user, (u, i) => {
      const o = inputs.sequences.offsets[u];
      const histo = inputs.sequences.items.subarray(o, o + test.cut[i]);
      return slateMetrics(topKExcluding(pop, 5, histo), inputs.sequences.items.subarray(o + test.cut[i], o + test.cut[i] + M), 5);
    });
    const popRecall = meanMetrics(popRows).recall;
    if (process.env.HSD_DEBUG) console.log('planted recall@5', hsd.recall, 'popularity', popRecall, JSON.stringify(res.curves.epochs));
    // deterministic (seeded, CPU reference): measured 0.41 vs popularity 0.19 after 120 steps of 16 slates
    expect(hsd.recall).toBeGreaterThan(0.35);
    expect(hsd.recall).toBeGreaterThan(1.8 * popRecall);
    res.model.dispose();
  });

  it('a run resumed from its checkpoint continues exactly like the uninterrupted run', async () => {
    setBackend(cpuBackend);
    const { inputs } = splitInputs(30, 12, 24, 5, 2);
    const cfg = { seed: 3, model: { ...model, dim: 16, ffn: 16 }, epochs: 2, stepsPerEpoch: 4, batchSize: 8, lr: 2e-3, warmup: 2, patience: 0, beam: 2, logEvery: 1 };
    const full = await run(inputs, cfg);
    // interrupt after the first epoch (abort), then resume from the checkpoint
    const ctl = new AbortController();
    const half = await run(inputs, cfg, { signal: ctl.signal, onEpoch: () => ctl.abort() });
    expect(half.aborted).toBe(true);
    expect(half.checkpoint.step).toBe(4);
    const resumed = await run(inputs, cfg, { checkpoint: structuredClone(half.checkpoint) });
    expect(resumed.curves.loss.map((l) => l.loss)).toEqual(full.curves.loss.map((l) => l.loss));
    expect(resumed.curves.epochs.map((e) => e.valid.recall5)).toEqual(full.curves.epochs.map((e) => e.valid.recall5));
    const a = await full.model.stateDict(), b = await resumed.model.stateDict();
    for (const k of Object.keys(a)) expect([...b[k].data]).toEqual([...a[k].data]);
    for (const r of [full, half, resumed]) r.model.dispose();
  });

  it('one trainer for every slate model: a OneRec-style run resumes exactly; a checkpoint of another kind is refused', async () => {
    setBackend(cpuBackend);
    const { inputs } = splitInputs(30, 12, 24, 5, 2);
    const { FlatSlateDecoder, flatConfigFor, flatDecode } = await import('../models/onerec');
    const { hsdConfig } = await import('../models/slate-decoder');
    const { rng } = await import('../models/nn');
    const { PrefixTrie } = await import('../models/sid-table');
    const { historyBatch } = await import('../models/context-encoder');
    const { trainSlateModel } = await import('./slate-decoder');
    const fcfg = flatConfigFor(hsdConfig({ ...model, dim: 16, ffn: 16 }));
    const lookup = { sids: inputs.sidCodes, trie: new PrefixTrie(inputs.trie, inputs.widths) };
    const build = () => new FlatSlateDecoder(fcfg, inputs.widths, inputs.numItems, rng(3));
    const taskOf = (m: InstanceType<typeof FlatSlateDecoder>) => ({
      kind: 'onerec',
      targetLen: 5,
      slateSize: 5,
      maxHistory: fcfg.maxHistory,
      decode: async (hs: Int32Array[]) => (await flatDecode(m, lookup, historyBatch(hs, inputs.sidCodes, m.sid, fcfg.maxHistory), { beam: 2, length: 5, exclude: hs })).slates,
    });
    const cfg = { seed: 3, epochs: 2, stepsPerEpoch: 3, batchSize: 8, lr: 2e-3, warmup: 1, patience: 0, logEvery: 1 };
    const a = build();
    const full = await trainSlateModel(a, inputs, cfg, taskOf(a));
    const b = build();
    const ctl = new AbortController();
    const half = await trainSlateModel(b, inputs, cfg, taskOf(b), { signal: ctl.signal, onEpoch: () => ctl.abort() });
    expect(half.aborted).toBe(true);
    expect(half.checkpoint.kind).toBe('onerec');
    const c = build();
    const resumed = await trainSlateModel(c, inputs, cfg, taskOf(c), { checkpoint: structuredClone(half.checkpoint) });
    expect(resumed.curves.loss.map((l) => l.loss)).toEqual(full.curves.loss.map((l) => l.loss));
    expect(resumed.curves.epochs.map((e) => e.valid.recall5)).toEqual(full.curves.epochs.map((e) => e.valid.recall5));
    await expect(run(inputs, {}, { checkpoint: structuredClone(half.checkpoint) })).rejects.toThrow(/holds a 'onerec' model, not 'hsd'/);
    for (const m of [a, b, c]) m.dispose();
  });
  it('nonsense recipe settings are refused naming the setting (a huge beam is refused before it allocates)', () => {
    expect(() => trainRecipeConfig({ beam: 100_000 })).toThrow(/^slate decoder training: beam must be <= 256 \(got 100000\)$/);
    expect(() => trainRecipeConfig({ decodeBatch: 1e7 })).toThrow(/decodeBatch must be <= 4096 \(got 10000000\)/);
    expect(() => trainRecipeConfig({ beam: 0 })).toThrow(/beam must be an integer >= 1 \(got 0\)/);
    expect(trainRecipeConfig({ beam: 256, decodeBatch: 4096 }).beam).toBe(256);
  });

  it('recentWindows keeps each user\'s n most recent windows (largest cuts) in the input order; 0 keeps all', () => {
    const s = { user: Int32Array.from([0, 0, 1, 0, 1, 2, 0]), cut: Int32Array.from([1, 2, 1, 3, 2, 5, 4]) };
    expect(recentWindows(s, 0)).toBe(s);
    const r = recentWindows(s, 2);
    expect([...r.user]).toEqual([1, 0, 1, 2, 0]);
    expect([...r.cut]).toEqual([1, 3, 2, 5, 4]);
    expect([...recentWindows(s, 99).cut]).toEqual([...s.cut]);
    expect(() => trainRecipeConfig({ recentWindows: -1 })).toThrow(/recentWindows must be an integer >= 0 \(got -1\)/);
  });

  it('training with recentWindows only ever sees each user\'s most recent windows', async () => {
    setBackend(cpuBackend);
    const len = 24, M = 5;
    const { inputs } = splitInputs(30, 6, len, M, 4);
    const cfg = { dim: 16, heads: 2, ffn: 16, encoderLayers: 1, slateLayers: 1, itemLayers: 1, slateSize: M, maxSlate: M, maxHistory: len };
    const m = new HierarchicalSlateDecoder(cfg, inputs.widths, inputs.numItems, rng(0));
    const lookup = { sids: inputs.sidCodes, trie: new PrefixTrie(inputs.trie, inputs.widths) };
    const lengths = new Set<number>();
    const loss = m.loss.bind(m);
    m.loss = (h, t) => {
      for (let b = 0; b < h.B; b++) lengths.add(h.mask.subarray(b * h.T, (b + 1) * h.T).reduce((a, x) => a + x, 0));
      return loss(h, t);
    };
    const task = { kind: 'hsd', targetLen: M, slateSize: M, maxHistory: len, decode: async (hs: Int32Array[]) => (await gsbiSlates(m, lookup, hs, 2, M)).slates };
    // planted windows: cut = 2 .. len - 3M (= 9) for every user; the 2 most recent are cuts 8 and 9
    await trainSlateModel(m, inputs, { seed: 0, epochs: 1, stepsPerEpoch: 6, batchSize: 8, lr: 1e-3, warmup: 0, recentWindows: 2 }, task);
    expect([...lengths].sort((a, b) => a - b)).toEqual([8, 9]);
    lengths.clear();
    await trainSlateModel(m, inputs, { seed: 0, epochs: 1, stepsPerEpoch: 6, batchSize: 8, lr: 1e-3, warmup: 0 }, task);
    expect(Math.min(...lengths)).toBeLessThan(8);
    m.dispose();
  });
});
