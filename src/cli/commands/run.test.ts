import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../higr';
import type { RunRecord } from '../../stages/types';
import type { TokenizerKept } from '../../stages/tokenizer';
import { fsRunStore } from '../fs-run-store';
import { DataSession } from '../../data/session';
import { bundledDataDir, nodeFetchLike } from '../../data/node-file';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'higr-run-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function capture(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

/** A raw-schema KuaiRec interaction file (small_matrix columns) over `items` real video ids. */
function rawMatrix(file: string, users: number, items: number[]): void {
  const rows = ['user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio'];
  let t = 1_593_000_000;
  for (let u = 0; u < users; u++) for (const [j, v] of items.entries()) rows.push(`${u},${v},${4000 + j},2000,2020-07-05 00:00:00.000,20200705,${t++}.0,${(2 + ((u + j) % 3)).toFixed(2)}`);
  fs.writeFileSync(file, rows.join('\n') + '\n');
}

describe('higr run (one CLI wrapper for every stage)', () => {
  it('refuses invalid settings with one line naming the flag and the range, exit 1', async () => {
    for (const [flags, msg] of [
      [['--steps', '0'], 'higr run: --steps: must be an integer in [1, 1000000] (got 0)\n'],
      [['--lr', '-1'], 'higr run: --lr: must be a number in (0, 1] (got -1)\n'],
      [['--levels', '2'], 'higr run: --w: needs one weight per level: 2 values for D = 2 (got 3)\n'],
      [['--steps', 'ten'], 'higr run: --steps: must be an integer in [1, 1000000] (got "ten")\n'],
    ] as const) {
      const r = await capture(['run', '--stage', 'tokenizer', '--out', tmp, ...flags]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(msg);
    }
    expect((await capture(['run', '--stage', 'nope', '--out', tmp])).err).toBe('higr run: --stage: must be one of tokenizer, slate-decoder, table1-model (got "nope")\n');
    for (const [flags, msg] of [
      [['--dim', '0'], 'higr run: --dim: must be an integer in [1, 8192] (got 0)\n'],
      [['--dim', '30', '--heads', '4'], 'higr run: --heads: must divide the model width d = 30 (got 4)\n'],
    ] as const) {
      const r = await capture(['run', '--stage', 'slate-decoder', '--out', tmp, ...flags]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(msg);
    }
  });

  it('trains the slate decoder through the stage layer and resumes it (--resume)', async () => {
    const store = path.join(tmp, 'slate-store');
    const base = ['run', '--out', tmp, '--store', store, '--backend', 'cpu', '--seed', '1'];
    const tiny = ['--source', 'planted', '--dim', '16', '--heads', '2', '--ffn', '32', '--slateLayers', '1', '--maxHistory', '12', '--epochs', '2', '--stepsPerEpoch', '4', '--batchSize', '8', '--warmup', '2', '--validUsers', '12', '--beam', '3'];
    const r = await capture([...base, '--stage', 'slate-decoder', ...tiny, '--checkpoint-every', '3']);
    expect(r.code).toBe(0);
    const json = JSON.parse(fs.readFileSync(path.join(tmp, 'run.json'), 'utf8'));
    const rec = json.run as RunRecord;
    expect(rec.stage).toBe('slate-decoder');
    expect(rec.status).toBe('done');
    expect(rec.step).toBe(8);
    expect(rec.summary!.curves.valid!.step).toEqual([3, 7]);
    expect(rec.summary!.metrics.testRecall5).toBeGreaterThanOrEqual(0);
    expect(fs.existsSync(path.join(store, `${rec.id.replace(/[^A-Za-z0-9._-]/g, '_')}.result`))).toBe(true);
    expect((await capture([...base, '--resume', rec.id])).err).toMatch(/higr run: run .* is already done/);
  }, 120_000);

  it('trains on a dropped raw-schema file with that file\'s items, stores the run, lists it', async () => {
    const file = path.join(tmp, 'my_matrix.csv');
    const ids = Array.from({ length: 37 }, (_, i) => 100 + 3 * i);
    rawMatrix(file, 12, ids);
    const store = path.join(tmp, 'runs');
    const r = await capture(['run', '--stage', 'tokenizer', '--data', file, '--out', tmp, '--store', store, '--backend', 'cpu', '--seed', '2', '--steps', '6', '--batchSize', '16', '--codebookSize', '8', '--features', 'cooccurrence', '--maxItems', '0']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\| collision \| [\d.]+ \|/);
    const json = JSON.parse(fs.readFileSync(path.join(tmp, 'run.json'), 'utf8'));
    expect(json.run.inputs.items).toBe(37);
    expect(json.run.inputs.source).toContain('items of my_matrix.csv');
    expect(json.run.status).toBe('done');
    expect(json.protocol.source).toEqual({ name: 'my_matrix.csv', bundled: false });
    const list = await capture(['run', '--list', '--store', store, '--out', tmp]);
    expect(list.out).toContain(json.run.id);
  });

  it('resumes a stopped run from its checkpoint (--resume)', async () => {
    const store = path.join(tmp, 'runs2');
    const file = path.join(tmp, 'm2.csv');
    rawMatrix(file, 10, Array.from({ length: 30 }, (_, i) => 200 + i));
    const base = ['run', '--data', file, '--out', tmp, '--store', store, '--backend', 'cpu'];
    const first = await capture([...base, '--stage', 'tokenizer', '--source', 'planted', '--maxItems', '64', '--steps', '8', '--batchSize', '16', '--codebookSize', '8', '--levels', '2', '--w', '1,0.1', '--checkpoint-every', '3']);
    expect(first.code).toBe(0);
    // make it look like a run killed after its step-6 checkpoint
    const runFile = fs.readdirSync(store).find((f) => f.endsWith('.run'))!;
    const rec = v8.deserialize(fs.readFileSync(path.join(store, runFile))) as RunRecord;
    expect(rec.checkpointStep).toBe(6);
    fs.writeFileSync(path.join(store, runFile), v8.serialize({ ...rec, status: 'interrupted', step: 7 }));
    const again = await capture([...base, '--resume', rec.id]);
    expect(again.err).toBe('');
    const json = JSON.parse(fs.readFileSync(path.join(tmp, 'run.json'), 'utf8'));
    expect(json.run.id).toBe(rec.id);
    expect(json.run.status).toBe('done');
    expect(json.run.summary.curves.step).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(json.run.summary.metrics).toEqual(rec.summary!.metrics);
    // another dataset: refused
    const other = path.join(tmp, 'm3.csv');
    rawMatrix(other, 10, [1, 2, 3, 4, 5, 6, 7]);
    fs.writeFileSync(path.join(store, runFile), v8.serialize({ ...rec, status: 'interrupted' }));
    const bad = await capture(['run', '--data', other, '--out', tmp, '--store', store, '--backend', 'cpu', '--resume', rec.id]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^higr run: run .* was trained on another dataset/);
  });

  it('trains a SID model (TIGER) through the table1-model stage on a tokenizer run\'s SIDs and resumes it (--resume)', async () => {
    const dir = path.join(tmp, 'sid-store');
    const store = fsRunStore(dir);
    const session = new DataSession();
    await session.loadBundled(nodeFetchLike(bundledDataDir()));
    // a finished tokenizer run over the bundled catalogue (codes written directly: k-means here would cost minutes)
    const ids = session.stageData().workspace.sideTables().categories!.videoIds;
    await store.put({ stage: 'tokenizer', configHash: 'h', seed: 0, dataset: 'fp', backend: 'cpu', id: 'tok', repeat: 1, config: {}, status: 'done', step: 1, total: 1, createdAt: 0, updatedAt: 0, checkpointStep: null, inputs: {}, summary: null, seconds: 0 });
    await store.putResult('tok', { kind: 'rq-kmeans', itemIds: ids, codes: Int32Array.from({ length: ids.length * 2 }, (_, k) => (k % 2 ? (ids[k >> 1] >> 4) % 16 : ids[k >> 1] % 16)), depth: 2, codebookSizes: [16, 16] } satisfies TokenizerKept);
    const base = ['run', '--out', tmp, '--store', dir, '--backend', 'cpu', '--seed', '1'];
    const r = await capture([...base, '--stage', 'table1-model', '--model', 'tiger', '--users', '60', '--tokenizerRun', 'tok', '--checkpoint-every', '5']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\| recall5 \| [\d.e-]+ \|/);
    const rec = JSON.parse(fs.readFileSync(path.join(tmp, 'run.json'), 'utf8')).run as RunRecord;
    expect(rec.status).toBe('done');
    expect(rec.config.model).toBe('tiger');
    expect(String(rec.inputs.sids)).toMatch(/^tokenizer run tok: widths \[16, 16, \d+\]/);
    expect((rec.summary!.extra as { sids: { label: string } }).sids.label).toBe(rec.inputs.sids);
    // as if killed after its last checkpoint (step 15 of 20): --resume continues it to the same metrics
    expect(rec.checkpointStep).not.toBeNull();
    await store.put({ ...rec, status: 'interrupted' });
    const again = await capture([...base, '--resume', rec.id]);
    expect(again.err).toBe('');
    const res = JSON.parse(fs.readFileSync(path.join(tmp, 'run.json'), 'utf8')).run as RunRecord;
    expect(res.id).toBe(rec.id);
    expect(res.status).toBe('done');
    const { trainSeconds: _a, ...a } = rec.summary!.metrics;
    const { trainSeconds: _b, ...b } = res.summary!.metrics;
    expect(b).toEqual(a);
    // the stage's own quick setting (default true) takes an explicit --quick=false: full-size models
    expect((await capture([...base, '--stage', 'table1-model', '--model', 'pop', '--users', '30', '--quick=false'])).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'run.json'), 'utf8')).run.config).toMatchObject({ model: 'pop', quick: false, users: 30 });
    expect((await capture([...base, '--stage', 'table1-model', '--model', 'pop', '--users', '30'])).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'run.json'), 'utf8')).run.config).toMatchObject({ model: 'pop', quick: true });
    // a SID model with a neural tokenizer on the fly and no steps: one line naming the flag
    expect((await capture([...base, '--stage', 'table1-model', '--model', 'onerec', '--sidKind', 'crq-vae', '--sidSteps', '0'])).err).toBe('higr run: --sidSteps: crq-vae needs training steps (>= 1); RQ-KMeans needs none\n');
  }, 300_000);

  it('trains on-the-fly SIDs on the run\'s backend (--backend wasm), recording it and the reason in the result JSON', async () => {
    const dir = path.join(tmp, 'sid-wasm');
    const r = await capture(['run', '--out', tmp, '--store', dir, '--backend', 'wasm', '--seed', '1', '--stage', 'table1-model', '--model', 'listcvae', '--users', '30', '--codebookSize', '8', '--levels', '2']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(fs.readFileSync(path.join(tmp, 'run.json'), 'utf8'));
    expect(j.environment.backend).toBe('wasm');
    expect(j.settings).toMatchObject({ backend: 'wasm', backendReason: j.environment.backendReason });
    expect(j.environment.backendReason).toMatch(/wasm/);
    const rec = j.run as RunRecord;
    expect(rec.status).toBe('done');
    // the SID tokenizer trained while assembling, on the backend the run selected, with the selection's reason
    expect((rec.summary!.extra as { sids: { tokenizer: unknown } }).sids.tokenizer).toMatchObject({ kind: 'rq-kmeans', levels: 2, codebookSize: 8, backend: 'wasm', backendReason: j.environment.backendReason });
    expect(String(rec.inputs.sids)).toMatch(/^rq-kmeans D = 2, K = 8, trained on the item features now \(seed 0\): widths \[8, 8, \d+\], collision rate [\d.]+; trained on wasm$/);
  }, 600_000);
});
