import { describe, expect, it } from 'vitest';
import { broadcastTo, logSoftmax, noGrad, reshape, setBackend, tensor, tidyAsync } from '../engine';
import { cpuBackend, testBackends, testGpu } from '../engine/testing';
import { historyBatch } from './context-encoder';
import { gsbi, type SidLookup } from './gsbi';
import { rng } from './nn';
import { buildSidTable, PrefixTrie } from './sid-table';
import { HierarchicalSlateDecoder, type HsdConfig } from './slate-decoder';

// 14 items on a 3×3 grid of codes with collisions (-> a disambiguation level), one code pair (2, 2) unused
const codes2 = [0, 0, 0, 1, 0, 2, 1, 0, 1, 1, 1, 2, 2, 0, 2, 1, 0, 0, 1, 1, 2, 0, 0, 1, 1, 0, 0, 2];
const n = codes2.length / 2;
const table = buildSidTable(Int32Array.from({ length: n }, (_, i) => i), Int32Array.from(codes2), 2, [3, 3]);
const lookup: SidLookup = { sids: table.sids, trie: PrefixTrie.of(table) };
const tiny: Partial<HsdConfig> = { dim: 16, heads: 2, ffn: 24, encoderLayers: 1, slateLayers: 2, itemLayers: 1, slateSize: 3, maxSlate: 5, maxHistory: 8 };
const histories = [[0, 1, 2], [5, 6, 7, 8, 9], [3], [10, 11, 12, 13, 4, 4]];

function model(seed = 7) {
  return new HierarchicalSlateDecoder(tiny, table.widths, n, rng(seed));
}
const validSid = (sid: ArrayLike<number>) => lookup.trie.item(sid) >= 0;

