// The Slate model and Evaluation slices on the stage layer, in process (real assembler + runner on the CPU backend):
// invalid settings start nothing; a slate run is listed, shown and decodable; the evaluation form starts one run per
// model × seed (counting baselines once) and its table is built from the finished runs.
import { afterEach, describe, expect, it } from 'vitest';
import { initCpu } from '../engine';
import { DataSession } from '../data/session';
import { bundledDataDir, nodeFetchLike } from '../data/node-file';
import { stageEntry } from '../stages';
import { ConfigError, runStage } from '../stages/runner';
import { memoryRunStore } from '../stages/run-store';
import { setDataBackend, type DataBackend } from './data-slice';
import { evaluationTable, loadBatch, type EvaluationBatch } from './evaluation-slice';
import { table1RunConfig } from '../stages/table1-config';
import type { TokenizerKept } from '../stages/tokenizer';
import { setStageHost, type StageHost } from './runs-slice';
import { setSlateDecoder } from './slate-slice';
import { makeStore } from './store';

function inProcess(session?: DataSession): { host: StageHost & { store: ReturnType<typeof memoryRunStore> }; data: DataBackend } {
  const store = memoryRunStore();
  const host: StageHost = {
    store,
    async run(stage, inputs, cfg, o, onProgress, onRecord) {
      initCpu();
      try {
        const { record } = await runStage(stageEntry(stage), inputs, cfg, { ...o, store, backend: 'cpu', checkpointEvery: 4, onProgress, onRecord });
        return { record };
      } catch (e) {
        if (e instanceof ConfigError) return { refused: e.errors, message: e.message };
        throw e;
      }
    },
    stop: async () => true,
    active: async () => false,
  };
  const data = {
    async assembleStage(stage: string, cfg: Record<string, unknown>) {
      const d = session ? { ...session.stageData(), store } : { workspace: new DataSession().workspace(), fingerprint: 'fp', store };
      return { inputs: await stageEntry(stage).assemble(d, cfg), fingerprint: d.fingerprint };
    },
  } as unknown as DataBackend;
  return { host, data };
}

afterEach(() => {
  setStageHost(null);
  setDataBackend(null);
  setSlateDecoder(null);
});

