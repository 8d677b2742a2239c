// The table1-model stage with the SID models (issue 19 item 4): it offers every registered Table 1 model; a SID model's
// run assembles its SID table with the slate decoder's assembly (a finished tokenizer run, or a tokenizer trained now
// with SID_TOKENIZER's defaults), records the SID source in its summary, trains and evaluates through the runner with
// finite metrics, and a run stopped mid-training resumes from its checkpoint to the same metrics as an uninterrupted run.
import { beforeAll, describe, expect, it } from 'vitest';
import { initCpu } from '../engine';
import { DataSession } from '../data/session';
import { bundledDataDir, nodeFetchLike } from '../data/node-file';
import { MODELS } from '../eval/registry';
import { higrSettings, SID_TOKENIZER } from '../eval/generative';
import { runStage } from './runner';
import { memoryRunStore, type RunStore } from './run-store';
import { defaults, validateConfig } from './schema';
import { TABLE1_DETERMINISTIC, TABLE1_MODEL_VALUES, TABLE1_SCHEMA, TABLE1_SID_MODELS, EVALUATION_FORM_SCHEMA, table1Overrides, type Table1StageConfig } from './table1-config';
import { table1ModelStage, type Table1RunExtra } from './table1-model';
import type { TokenizerKept } from './tokenizer';
import type { StageData } from './types';

let store: RunStore;
let data: StageData;
const TOK = 'tokenizer-bundled-test';
const cfgOf = (p: Record<string, unknown>) => ({ ...defaults(TABLE1_SCHEMA), users: 60, quick: true, tokenizerRun: TOK, ...p }) as never;

beforeAll(async () => {
  store = memoryRunStore();
  const s = new DataSession();
  await s.loadBundled(nodeFetchLike(bundledDataDir()));
  data = { ...s.stageData(), store };
  // a finished tokenizer run over the bundled catalogue (codes written directly: k-means here would cost a minute)
  const ids = data.workspace.sideTables().categories!.videoIds;
  const codes = Int32Array.from({ length: ids.length * 2 }, (_, k) => (k % 2 ? (ids[k >> 1] >> 4) % 16 : ids[k >> 1] % 16));
  await store.put({ stage: 'tokenizer', configHash: 'h', seed: 0, dataset: data.fingerprint, backend: 'cpu', id: TOK, repeat: 1, config: {}, status: 'done', step: 1, total: 1, createdAt: 0, updatedAt: 0, checkpointStep: null, inputs: {}, summary: null, seconds: 0 });
  await store.putResult(TOK, { kind: 'rq-kmeans', itemIds: ids, codes, depth: 2, codebookSizes: [16, 16] } satisfies TokenizerKept);
}, 120_000);