describe('GSBI', () => {
  it('only valid SIDs, no duplicates, no history items; cached = uncached; batch = one by one', async () => {
    setBackend(cpuBackend);
    expect(table.widths.length).toBe(3);
    const m = model();
    const L = table.widths.length;
    const h = historyBatch(histories, table.sids, m.sid, 8);
    const res = await gsbi(m, lookup, h, { beam: 3, length: 5, exclude: histories });
    for (let u = 0; u < histories.length; u++) {
      const s = [...res.slates[u]];
      expect(new Set(s).size).toBe(5);
      for (const it of s) expect(histories[u]).not.toContain(it);
      for (let j = 0; j < 5; j++) {
        const sid = res.sids[u].subarray(j * L, (j + 1) * L);
        expect(validSid(sid)).toBe(true);
        expect(lookup.trie.item(sid)).toBe(s[j]);
        expect(res.scores[u][j]).toBeLessThanOrEqual(0);
      }
    }
    const unc = await gsbi(m, lookup, h, { beam: 3, length: 5, exclude: histories, cache: false });
    expect(unc.slates.map((s) => [...s])).toEqual(res.slates.map((s) => [...s]));
    for (let u = 0; u < histories.length; u++) for (let j = 0; j < 5; j++) expect(unc.scores[u][j]).toBeCloseTo(res.scores[u][j], 4);
    for (let u = 0; u < histories.length; u++) {
      const one = await gsbi(m, lookup, historyBatch([histories[u]], table.sids, m.sid, 8), { beam: 3, length: 5, exclude: [histories[u]] });
      expect([...one.slates[0]]).toEqual([...res.slates[u]]);
    }
    // a slate as long as the allowed catalogue uses every allowed item exactly once
    const all = await gsbi(new HierarchicalSlateDecoder({ ...tiny, maxSlate: 10 }, table.widths, n, rng(2)), lookup, historyBatch([[0, 1, 2, 3]], table.sids, m.sid, 8), {
      beam: 2, length: 10, exclude: [[0, 1, 2, 3]],
    });
    expect([...all.slates[0]].sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    await expect(gsbi(m, lookup, h, { beam: 3, length: 6 })).rejects.toThrow(/slate length must be in 1..5/);
    m.dispose();
  });

  it('with B >= K^D the beam equals exhaustive search over every allowed item (CPU and WebGPU)', async () => {
    for (const be of [cpuBackend, await testGpu()]) {
      setBackend(be);
      const m = model(11);
      const L = table.widths.length;
      const beam = table.widths.reduce((a, w) => a * w, 1);
      const hs = [histories[1], histories[3]];
      const h = historyBatch(hs, table.sids, m.sid, 8);
      const res = await gsbi(m, lookup, h, { beam, length: 1, exclude: hs });
      // exhaustive: teacher-force every item's SID through the generator for position 0 and sum the level log-probs
      await tidyAsync(async () => {
        for (let u = 0; u < hs.length; u++) {
          const hu = historyBatch([hs[u]], table.sids, m.sid, 8);
          const scores = await noGrad(async () => {
            const { C, mask } = m.encode(hu);
            const iHat = m.planAll(m.plannerInputs(1, null), C, mask); // (1, 1, d)
            const N = n;
            const Tc = C.shape[1];
            const pre = new Int32Array(N * (L - 1));
            for (let i = 0; i < N; i++) for (let l = 0; l < L - 1; l++) pre[i * (L - 1) + l] = m.sid.offsets[l] + table.sids[i * L + l];
            const Crep = reshape(broadcastTo(reshape(C, [1, 1, Tc, 16]), [1, N, Tc, 16]), [N, Tc, 16]);
            const maskRep = tensor(Int32Array.from({ length: N * Tc }, (_, k) => hu.mask[k % Tc]), [N, Tc], 'i32');
            const hid = m.generatorHidden(0, reshape(broadcastTo(iHat, [N, 1, 16]), [N, 1, 16]), tensor(pre, [N, L - 1], 'i32'), { C: Crep, mask: maskRep });
            const tot = new Float64Array(N);
            for (let l = 0; l < L; l++) {
              const lp = (await logSoftmax(m.levelLogits(0, hid, l)).data()) as Float32Array;
              for (let i = 0; i < N; i++) tot[i] += lp[i * table.widths[l] + table.sids[i * L + l]];
            }
            return tot;
          });
          let best = -1;
          for (let i = 0; i < n; i++) if (!hs[u].includes(i) && (best < 0 || scores[i] > scores[best])) best = i;
          expect(res.slates[u][0]).toBe(best);
          expect(res.scores[u][0]).toBeCloseTo(scores[best], 4);
        }
      });
      m.dispose();
    }
  });

  it('device trie masks + beam top-k = the host reference: same slates and SIDs, scores within 1e-6 (cpu, webgpu, wasm)', async () => {
    for (const be of [cpuBackend, ...(await testBackends())]) {
      setBackend(be);
      const m = model(5);
      const h = historyBatch(histories, table.sids, m.sid, 8);
      for (const beam of [1, 3, 9]) {
        for (const cache of [true, false]) {
          const opts = { beam, length: 5, exclude: histories, cache };
          const host = await gsbi(m, lookup, h, { ...opts, device: false });
          const dev = await gsbi(m, lookup, h, { ...opts, device: true });
          const what = `${be.kind} beam ${beam} cache ${cache}`;
          expect(dev.slates.map((x) => [...x]), what).toEqual(host.slates.map((x) => [...x]));
          expect(dev.sids.map((x) => [...x]), what).toEqual(host.sids.map((x) => [...x]));
          for (let u = 0; u < histories.length; u++) {
            for (let j = 0; j < 5; j++) expect(Math.abs(dev.scores[u][j] - host.scores[u][j]), `${what} user ${u} pos ${j}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(host.scores[u][j])));
          }
        }
      }
      // batch of users = one by one on the device path
      const batch = await gsbi(m, lookup, h, { beam: 3, length: 5, exclude: histories });
      for (let u = 0; u < histories.length; u++) {
        const one = await gsbi(m, lookup, historyBatch([histories[u]], table.sids, m.sid, 8), { beam: 3, length: 5, exclude: [histories[u]] });
        expect([...one.slates[0]], `${be.kind} user ${u}`).toEqual([...batch.slates[u]]);
      }
      // an exhausted catalogue fails the same way on both paths
      const ex = [Array.from({ length: n - 2 }, (_, i) => i)];
      const h1 = historyBatch([histories[0]], table.sids, m.sid, 8);
      for (const device of [true, false]) await expect(gsbi(m, lookup, h1, { beam: 2, length: 3, exclude: ex, device })).rejects.toThrow(/no allowed item left/);
      m.dispose();
    }
  });

  it('the trace records kept and pruned candidates per level', async () => {
    setBackend(cpuBackend);
    const m = model(3);
    const res = await gsbi(m, lookup, historyBatch([histories[0]], table.sids, m.sid, 8), { beam: 2, length: 2, exclude: [histories[0]], trace: true });
    const t = res.trace![0];
    expect(t.length).toBe(2);
    expect(t[0].levels.length).toBe(3);
    expect(t[0].levels[0].filter((c) => c.kept).length).toBe(2);
    expect(t[0].levels[1].some((c) => !c.kept)).toBe(true);
    expect(t[0].beams[0].item).toBe(res.slates[0][0]);
    expect(t[0].iHat.length).toBe(16);
    m.dispose();
  });
});
