import { afterEach, describe, expect, it } from 'vitest';
import { initCpu } from '../engine';
import { DataWorkspace } from '../data/workspace';
import { stageEntry } from '../stages';
import { ConfigError, runStage } from '../stages/runner';
import { memoryRunStore } from '../stages/run-store';
import { sunburstData } from '../tokenizer/explore';
import type { TokenizerResult } from '../tokenizer/train';
import { setDataBackend, type DataBackend } from './data-slice';
import { setStageHost, type StageHost } from './runs-slice';
import { makeStore } from './store';
import { metricsRows, setTokenizerWorker, topLevel1, type TokenizerWorker } from './tokenizer-slice';

// In-process stand-ins for the two workers: the real stage assembler and runner on the CPU backend.
function inProcess(): { host: StageHost; data: DataBackend; results: Map<string, TokenizerResult>; explorer: TokenizerWorker } {
  const results = new Map<string, TokenizerResult>();
  const store = memoryRunStore();
  let ac: AbortController | null = null;
  const host: StageHost = {
    store,
    async run(stage, inputs, cfg, o, onProgress, onRecord) {
      initCpu();
      ac = new AbortController();
      try {
        const { record, result } = await runStage(stageEntry(stage), inputs, cfg, { ...o, store, backend: 'cpu', signal: ac.signal, checkpointEvery: 4, onProgress, onRecord });
        results.set(record.id, result as TokenizerResult);
        return { record };
      } catch (e) {
        if (e instanceof ConfigError) return { refused: e.errors, message: e.message };
        throw e;
      }
    },
    async stop() {
      ac?.abort();
      return true;
    },
    async active() {
      return false;
    },
  };
  const data = {
    async assembleStage(stage: string, cfg: Record<string, unknown>, extras?: unknown) {
      return { inputs: await stageEntry(stage).assemble({ workspace: new DataWorkspace(), fingerprint: 'fp' }, cfg, extras), fingerprint: 'fp' };
    },
  } as unknown as DataBackend;
  const explorer: TokenizerWorker = {
    async explorer(id) {
      const r = results.get(id)!;
      return { kind: r.kind, method: 'pca', x: [0], y: [0], s1: [0], ids: [1], sunburst: sunburstData(r.sids), levels: 3 };
    },
    async prefixItems() {
      return { total: 1, items: [{ id: 1, sid: [0, 0, 0, 0], caption: 'c', category: 'g', tags: '' }] };
    },
  };
  return { host, data, results, explorer };
}

afterEach(() => {
  setTokenizerWorker(null);
  setStageHost(null);
  setDataBackend(null);
});

describe('tokenizer slice on the stage layer', () => {
  it('trains one run per kind: live curves, final metrics, runs listed, explorer and prefix items', async () => {
    const w = inProcess();
    setStageHost(w.host);
    setDataBackend(w.data);
    setTokenizerWorker(w.explorer);
    const store = makeStore();
    store.getState().setUrl({ seed: 4 });
    store.getState().setTokenizerSettings({ source: 'planted', maxItems: 96, steps: 12, batchSize: 32, codebookSize: 8, kinds: ['crq-vae', 'rq-kmeans'] });
    await store.getState().trainTokenizers();
    const t = store.getState().tokenizer;
    expect(t.error).toBeNull();
    expect(t.status).toBe('done');
    expect(t.info?.items).toBe(96);
    expect(t.runs['crq-vae']?.curves.step.length).toBe(12); // every step
    expect(t.runs['crq-vae']?.done).toBe(true);
    expect(metricsRows(t).map((r) => r.kind)).toEqual(['crq-vae', 'rq-kmeans']);
    const list = store.getState().runs.list;
    expect(list.map((r) => r.config.kind).sort()).toEqual(['crq-vae', 'rq-kmeans']);
    expect(list.every((r) => r.seed === 4 && r.status === 'done')).toBe(true);
    await store.getState().loadExplorer('crq-vae', 'pca');
    expect(store.getState().tokenizer.explorer.status).toBe('ready');
    const top = topLevel1(store.getState().tokenizer);
    expect(top.length).toBeGreaterThan(0);
    expect(top.reduce((a, p) => a + p.items, 0)).toBeLessThanOrEqual(96);
    await store.getState().selectPrefix([top[0].code]);
    expect(store.getState().tokenizer.explorer.items.length).toBe(1);
  });

  it('invalid settings show field errors and start nothing', async () => {
    const w = inProcess();
    setStageHost(w.host);
    setDataBackend(w.data);
    const store = makeStore();
    store.getState().setTokenizerSettings({ source: 'planted', steps: 0, lr: -1 });
    await store.getState().trainTokenizers();
    const t = store.getState().tokenizer;
    expect(t.status).toBe('error');
    expect(t.fieldErrors.map((e) => e.field)).toEqual(['steps', 'lr']);
    expect(t.error).toContain('steps: must be an integer in [1, 1000000] (got 0)');
    expect(await w.host.store.list()).toEqual([]);
    // K larger than the item count is refused once the inputs are known, still before anything runs
    store.getState().setTokenizerSettings({ steps: 5, lr: 1e-3, maxItems: 40, codebookSize: 64, kinds: ['crq-vae'] });
    await store.getState().trainTokenizers();
    expect(store.getState().tokenizer.fieldErrors.map((e) => e.field)).toEqual(['codebookSize']);
    expect(await w.host.store.list()).toEqual([]);
  });
});
