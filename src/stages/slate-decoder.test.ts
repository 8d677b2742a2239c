// The slate-decoder and table1-model stages on the stage layer: schema refusals, a run resumed from a mid-epoch
// checkpoint gives the same curves and metrics as an uninterrupted one, the kept result rebuilds the model, SIDs from a
// finished tokenizer run, and a Table 1 model trained + evaluated on the bundled data through the runner.
import { describe, expect, it } from 'vitest';
import { initCpu } from '../engine';
import { DataWorkspace } from '../data/workspace';
import { DataSession } from '../data/session';
import { bundledDataDir, nodeFetchLike } from '../data/node-file';
import { modelFromCheckpoint } from '../train/slate-decoder';
import { runStage } from './runner';
import { memoryRunStore } from './run-store';
import { defaults, validateConfig } from './schema';
import { SLATE_SCHEMA, slateDecoderStage, type SlateKept, type SlateStageConfig } from './slate-decoder';
import { SLATE_DEMO_DIFFERENCES } from './slate-decoder-config';
import { higrSettings } from '../eval/generative';
import { table1ModelStage, type Table1RunExtra } from './table1-model';
import { tokenizerStage, TOKENIZER_SCHEMA, type TokenizerKept } from './tokenizer';

const tiny: Partial<SlateStageConfig> = { source: 'planted', dim: 16, heads: 2, ffn: 32, slateLayers: 1, maxHistory: 12, epochs: 2, stepsPerEpoch: 6, batchSize: 8, lr: 5e-3, warmup: 2, validUsers: 12, beam: 3, logEvery: 1 };
const cfgOf = (p: Partial<SlateStageConfig>) => ({ ...defaults(SLATE_SCHEMA), ...tiny, ...p }) as SlateStageConfig & Record<string, unknown>;
const planted = { workspace: new DataWorkspace(), fingerprint: 'fp-planted' };

