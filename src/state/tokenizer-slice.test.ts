import { afterEach, describe, expect, it } from 'vitest';
import { initCpu } from '../engine';
import { makeStore } from './store';
import { metricsRows, setTokenizerWorker, tokenizerRequest, topLevel1, TOKENIZER_SETTINGS_DEFAULTS, type TokenizerWorker } from './tokenizer-slice';
import { plantedItems } from '../tokenizer/planted';
import { splitPairs } from '../tokenizer/pairs';
import { trainTokenizer, type TokenizerResult } from '../tokenizer/train';
import { sunburstData } from '../tokenizer/explore';

// A fake worker that runs the real training function in-process on the CPU (no Web Worker in node tests).
function inProcessWorker(): TokenizerWorker & { results: Map<string, TokenizerResult> } {
  const results = new Map<string, TokenizerResult>();
  return {
    results,
    async train(req, onProgress, onResult) {
      initCpu();
      const p = plantedItems({ items: req.maxItems, seed: 1 });
      const pairs = splitPairs(p.pairs, 0.2, 0);
      const runs = [];
      const info = { source: 'planted', items: req.maxItems, dim: p.features.dim, blocks: '', trainPairs: pairs.train.length / 2, heldOutPairs: pairs.test.length / 2 };
      for (const kind of req.kinds) {
        const r = await trainTokenizer(kind, p.features, req.config, { pairs, labels: p.group, onProgress: (q) => onProgress({ ...q, info }) });
        results.set(kind, r);
        const s = { kind, metrics: r.metrics, curves: r.lossCurves, collisions: r.sids.collisions, reseeded: r.reseeded, steps: r.steps, stoppedEarly: r.stoppedEarly, seconds: r.ms / 1000, backend: r.backend };
        onResult(s);
        runs.push(s);
      }
      return { info, runs };
    },
    async stop() {
      return false;
    },
    async explorer(kind) {
      const r = results.get(kind)!;
      return { kind, method: 'pca', x: [0], y: [0], s1: [0], ids: [1], sunburst: sunburstData(r.sids), levels: 3 };
    },
    async prefixItems() {
      return { total: 1, items: [{ id: 1, sid: [0, 0, 0, 0], caption: 'c', category: 'g', tags: '' }] };
    },
  };
}

afterEach(() => setTokenizerWorker(null));

describe('tokenizer slice', () => {
  it('maps settings and the URL seed to a worker request', () => {
    const r = tokenizerRequest({ ...TOKENIZER_SETTINGS_DEFAULTS, lambda2: 0.5, codebookSize: 32 }, 9, 'http://x/data/');
    expect(r.config.seed).toBe(9);
    expect(r.config.model?.lambda2).toBe(0.5);
    expect(r.config.model?.codebookSize).toBe(32);
    expect(r.dataBase).toBe('http://x/data/');
  });

  it('trains through the worker interface: live curves, final metrics, explorer and prefix items', async () => {
    const w = inProcessWorker();
    setTokenizerWorker(w);
    const store = makeStore();
    store.getState().setUrl({ seed: 4 });
    store.getState().setTokenizerSettings({ maxItems: 96, steps: 12, batchSize: 32, codebookSize: 8, kinds: ['crq-vae', 'rq-kmeans'] });
    await store.getState().trainTokenizers();
    const t = store.getState().tokenizer;
    expect(t.status).toBe('done');
    expect(t.info?.items).toBe(96);
    expect(t.runs['crq-vae']?.curves.step.length).toBeGreaterThan(1);
    expect(t.runs['crq-vae']?.done).toBe(true);
    expect(metricsRows(t).map((r) => r.kind)).toEqual(['crq-vae', 'rq-kmeans']);
    expect(w.results.get('crq-vae')!.checkpoint.config.seed).toBe(4);
    await store.getState().loadExplorer('crq-vae', 'pca');
    expect(store.getState().tokenizer.explorer.status).toBe('ready');
    const top = topLevel1(store.getState().tokenizer);
    expect(top.length).toBeGreaterThan(0);
    expect(top.reduce((a, p) => a + p.items, 0)).toBeLessThanOrEqual(96);
    await store.getState().selectPrefix([top[0].code]);
    expect(store.getState().tokenizer.explorer.items.length).toBe(1);
  });
});