describe('slate slice', () => {
  it('refuses invalid settings (nothing starts), trains a run that is listed and shown, decodes from it', async () => {
    const { host, data } = inProcess();
    setStageHost(host);
    setDataBackend(data);
    const decoded: [string, number, number][] = [];
    setSlateDecoder({ decode: async (runId, index, beam) => (decoded.push([runId, index, beam]), { runId, from: 'session', user: 0, history: [], target: [], steps: [], beam }) });
    const s = makeStore();
    s.getState().setSlateSettings({ dim: 0 });
    await s.getState().trainSlate();
    expect(s.getState().slate.status).toBe('error');
    expect(s.getState().slate.fieldErrors.map((e) => e.field)).toEqual(['dim']);
    expect(await host.store.list()).toEqual([]);

    s.getState().setSlateSettings({ source: 'planted', dim: 16, heads: 2, ffn: 32, slateLayers: 1, maxHistory: 12, epochs: 2, stepsPerEpoch: 4, batchSize: 8, warmup: 2, validUsers: 12, beam: 3, logEvery: 1 });
    expect(s.getState().slate.fieldErrors).toEqual([]);
    await s.getState().trainSlate();
    const st = s.getState().slate;
    expect(st.status).toBe('done');
    expect(st.losses.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(st.valid.map((v) => v.step)).toEqual([4, 8]);
    expect(st.run!.epochs.length).toBe(2);
    expect(st.run!.params).toBeGreaterThan(1000);
    const runs = s.getState().runs.list;
    expect(runs.map((r) => [r.stage, r.status])).toEqual([['slate-decoder', 'done']]);
    expect(st.decode.runId).toBe(runs[0].id);
    await s.getState().decodeSlateUser(3);
    expect(decoded).toEqual([[runs[0].id, 3, 3]]);
  }, 120_000);
});

describe('evaluation slice', () => {
  it('one run per model × seed (counting baselines once), table from the finished runs', async () => {
    const session = new DataSession();
    await session.loadBundled(nodeFetchLike(bundledDataDir()));
    const { host, data } = inProcess(session);
    setStageHost(host);
    setDataBackend(data);
    const s = makeStore();
    s.getState().setUrl({ seed: 5 });
    s.getState().setEvaluationSettings({ models: [] });
    await s.getState().startEvaluation();
    expect(s.getState().evaluation.fieldErrors.map((e) => e.field)).toEqual(['models']);
    // HiGR with a width / blocks override: refused before anything starts, naming the form's fields (not a CLI flag)
    s.getState().setEvaluationSettings({ models: ['pop', 'higr'], dim: 48, blocks: 2 });
    await s.getState().startEvaluation();
    const ev = s.getState().evaluation;
    expect(ev.status).toBe('error');
    expect(ev.fieldErrors.map((e) => e.field)).toEqual(['dim', 'blocks']);
    expect(ev.error).toMatch(/^invalid settings: "width \(0 = default\)": HiGR takes only its training settings here; .* set "width \(0 = default\)" to 0, or untick HiGR; "blocks \(0 = default\)": /);
    expect(ev.error).not.toMatch(/--|higr-/);
    expect(s.getState().runs.list).toEqual([]);
    s.getState().setEvaluationSettings({ dim: 0, blocks: 0 });

    s.getState().setEvaluationSettings({ models: ['pop', 'cooc'], seeds: 2, users: 40 });
    await s.getState().startEvaluation();
    expect(s.getState().evaluation.status).toBe('done');
    const runs = s.getState().runs.list;
    expect(runs.map((r) => `${r.config.model}:${r.seed}`).sort()).toEqual(['cooc:5', 'pop:5']);
    const tab = evaluationTable(runs, s.getState().evaluation.settings, 5);
    expect(tab.rows.map((r) => [r.id, r.seeds])).toEqual([['pop', [5]], ['cooc', [5]]]);
    expect(tab.best).toBe('cooc');
    expect(tab.users).toBe(40);
    // another form (users 39) describes other runs: an empty table
    expect(evaluationTable(runs, { ...s.getState().evaluation.settings, users: 39 }, 5).rows).toEqual([]);
  }, 120_000);
});

describe('evaluation batch cut by a reload', () => {
  // localStorage of the "reloaded page" (the batch is kept there)
  const mem = new Map<string, string>();
  const ls = { getItem: (k: string) => mem.get(k) ?? null, setItem: (k: string, v: string) => void mem.set(k, v), removeItem: (k: string) => void mem.delete(k) };
  /** The page after a reload: localStorage holding the batch, the bundled data, the stage host and data backend in process. */
  async function reloadedPage() {
    (globalThis as { localStorage?: unknown }).localStorage = ls;
    const session = new DataSession();
    await session.loadBundled(nodeFetchLike(bundledDataDir()));
    const { host, data } = inProcess(session);
    setStageHost(host);
    setDataBackend(data);
    return { session, host, data, fp: session.stageData().fingerprint };
  }

  it('continues on start: a SID model resumes from its checkpoint, a counting model starts again as the same run; the notice says which', async () => {
    try {
      const { session, host, data, fp } = await reloadedPage();
      // a finished tokenizer run over the bundled catalogue for TIGER's SIDs (codes written directly)
      const ids = session.stageData().workspace.sideTables().categories!.videoIds;
      await host.store.put({ stage: 'tokenizer', configHash: 'h', seed: 0, dataset: fp, backend: 'cpu', id: 'tok', repeat: 1, config: {}, status: 'done', step: 1, total: 1, createdAt: 0, updatedAt: 0, checkpointStep: null, inputs: {}, summary: null, seconds: 0 });
      await host.store.putResult('tok', { kind: 'rq-kmeans', itemIds: ids, codes: Int32Array.from({ length: ids.length * 2 }, (_, k) => (k % 2 ? (ids[k >> 1] >> 4) % 16 : ids[k >> 1] % 16)), depth: 2, codebookSizes: [16, 16] } satisfies TokenizerKept);
      const s0 = makeStore();
      s0.getState().setEvaluationSettings({ models: ['cooc', 'tiger'], users: 40, tokenizerRun: 'tok' });
      const settings = s0.getState().evaluation.settings;

      // the page that was reloaded: cooc done, TIGER cut mid-training after a checkpoint
      const entry = stageEntry('table1-model');
      const cfg = table1RunConfig(settings, 'tiger');
      const inputs = (await data.assembleStage('table1-model', { ...cfg, seed: 5 })).inputs;
      const ac = new AbortController();
      initCpu();
      await expect(runStage(entry, inputs, cfg, { store: host.store, seed: 5, backend: 'cpu', dataset: fp, checkpointEvery: 4, signal: ac.signal, onProgress: (p) => p.step >= 8 && ac.abort() })).rejects.toThrow(/cancelled/);
      const cut = (await host.store.list('table1-model'))[0];
      expect(cut.status).toBe('interrupted');
      const batch: EvaluationBatch = { settings, jobs: [{ m: 'cooc', seed: 5 }, { m: 'tiger', seed: 5 }], next: 1 };
      ls.setItem('higr.evaluation.batch', JSON.stringify(batch));

      const s = makeStore();
      s.setState((st) => ({ gpu: { ...st.gpu, status: 'unavailable' } }));
      await s.getState().continueEvaluation();
      expect(s.getState().evaluation.status).toBe('done');
      expect(s.getState().evaluation.notice).toBe(`After the reload: tiger seed 5 resumed from its checkpoint at step ${cut.checkpointStep} (run ${cut.id}).`);
      const done = (await host.store.get(cut.id))!;
      expect(done.status).toBe('done');
      expect((done.summary!.extra as { resumedFrom: number }).resumedFrom).toBe(cut.checkpointStep);
      expect(loadBatch()).toBeNull();

      // a counting model keeps no checkpoint: its cut run starts again from step 0 as the same run (no orphan left)
      const c = await runStage(entry, (await data.assembleStage('table1-model', { ...table1RunConfig(settings, 'cooc'), seed: 5 })).inputs, table1RunConfig(settings, 'cooc'), { store: host.store, seed: 5, backend: 'cpu', dataset: fp });
      await host.store.put({ ...c.record, status: 'interrupted', checkpointStep: null, summary: null });
      ls.setItem('higr.evaluation.batch', JSON.stringify({ ...batch, next: 0 }));
      const s2 = makeStore();
      s2.setState((st) => ({ gpu: { ...st.gpu, status: 'unavailable' } }));
      await s2.getState().continueEvaluation();
      expect(s2.getState().evaluation.status).toBe('done');
      expect(s2.getState().evaluation.notice).toBe(`After the reload: cooc seed 5 started again from step 0 as the same run (${c.record.id}): cooc is counted, not trained, and keeps no checkpoint.`);
      const coocRuns = (await host.store.list('table1-model')).filter((r) => r.config.model === 'cooc');
      expect(coocRuns.map((r) => [r.id, r.status])).toEqual([[c.record.id, 'done']]);
      // the batch went on to TIGER, which started anew (its earlier run is done), and the table has both rows
      const tab = evaluationTable(s2.getState().runs.list, settings, 5);
      expect(tab.rows.map((r) => r.id)).toEqual(['cooc', 'tiger']);
      expect(tab.rows[1].sids).toMatch(/^tokenizer run tok: widths \[16, 16, \d+\]/);
    } finally {
      delete (globalThis as { localStorage?: unknown }).localStorage;
    }
  }, 300_000);
  it('continues on start: a sequence baseline cut mid-training resumes from its checkpoint to the same metrics as an uninterrupted run', async () => {
    try {
      const { host, data, fp } = await reloadedPage();
      const s0 = makeStore();
      // 60 users, batch 16: 4 steps per epoch, 6 epochs (early stopping validates every 5)
      s0.getState().setEvaluationSettings({ models: ['sasrec'], users: 60, epochs: 6, batchSize: 16 });
      const settings = s0.getState().evaluation.settings;
      const entry = stageEntry('table1-model');
      const cfg = table1RunConfig(settings, 'sasrec');
      const inputs = () => data.assembleStage('table1-model', { ...cfg, seed: 2 }).then((x) => x.inputs);
      initCpu();
      const straight = await runStage(entry, await inputs(), cfg, { store: memoryRunStore(), seed: 2, backend: 'cpu', dataset: fp, checkpointEvery: 4 });
      // the page that was reloaded: SASRec cut at step 14, after its step-12 checkpoint (the record still says running)
      const ac = new AbortController();
      const crash = new Error('page reloaded');
      await expect(runStage(entry, await inputs(), cfg, { store: host.store, seed: 2, backend: 'cpu', dataset: fp, checkpointEvery: 4, signal: ac.signal, onProgress: (p) => { if (p.step + 1 >= 14) throw crash; } })).rejects.toThrow(/page reloaded/);
      const cut = (await host.store.list('table1-model'))[0];
      expect(cut.checkpointStep).toBe(12);
      ls.setItem('higr.evaluation.batch', JSON.stringify({ settings, jobs: [{ m: 'sasrec', seed: 2 }], next: 0 } satisfies EvaluationBatch));
      const s = makeStore();
      s.setState((st) => ({ gpu: { ...st.gpu, status: 'unavailable' } }));
      const steps: number[] = [];
      const off = s.subscribe((st) => {
        const p = st.evaluation.progress;
        if (p && p.step !== steps[steps.length - 1]) steps.push(p.step);
      });
      await s.getState().continueEvaluation();
      off();
      expect(s.getState().evaluation.status).toBe('done');
      expect(s.getState().evaluation.notice).toBe(`After the reload: sasrec seed 2 resumed from its checkpoint at step 12 (run ${cut.id}).`);
      // the status line starts at the checkpoint's step and goes on from there (never back to 0)
      expect(steps.slice(0, 2)).toEqual([12, 13]);
      expect(Math.min(...steps)).toBe(12);
      const done = (await host.store.get(cut.id))!;
      expect(done.status).toBe('done');
      expect((done.summary!.extra as { resumedFrom: number }).resumedFrom).toBe(12);
      const { trainSeconds: _a, ...a } = straight.record.summary!.metrics;
      const { trainSeconds: _b, ...b } = done.summary!.metrics;
      expect(b).toEqual(a);
      expect((done.summary!.extra as { perUser: number[] }).perUser).toEqual((straight.record.summary!.extra as { perUser: number[] }).perUser);
      expect(done.summary!.curves).toEqual(straight.record.summary!.curves);
    } finally {
      delete (globalThis as { localStorage?: unknown }).localStorage;
    }
  }, 300_000);
});
