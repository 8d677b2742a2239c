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
import { evaluationTable } from './evaluation-slice';
import { setStageHost, type StageHost } from './runs-slice';
import { setSlateDecoder } from './slate-slice';
import { makeStore } from './store';

function inProcess(session?: DataSession): { host: StageHost; data: DataBackend } {
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
