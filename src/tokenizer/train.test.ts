import { describe, expect, it } from 'vitest';
import { initCpu, setBackend } from '../engine';
import { testGpu } from '../engine/testing';
import { PrefixTrie } from '../models/sid-table';
import { plantedItems } from './planted';
import { splitPairs } from './pairs';
import { encodeWithCheckpoint, trainTokenizer, type DeepPartial, type TrainConfig } from './train';

// Small planted world: 256 items, 8 semantic groups × 8 nuisance clusters of equal weight; positives = same group.
const tiny = (seed: number, lambda2: number): DeepPartial<TrainConfig> => ({
  seed,
  steps: 500,
  lr: 3e-3,
  batchSize: 64,
  pairsPerBatch: 24,
  initBatch: 256,
  logEvery: 25,
  model: { codebookSize: 8, latentDim: 8, hidden: [32], lambda2 },
});

describe('tokenizer training (planted data)', () => {
  it('THE KEY TEST: the prefix InfoNCE raises held-out consistency vs the same model without it (same seeds)', async () => {
    initCpu();
    const cons: Record<string, number[]> = { with: [], without: [] };
    const lift: Record<string, number[]> = { with: [], without: [] };
    for (const seed of [2, 3]) {
      const p = plantedItems({ items: 256, seed, a: 1 });
      const pairs = splitPairs(p.pairs, 0.3, seed);
      for (const [name, l2] of [['without', 0], ['with', 0.3]] as const) {
        const r = await trainTokenizer('crq-vae', p.features, tiny(seed, l2), { pairs, labels: p.group });
        cons[name].push(r.metrics.consistency);
        lift[name].push(r.metrics.consistency - r.metrics.consistencyChance);
        // every item gets a unique SID: the disambiguation level resolves all collisions
        const trie = PrefixTrie.of(r.sids);
        const W = r.sids.depth + 1;
        const seen = new Set<string>();
        for (let i = 0; i < 256; i++) {
          const sid = r.sids.sids.subarray(i * W, i * W + W);
          seen.add(sid.join(','));
          expect(trie.item(sid)).toBe(i);
        }
        expect(seen.size).toBe(256);
        expect(r.sids.collisions.rate).toBeCloseTo(r.metrics.collisionRate, 10);
        expect(r.lossCurves.step.length).toBeGreaterThan(5);
        expect(r.lossCurves.cont.at(-1) === null).toBe(l2 === 0);
      }
    }
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    console.log('consistency without / with InfoNCE:', cons.without, cons.with, 'lift over chance:', lift.without, lift.with);
    expect(mean(cons.with)).toBeGreaterThan(mean(cons.without) + 0.05);
    expect(mean(lift.with)).toBeGreaterThan(mean(lift.without) + 0.03);
  }, 300_000);

  it('RQ-VAE and RQ-KMeans run through the same function; checkpoints re-encode to the same codes', async () => {
    initCpu();
    const p = plantedItems({ items: 120, seed: 5, a: 1 });
    const pairs = splitPairs(p.pairs, 0.3, 5);
    for (const kind of ['rq-vae', 'rq-kmeans'] as const) {
      const progress: number[] = [];
      const r = await trainTokenizer(kind, p.features, { ...tiny(5, 0), steps: 40 }, { pairs, labels: p.group, onProgress: (q) => progress.push(q.step) });
      expect(progress.length).toBeGreaterThan(0);
      expect(r.metrics.levels.length).toBe(3);
      expect(r.metrics.recon).toBeGreaterThan(0);
      expect(r.metrics.reconRel).toBeLessThan(1.5);
      const again = await encodeWithCheckpoint(JSON.parse(JSON.stringify(r.checkpoint, (_k, v) => (v instanceof Float32Array ? Array.from(v) : v)), (k, v) => (k === 'data' && Array.isArray(v) ? Float32Array.from(v) : v)), p.features.data, 120);
      expect(Array.from(again)).toEqual(Array.from(r.codes));
    }
  }, 120_000);

  it('stops early on abort and still returns codes for every item', async () => {
    initCpu();
    const p = plantedItems({ items: 64, seed: 6 });
    const ac = new AbortController();
    const r = await trainTokenizer('crq-vae', p.features, { ...tiny(6, 0.01), steps: 1000, logEvery: 1 }, {
      onProgress: (q) => {
        if (q.step >= 3) ac.abort();
      },
      signal: ac.signal,
    });
    expect(r.stoppedEarly).toBe(true);
    expect(r.steps).toBeLessThan(10);
    expect(r.codes.length).toBe(64 * 3);
  });
});

describe('tokenizers on WebGPU', () => {
  it('CRQ-VAE trains on WebGPU (finite, decreasing loss); RQ-KMeans codes are identical on WebGPU and CPU', async () => {
    const p = plantedItems({ items: 97, seed: 7, a: 1 });
    const pairs = splitPairs(p.pairs, 0.3, 7);
    const gpu = await testGpu();
    setBackend(gpu);
    const r = await gpu.checked(() => trainTokenizer('crq-vae', p.features, { ...tiny(7, 0.3), steps: 30, logEvery: 5, batchSize: 48, pairsPerBatch: 12 }, { pairs }));
    const res = await r;
    expect(res.backend).toContain('webgpu');
    expect(res.lossCurves.total.every(Number.isFinite)).toBe(true);
    expect(res.lossCurves.recon.at(-1)!).toBeLessThan(res.lossCurves.recon[0]);
    const km = { ...tiny(7, 0), kmeans: { iters: 5 } };
    const onGpu = await trainTokenizer('rq-kmeans', p.features, km, { pairs });
    initCpu();
    const onCpu = await trainTokenizer('rq-kmeans', p.features, km, { pairs });
    expect(Array.from(onGpu.codes)).toEqual(Array.from(onCpu.codes));
  }, 180_000);
});
