import { describe, expect, it } from 'vitest';
import { setBackend } from '../engine';
import { cpuBackend, testBackends, testGpu } from '../engine/testing';
import { trainSlateModel } from '../train/slate-decoder';
import { historyBatch } from './context-encoder';
import { rng } from './nn';
import { flatConfigFor, flatDecode, FlatSlateDecoder } from './onerec';
import { plantedRecall5, plantedTask } from './planted';
import { countParameters, hsdConfig, HierarchicalSlateDecoder } from './slate-decoder';

const task = plantedTask();
const hsd = hsdConfig({ dim: 16, heads: 2, ffn: 24, encoderLayers: 1, slateLayers: 1, itemLayers: 1, slateSize: 5, maxSlate: 10, maxHistory: 12 });
const cfg = flatConfigFor(hsd);
const histories = [[0, 1, 2], [5, 6, 7, 8, 9], [3], [10, 11, 12, 13, 4, 4]].map((h) => Int32Array.from(h));
const L = task.table.widths.length;

describe('OneRec-style flat decoder', () => {
  it('device trie masks + beam top-k = the host reference: same slates, SIDs, final beams; scores within 1e-6 (cpu, webgpu, wasm)', async () => {
    for (const be of [cpuBackend, ...(await testBackends())]) {
      setBackend(be);
      const m = new FlatSlateDecoder(cfg, task.table.widths, task.n, rng(4));
      const h = historyBatch(histories, task.table.sids, m.sid, 12);
      for (const [beam, cache] of [[1, true], [3, true], [4, false]] as const) {
        const opts = { beam, length: 4, exclude: histories, cache };
        const host = await flatDecode(m, task.lookup, h, { ...opts, device: false });
        const dev = await flatDecode(m, task.lookup, h, { ...opts, device: true });
        const what = `${be.kind} beam ${beam} cache ${cache}`;
        expect(dev.slates.map((x) => [...x]), what).toEqual(host.slates.map((x) => [...x]));
        expect(dev.sids.map((x) => [...x]), what).toEqual(host.sids.map((x) => [...x]));
        expect(dev.beams.map((bs) => bs.map((b) => b.items)), what).toEqual(host.beams.map((bs) => bs.map((b) => b.items)));
        for (let u = 0; u < histories.length; u++) {
          expect(Math.abs(dev.scores[u] - host.scores[u]), `${what} user ${u}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(host.scores[u])));
        }
      }
      m.dispose();
    }
  });

  it('valid SIDs, no duplicates, no history items; cached = uncached (greedy and beam); batch = one by one', async () => {
    setBackend(cpuBackend);
    const m = new FlatSlateDecoder(cfg, task.table.widths, task.n, rng(3));
    const h = historyBatch(histories, task.table.sids, m.sid, 12);
    for (const beam of [1, 3]) {
      const res = await flatDecode(m, task.lookup, h, { beam, length: 5, exclude: histories });
      const unc = await flatDecode(m, task.lookup, h, { beam, length: 5, exclude: histories, cache: false });
      for (let u = 0; u < histories.length; u++) {
        const s = [...res.slates[u]];
        expect(s.length).toBe(5);
        expect(new Set(s).size).toBe(5);
        for (const it of s) expect([...histories[u]]).not.toContain(it);
        for (let j = 0; j < 5; j++) expect(task.lookup.trie.item(res.sids[u].subarray(j * L, (j + 1) * L))).toBe(s[j]);
        expect(res.scores[u]).toBeLessThan(0);
        expect([...unc.slates[u]]).toEqual(s);
        expect(unc.scores[u]).toBeCloseTo(res.scores[u], 4);
      }
      const one = await flatDecode(m, task.lookup, historyBatch([histories[1]], task.table.sids, m.sid, 12), { beam, length: 5, exclude: [histories[1]] });
      expect([...one.slates[0]]).toEqual([...res.slates[1]]);
    }
    // wider beams never find a worse best slate than greedy (both exact under the same model)
    const g = await flatDecode(m, task.lookup, h, { beam: 1, length: 3, exclude: histories });
    const b = await flatDecode(m, task.lookup, h, { beam: 5, length: 3, exclude: histories });
    for (let u = 0; u < histories.length; u++) expect(b.scores[u]).toBeGreaterThanOrEqual(g.scores[u] - 1e-4);
    // a slate as long as the allowed catalogue minus 1 still has no duplicates
    const long = await flatDecode(m, task.lookup, historyBatch([Int32Array.from({ length: 15 }, (_, i) => i)], task.table.sids, m.sid, 12), {
      beam: 2, length: 9, exclude: [Int32Array.from({ length: 15 }, (_, i) => i)],
    });
    expect([...long.slates[0]].sort((a, c) => a - c)).toEqual(Array.from({ length: 9 }, (_, i) => 15 + i));
    await expect(flatDecode(m, task.lookup, h, { beam: 3, length: 11 })).rejects.toThrow(/slate length must be in 1..10/);
    m.dispose();
  });

  it('cached decoding on WebGPU matches the CPU', async () => {
    setBackend(cpuBackend);
    const m = new FlatSlateDecoder(cfg, task.table.widths, task.n, rng(4));
    const sd = await m.stateDict();
    const h = historyBatch(histories.slice(0, 2), task.table.sids, m.sid, 12);
    const cpu = await flatDecode(m, task.lookup, h, { beam: 3, length: 2, exclude: histories.slice(0, 2) });
    m.dispose();
    setBackend(await testGpu());
    const g = new FlatSlateDecoder(cfg, task.table.widths, task.n, rng(4));
    g.loadStateDict(sd);
    const gpu = await flatDecode(g, task.lookup, h, { beam: 3, length: 2, exclude: histories.slice(0, 2) });
    expect(gpu.slates.map((s) => [...s])).toEqual(cpu.slates.map((s) => [...s]));
    for (let u = 0; u < 2; u++) expect(gpu.scores[u]).toBeCloseTo(cpu.scores[u], 3);
    g.dispose();
    setBackend(cpuBackend);
  });

  it('parameter budget matches HiGR within 10%; learns a planted pattern better than popularity', async () => {
    setBackend(cpuBackend);
    const m = new FlatSlateDecoder(cfg, task.table.widths, task.n, rng(1));
    const hiParams = countParameters(hsd, task.table.widths, task.n);
    expect(Math.abs(m.numParameters() - hiParams) / hiParams).toBeLessThan(0.1);
    const hm = new HierarchicalSlateDecoder(hsd, task.table.widths, task.n, rng(1));
    expect(hm.numParameters()).toBe(hiParams);
    hm.dispose();
    const decode = async (hs: Int32Array[]) => (await flatDecode(m, task.lookup, historyBatch(hs, task.table.sids, m.sid, 12), { beam: 3, length: 5, exclude: hs })).slates;
    const before = plantedRecall5(task, await decode(task.cases.map((c) => c.history)));
    const res = await trainSlateModel(m, task.inputs, { seed: 0, epochs: 3, stepsPerEpoch: 60, batchSize: 16, lr: 5e-3, warmup: 10, validUsers: 0, patience: 0, logEvery: 1 }, { kind: 'onerec', targetLen: 5, slateSize: 5, maxHistory: 12, decode });
    expect(res.curves.epochs[0].trainLoss).toBeGreaterThan(res.curves.epochs[2].trainLoss);
    const after = plantedRecall5(task, await decode(task.cases.map((c) => c.history)));
    expect(after).toBeGreaterThan(task.popularityRecall5 + 0.2);
    expect(after).toBeGreaterThan(before);
    m.dispose();
  }, 120_000);
});