describe('table1-model stage with the SID models', () => {
  it('offers every registered Table 1 model; SID models, resumable models and deterministic ones agree with the registry', () => {
    expect([...TABLE1_MODEL_VALUES]).toEqual(MODELS.map((m) => m.id));
    expect([...TABLE1_SID_MODELS]).toEqual(MODELS.filter((m) => m.needsSids).map((m) => m.id));
    // every trained model resumes mid-training (SID models and sequence baselines); only the counting baselines keep no checkpoint
    expect(MODELS.filter((m) => m.resumable).map((m) => m.id)).toEqual(MODELS.filter((m) => !m.deterministic).map((m) => m.id));
    expect([...TABLE1_DETERMINISTIC]).toEqual(MODELS.filter((m) => m.deterministic).map((m) => m.id));
    // the on-the-fly SID tokenizer defaults to SID_TOKENIZER (the SIDs of `higr table1`)
    const d = defaults(TABLE1_SCHEMA);
    expect({ kind: d.sidKind, levels: d.levels, codebookSize: d.codebookSize, steps: d.sidSteps }).toEqual({ kind: SID_TOKENIZER.kind, levels: SID_TOKENIZER.levels, codebookSize: SID_TOKENIZER.codebookSize, steps: SID_TOKENIZER.steps });
    // a neural tokenizer on the fly needs steps — asked only when a SID model is chosen
    const bad = (s: ConfigSchemaLike, raw: Record<string, unknown>) => validateConfig(s as never, raw).errors.map((e) => `${e.field}: ${e.message}`);
    expect(bad(TABLE1_SCHEMA, { model: 'tiger', sidKind: 'crq-vae', sidSteps: 0 })).toEqual(['sidSteps: crq-vae needs training steps (>= 1); RQ-KMeans needs none']);
    expect(bad(TABLE1_SCHEMA, { model: 'sasrec', sidKind: 'crq-vae', sidSteps: 0 })).toEqual([]);
    expect(bad(EVALUATION_FORM_SCHEMA, { models: ['pop', 'onerec'], sidKind: 'rq-vae', sidSteps: 0 })).toEqual(['sidSteps: rq-vae needs training steps (>= 1); RQ-KMeans needs none']);
    expect(bad(EVALUATION_FORM_SCHEMA, { models: ['pop', 'hstu'], sidKind: 'rq-vae', sidSteps: 0 })).toEqual([]);
    // HiGR takes its training settings only: width / blocks / max length are refused by the one check, worded for the
    // form (its field's label), the stage (higr run) and `higr table1 --higr-<key>` (the flag)
    const why = "HiGR takes only its training settings here; its model size is its HSD recipe (docs/slate-decoder.md)";
    expect(bad(EVALUATION_FORM_SCHEMA, { models: ['pop', 'higr'], dim: 48, maxLen: 30, epochs: 2 })).toEqual([`maxLen: ${why} — set "max sequence length (0 = default)" to 0, or untick HiGR`, `dim: ${why} — set "width (0 = default)" to 0, or untick HiGR`]);
    expect(bad(EVALUATION_FORM_SCHEMA, { models: ['pop', 'sasrec'], dim: 48, blocks: 2 })).toEqual([]);
    expect(bad(TABLE1_SCHEMA, { model: 'higr', blocks: 3 })).toEqual([`blocks: ${why} — leave "blocks (0 = default)" at 0 for HiGR`]);
    expect(bad(TABLE1_SCHEMA, { model: 'higr', epochs: 2, lr: 1e-3, batchSize: 8 })).toEqual([]);
    expect(() => higrSettings({ seed: 0, quick: true, overrides: { dim: 48 } })).toThrow(`--higr-dim: ${why} (HiGR flags: --higr-epochs,`);
    expect(() => higrSettings({ seed: 0, quick: true, overrides: { lr: 'fast' } })).toThrow('--higr-lr: must be a number (got "fast")');
    expect(higrSettings({ seed: 0, quick: true, overrides: { epochs: 5, recentWindows: 7 } })).toMatchObject({ epochs: 5, recentWindows: 7 });
  });

  it("the form's overrides: non-zero settings only; maxLen and blocks reach the sequence models, never a SID model (they have no such setting and reject unknown keys)", () => {
    const cfg = (model: string): Table1StageConfig => ({ ...defaults(TABLE1_SCHEMA), model, maxLen: 50, blocks: 2, dim: 16 }) as Table1StageConfig;
    expect(table1Overrides(cfg('sasrec'))).toEqual({ maxLen: 50, blocks: 2, dim: 16 });
    for (const id of ['tiger', 'onerec', 'listcvae']) {
      expect(table1Overrides(cfg(id))).toEqual({ dim: 16 });
      expect(() => MODELS.find((m) => m.id === id)!.settings({ seed: 0, quick: true, overrides: table1Overrides(cfg(id)) })).not.toThrow();
    }
  });

  it('assembles the SID table of a tokenizer run for a SID model (none for a sequence model) and the validation sequences', async () => {
    const t = await table1ModelStage.assemble(data, cfgOf({ model: 'tiger' }));
    expect(t.sidTable!.widths.slice(0, 2)).toEqual([16, 16]);
    const L = t.sidTable!.widths.length;
    const ids = data.dataset!.itemIds;
    for (const i of [0, 17, 3236]) expect([t.sidTable!.sids[i * L], t.sidTable!.sids[i * L + 1]]).toEqual([ids[i] % 16, (ids[i] >> 4) % 16]);
    expect(t.sids!.label).toBe(`tokenizer run ${TOK}: widths [${t.sidTable!.widths.join(', ')}], collision rate ${t.sidTable!.collisions.rate.toFixed(3)}`);
    expect(table1ModelStage.describeInputs(t)).toMatchObject({ items: 3237, users: 60, sids: t.sids!.label, sidHash: t.sids!.hash });
    // validation sequences: the training sequence + the 5-item validation slate, for every user that has one
    const n = (s: { offsets: Int32Array }, u: number) => s.offsets[u + 1] - s.offsets[u];
    for (let u = 0; u < 60; u++) expect([n(t, u), n(t, u) + 5]).toContain(n(t.validation!, u));
    expect(t.valid!.length).toBeGreaterThan(0);
    const s = await table1ModelStage.assemble(data, cfgOf({ model: 'sasrec' }));
    expect(s.sidTable).toBeUndefined();
    expect(s.sids).toBeNull();
    expect(table1ModelStage.describeInputs(s).sids).toBeUndefined();
    await expect(table1ModelStage.assemble(data, cfgOf({ model: 'onerec', tokenizerRun: 'nope' }))).rejects.toThrow(/tokenizerRun: no run "nope"/);
  }, 120_000);

  it('trains and evaluates TIGER through the runner (finite metrics, SID source in the summary); stopped mid-training it resumes to the same result', async () => {
    initCpu();
    const cfg = cfgOf({ model: 'tiger' });
    const inputs = await table1ModelStage.assemble(data, cfg);
    const o = { store, seed: 1, backend: 'cpu', dataset: data.fingerprint, checkpointEvery: 5 };
    const straight = await runStage(table1ModelStage, inputs, cfg, o);
    expect(straight.record.status).toBe('done');
    const m = straight.record.summary!.metrics;
    for (const k of ['hit5', 'recall5', 'ndcg5']) expect(Number.isFinite(m[k]) && m[k]! >= 0 && m[k]! <= 1).toBe(true);
    const x = straight.record.summary!.extra as Table1RunExtra;
    expect(x.row.id).toBe('tiger');
    expect(x.perUser.length).toBe(60);
    expect(x.sids!.label).toMatch(new RegExp(`^tokenizer run ${TOK}: widths \\[16, 16, \\d+\\]`));
    expect(x.resumedFrom).toBeNull();
    // held-out curves: validation recall@5 after the epoch
    expect(straight.record.summary!.curves.valid!.series.recall5.length).toBeGreaterThan(0);
    expect(straight.record.checkpointStep).not.toBeNull();

    const ac = new AbortController();
    await expect(runStage(table1ModelStage, inputs, cfg, { ...o, signal: ac.signal, onProgress: (p) => p.step >= 8 && ac.abort() })).rejects.toThrow(/training cancelled/);
    const cut = (await store.list('table1-model')).find((r) => r.status === 'interrupted')!;
    expect(cut.checkpointStep).toBeGreaterThan(0);
    expect(cut.checkpointStep).toBeLessThan(straight.record.total);
    const resumed = await runStage(table1ModelStage, inputs, cfg, { ...o, resume: cut.id });
    expect(resumed.record.status).toBe('done');
    expect((resumed.record.summary!.extra as Table1RunExtra).resumedFrom).toBe(cut.checkpointStep);
    const { trainSeconds: _a, ...a } = straight.record.summary!.metrics;
    const { trainSeconds: _b, ...b } = resumed.record.summary!.metrics;
    expect(b).toEqual(a);
    expect(resumed.record.summary!.curves.step).toEqual(straight.record.summary!.curves.step);

    // popularity on the same users through the same stage, for scale (60 users, 20 quick steps: no ordering asserted)
    const pop = await runStage(table1ModelStage, await table1ModelStage.assemble(data, cfgOf({ model: 'pop' })), cfgOf({ model: 'pop' }), o);
    console.log(`60 users, quick: TIGER recall@5 ${m.recall5!.toFixed(4)}, popularity ${pop.record.summary!.metrics.recall5!.toFixed(4)}`);
  }, 300_000);

  it('trains the SIDs on the fly when no tokenizer run is given, once per (data, settings, seed): later runs get an equal copy', async () => {
    initCpu();
    const c = cfgOf({ model: 'listcvae', tokenizerRun: '', codebookSize: 8, levels: 2 });
    const a = await table1ModelStage.assemble(data, c);
    expect(a.sids!.label).toMatch(/^rq-kmeans D = 2, K = 8, trained on the item features now \(seed 0\): widths \[8, 8, \d+\]/);
    // trained on the backend current where the inputs are assembled (the CPU reference here), and said so
    expect(a.sids!.tokenizer).toMatchObject({ kind: 'rq-kmeans', levels: 2, codebookSize: 8, backend: 'cpu', backendReason: 'the backend current where the inputs were assembled' });
    expect(a.sids!.label).toMatch(/; trained on cpu$/);
    const b = await table1ModelStage.assemble(data, c);
    expect(b.sidTable!.sids).not.toBe(a.sidTable!.sids);
    expect(Array.from(b.sidTable!.sids)).toEqual(Array.from(a.sidTable!.sids));
    expect(b.sids!.hash).toBe(a.sids!.hash);
  }, 300_000);
});

type ConfigSchemaLike = { fields: Record<string, unknown> };
