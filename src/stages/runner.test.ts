import { describe, expect, it } from 'vitest';
import { initCpu } from '../engine';
import { DataWorkspace } from '../data/workspace';
import { checkDivergence, ConfigError, DivergenceError, markInterrupted, runStage } from './runner';
import { memoryRunStore } from './run-store';
import { defaults, parseField, validateConfig } from './schema';
import { TOKENIZER_SCHEMA, tokenizerStage, type TokenizerStageConfig } from './tokenizer';

const tiny: Partial<TokenizerStageConfig> = { source: 'planted', maxItems: 128, steps: 12, batchSize: 32, codebookSize: 8, latentDim: 8, levels: 2, w: [1, 0.1] };
const data = { workspace: new DataWorkspace(), fingerprint: 'fp-test' };

describe('stage config schema', () => {
  it('refuses the settings the issue lists, naming the field and the allowed range', () => {
    const bad = (raw: Record<string, unknown>) => validateConfig(TOKENIZER_SCHEMA, raw).errors.map((e) => `${e.field}: ${e.message}`);
    expect(bad({ steps: 0 })).toEqual(['steps: must be an integer in [1, 1000000] (got 0)']);
    expect(bad({ codebookSize: 1 })[0]).toMatch(/^codebookSize: must be an integer in \[2, /);
    expect(bad({ lr: -1 })[0]).toBe('lr: must be a number in (0, 1] (got -1)');
    expect(bad({ batchSize: 0 })[0]).toMatch(/^batchSize: /);
    expect(bad({ levels: 0 })[0]).toMatch(/^levels: must be an integer in \[1, 8\]/);
    expect(bad({ levels: 2 })).toEqual(['w: needs one weight per level: 2 values for D = 2 (got 3)']);
    expect(bad({ kind: 'vq' })[0]).toBe('kind: must be one of crq-vae, rq-vae, rq-kmeans (got "vq")');
    expect(bad({ stepz: 3 })[0]).toMatch(/^stepz: unknown setting/);
    expect(bad({})).toEqual([]);
    expect(validateConfig(TOKENIZER_SCHEMA, {}).value).toEqual(defaults(TOKENIZER_SCHEMA));
  });

  it('parses the string forms used by the URL and the CLI', () => {
    const f = TOKENIZER_SCHEMA.fields;
    expect(parseField(f.steps, '40')).toBe(40);
    expect(parseField(f.steps, 'x')).toBeUndefined();
    expect(parseField(f.w, '1,0.5')).toEqual([1, 0.5]);
    expect(parseField(f.features, 'category,caption')).toEqual(['category', 'caption']);
    expect(parseField(f.textEncoder, 'true')).toBe(true);
  });
});

describe('stage runner', () => {
  it('refuses invalid settings before anything is stored', async () => {
    initCpu();
    const store = memoryRunStore();
    const inputs = await tokenizerStage.assemble(data, { ...defaults(TOKENIZER_SCHEMA), ...tiny } as never);
    await expect(runStage(tokenizerStage, inputs, { ...tiny, steps: 0 }, { store, seed: 0, backend: 'cpu', dataset: 'fp' })).rejects.toThrow(ConfigError);
    await expect(runStage(tokenizerStage, inputs, { ...tiny, codebookSize: 500 }, { store, seed: 0, backend: 'cpu', dataset: 'fp' })).rejects.toThrow(/codebookSize: K = 500 codewords but only 128 items/);
    expect(await store.list()).toEqual([]);
  });

  it('resumes an interrupted run from its checkpoint to the same result as an uninterrupted run; repeats are kept apart', async () => {
    initCpu();
    const store = memoryRunStore();
    const cfg = { ...defaults(TOKENIZER_SCHEMA), ...tiny } as TokenizerStageConfig & Record<string, unknown>;
    const inputs = await tokenizerStage.assemble(data, { ...cfg, seed: 4 } as never);
    const o = { store, seed: 4, backend: 'cpu', dataset: 'fp', checkpointEvery: 4 };
    const straight = await runStage(tokenizerStage, inputs, cfg, o);
    expect(straight.record.status).toBe('done');

    // second run with the same key, stopped after step 6 (as a reload would), resumed from its step-4 checkpoint
    const ac = new AbortController();
    const cut = await runStage(tokenizerStage, inputs, cfg, { ...o, signal: ac.signal, onProgress: (p) => p.step >= 6 && ac.abort() });
    expect(cut.record.id).toBe(`${straight.record.id}#2`);
    expect(cut.record.status).toBe('stopped');
    expect(cut.record.checkpointStep).toBe(4);
    await markInterrupted(store, new Set());
    const seen: number[] = [];
    const resumed = await runStage(tokenizerStage, inputs, {}, { ...o, resume: cut.record.id, onProgress: (p) => seen.push(p.step) });
    expect(seen).toEqual([4, 5, 6, 7, 8, 9, 10, 11]); // continued from the checkpoint, did not restart
    expect(resumed.record.status).toBe('done');
    expect(resumed.record.id).toBe(cut.record.id);
    // same curves (steps 0..11, each once) and the same final metrics as the uninterrupted run
    expect(resumed.record.summary!.curves.step).toEqual(straight.record.summary!.curves.step);
    expect(resumed.record.summary!.curves.series.total).toEqual(straight.record.summary!.curves.series.total);
    // held-out curves (validEvery 5 by default, and the last step): cut at the checkpoint, continued, equal to the straight run's
    expect(straight.record.summary!.curves.valid!.step).toEqual([0, 5, 10, 11]);
    expect(resumed.record.summary!.curves.valid).toEqual(straight.record.summary!.curves.valid);
    for (const v of straight.record.summary!.curves.valid!.series.cont) expect(Number.isFinite(v)).toBe(true);
    expect(resumed.record.summary!.metrics).toEqual(straight.record.summary!.metrics);
    expect((await store.list('tokenizer')).map((r) => r.status)).toEqual(['done', 'done']);
  });

  it('refuses to resume on another dataset', async () => {
    initCpu();
    const store = memoryRunStore();
    const cfg = { ...defaults(TOKENIZER_SCHEMA), ...tiny, steps: 2 };
    const inputs = await tokenizerStage.assemble(data, { ...cfg, seed: 0 } as never);
    const ac = new AbortController();
    ac.abort();
    const r = await runStage(tokenizerStage, inputs, cfg, { store, seed: 0, backend: 'cpu', dataset: 'A', signal: ac.signal });
    await expect(runStage(tokenizerStage, inputs, {}, { store, seed: 0, backend: 'cpu', dataset: 'B', resume: r.record.id })).rejects.toThrow(/another dataset/);
  });
});

describe('a run cut by an error (e.g. a lost GPU device)', () => {
  it('is interrupted, keeps its checkpoint and resumes', async () => {
    initCpu();
    const store = memoryRunStore();
    const cfg = { ...defaults(TOKENIZER_SCHEMA), ...tiny, steps: 8 };
    const inputs = await tokenizerStage.assemble(data, { ...cfg, seed: 1 } as never);
    const o = { store, seed: 1, backend: 'cpu', dataset: 'fp', checkpointEvery: 3 };
    await expect(
      runStage(tokenizerStage, inputs, cfg, {
        ...o,
        onProgress: (p) => {
          if (p.step === 4) throw new Error('GPU device lost');
        },
      }),
    ).rejects.toThrow('GPU device lost');
    const [r] = await store.list();
    expect(r.status).toBe('interrupted');
    expect(r.error).toBe('GPU device lost');
    expect(r.checkpointStep).toBe(3);
    const done = await runStage(tokenizerStage, inputs, {}, { ...o, resume: r.id });
    expect(done.record.status).toBe('done');
    expect(done.record.summary!.curves.step).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('divergence detection', () => {
  it('stops on NaN/Inf and on an exploding term, naming step and term', () => {
    const first: Record<string, number> = {};
    checkDivergence({ step: 0, total: 9, scalars: { total: 2, recon: 1 } }, first);
    checkDivergence({ step: 1, total: 9, scalars: { total: 3, recon: 900 } }, first);
    expect(() => checkDivergence({ step: 2, total: 9, scalars: { total: 2, recon: NaN } }, first)).toThrow('diverged at step 2: recon = NaN');
    expect(() => checkDivergence({ step: 3, total: 9, scalars: { total: 7e14 } }, first)).toThrow(DivergenceError);
    expect(() => checkDivergence({ step: 3, total: 9, scalars: { total: 7e14 } }, first)).toThrow(/step 3: total = 700000000000000/);
  });
});