describe('slate-decoder stage', () => {
  it('refuses bad settings naming the field and the range', () => {
    const bad = (raw: Record<string, unknown>) => validateConfig(SLATE_SCHEMA, raw).errors.map((e) => `${e.field}: ${e.message}`);
    expect(bad({ dim: 0 })).toEqual(['dim: must be an integer in [1, 8192] (got 0)']);
    expect(bad({ lr: -1 })).toEqual(['lr: must be a number in (0, 1] (got -1)']);
    expect(bad({ dim: 30, heads: 4 })).toEqual(['heads: must divide the model width d = 30 (got 4)']);
    expect(bad({ sidKind: 'crq-vae' })[0]).toMatch(/^sidSteps: crq-vae needs training steps/);
    expect(bad({})).toEqual([]);
  });

  it("defaults are HiGR's Table 1 recipe except the listed demo sizes (shown on screen), whose recipe values are the recipe's", () => {
    const recipe = higrSettings({ seed: 0, quick: false }) as unknown as Record<string, unknown> & { model: Record<string, unknown> };
    const d = defaults(SLATE_SCHEMA) as Record<string, unknown>;
    const listed = new Map<string, number>(SLATE_DEMO_DIFFERENCES.map((x) => [x.field, x.recipe]));
    const compared: string[] = [];
    for (const k of Object.keys(d)) {
      const rv = k in recipe.model ? recipe.model[k] : recipe[k];
      if (rv === undefined) continue;
      compared.push(k);
      if (listed.has(k)) {
        expect(listed.get(k), k).toBe(rv);
        expect(d[k], k).not.toBe(rv);
      } else expect(d[k], k).toBe(rv);
    }
    expect(compared.length).toBeGreaterThanOrEqual(20);
    expect([...listed.keys()].every((k) => compared.includes(k))).toBe(true);
    // the two that cost nothing extra (issue: the browser demo trained without them)
    expect(d).toMatchObject({ dropout: 0.4, recentWindows: 20 });
  });

  it('resumes a run stopped mid-epoch to the same curves and metrics as an uninterrupted run; the kept result rebuilds the model', async () => {
    initCpu();
    const store = memoryRunStore();
    const cfg = cfgOf({});
    const inputs = await slateDecoderStage.assemble(planted, { ...cfg, seed: 3 });
    const o = { store, seed: 3, backend: 'cpu', dataset: 'fp-planted', checkpointEvery: 4 };
    const straight = await runStage(slateDecoderStage, inputs, cfg, o);
    expect(straight.record.status).toBe('done');
    const c = straight.record.summary!.curves;
    expect(c.step).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(c.valid!.step).toEqual([5, 11]);
    expect(c.valid!.series.recall5.every((v) => v !== null && v >= 0 && v <= 1)).toBe(true);

    const ac = new AbortController();
    const cut = await runStage(slateDecoderStage, inputs, cfg, { ...o, signal: ac.signal, onProgress: (p) => p.step >= 8 && ac.abort() });
    expect(cut.record.status).toBe('stopped');
    expect(cut.record.checkpointStep).toBe(9); // the exact state at the stop (mid-epoch 2)
    const resumed = await runStage(slateDecoderStage, inputs, cfg, { ...o, resume: cut.record.id });
    expect(resumed.record.status).toBe('done');
    expect(resumed.record.summary!.curves).toEqual(c);
    expect(resumed.record.summary!.metrics).toEqual({ ...straight.record.summary!.metrics, secondsPerEpoch: resumed.record.summary!.metrics.secondsPerEpoch });

    const kept = await store.getResult<SlateKept>(resumed.record.id);
    const m = modelFromCheckpoint(kept!.checkpoint);
    const w0 = await straight.result.model.stateDict();
    const w1 = await m.stateDict();
    for (const k of Object.keys(w0)) expect(Array.from(w1[k].data)).toEqual(Array.from(w0[k].data));
    expect(kept!.decode.test.user.length).toBe(36);
    m.dispose();
    straight.result.model.dispose();
    resumed.result.model.dispose();
  }, 120_000);

  it('takes its SIDs from a finished tokenizer run of the run store, refusing a run that does not cover the items', async () => {
    initCpu();
    const store = memoryRunStore();
    // what a tokenizer run keeps (the runner stores entry.keep(result)): a tiny planted run end to end
    const tcfg = { ...defaults(TOKENIZER_SCHEMA), source: 'planted', maxItems: 64, steps: 3, batchSize: 32, codebookSize: 8, latentDim: 8, levels: 2, w: [1, 0.1] } as never;
    const tin = await tokenizerStage.assemble(planted, { ...(tcfg as object), seed: 0 } as never);
    const tok = await runStage(tokenizerStage, tin, tcfg, { store, seed: 0, backend: 'cpu', dataset: 'fp' });
    const kept = await store.getResult<TokenizerKept>(tok.record.id);
    expect(kept!.itemIds.length).toBe(64);
    expect(kept!.codes.length).toBe(64 * 2);
    expect(kept!.codebookSizes).toEqual([8, 8]);

    // a finished tokenizer run over the bundled catalogue (codes written directly: k-means over 10,728 items is slow here)
    const s = new DataSession();
    await s.loadBundled(nodeFetchLike(bundledDataDir()));
    const data = { ...s.stageData(), store };
    const ids = data.workspace.sideTables().categories!.videoIds;
    const codes = Int32Array.from({ length: ids.length * 2 }, (_, k) => (k % 2 ? (ids[k >> 1] >> 4) % 16 : ids[k >> 1] % 16));
    const rec = { ...tok.record, id: 'tok-bundled', status: 'done' as const };
    await store.put(rec);
    await store.putResult(rec.id, { kind: 'rq-kmeans', itemIds: ids, codes, depth: 2, codebookSizes: [16, 16] } satisfies TokenizerKept);
    const inputs = await slateDecoderStage.assemble(data, { ...cfgOf({ source: 'dataset', tokenizerRun: rec.id }), seed: 0 });
    expect(inputs.info.items).toBe(3237);
    expect(inputs.info.users).toBe(930);
    expect(inputs.widths.slice(0, 2)).toEqual([16, 16]);
    const L = inputs.widths.length;
    for (const i of [0, 17, 3236]) expect([inputs.sidCodes[i * L], inputs.sidCodes[i * L + 1]]).toEqual([inputs.itemIds![i] % 16, (inputs.itemIds![i] >> 4) % 16]);
    expect(inputs.tokenizer).toMatchObject({ run: rec.id, kind: 'rq-kmeans' });
    expect(inputs.info.protocol).toMatch(/^reference leave-five-out on small_matrix_time_ordered\.txt \(bundled\): users with >= 10 items/);
    await expect(slateDecoderStage.assemble(data, { ...cfgOf({ source: 'dataset', tokenizerRun: 'nope' }), seed: 0 })).rejects.toThrow(/tokenizerRun: no run "nope"/);
    // the planted run's 64 items do not cover the dataset
    await expect(slateDecoderStage.assemble(data, { ...cfgOf({ source: 'dataset', tokenizerRun: tok.record.id }), seed: 0 })).rejects.toThrow(/tokenized 64 items, \d+ of the dataset's 3237 items are not among them/);
  }, 120_000);
});

describe('table1-model stage', () => {
  it('trains and evaluates one model per run on the current dataset, with per-user recall for paired tests', async () => {
    initCpu();
    const store = memoryRunStore();
    const s = new DataSession();
    await s.loadBundled(nodeFetchLike(bundledDataDir()));
    const data = s.stageData();
    const cfg = { ...defaults(table1ModelStage.schema), model: 'cooc', users: 60 } as never;
    const inputs = await table1ModelStage.assemble(data, cfg);
    expect(inputs.info.users).toBe(60);
    const r = await runStage(table1ModelStage, inputs, cfg, { store, seed: 2, backend: 'cpu', dataset: data.fingerprint });
    expect(r.record.status).toBe('done');
    const x = r.record.summary!.extra as Table1RunExtra;
    expect(x.row.id).toBe('cooc');
    expect(x.perUser.length).toBe(60);
    expect(r.record.summary!.metrics.recall5).toBeCloseTo(x.perUser.reduce((a, b) => a + b, 0) / 60, 10);
    expect(x.protocol).toMatch(/all 3237 items ranked; history excluded; k = 5/);
  }, 120_000);
});
