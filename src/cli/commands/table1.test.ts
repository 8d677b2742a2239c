import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledDataDir } from '../../data/node-file';
import { main } from '../higr';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'higr-table1-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
async function run(argv: string[]) {
  let out = '', err = '';
  const code = await main(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}
const bundledLines = () => gunzipSync(fs.readFileSync(path.join(bundledDataDir(), 'small_matrix_time_ordered.txt.gz'))).toString('utf8').trim().split('\n');

describe('higr table1', () => {
  it('reproduces the reference popularity and co-occurrence figures on the reference protocol (930 users, 3237 items)', async () => {
    const out = path.join(tmp, 'ref');
    const r = await run(['table1', '--models', 'pop,cooc', '--backend', 'cpu', '--out', out]);
    expect(r.code).toBe(0);
    const j = JSON.parse(fs.readFileSync(path.join(out, 'table1.json'), 'utf8'));
    expect(j.protocol).toMatchObject({ users: 930, items: 3237, historyExcluded: true, validation: true, minHistory: 0, k: 5 });
    const [pop, cooc] = j.rows;
    expect(pop.model).toBe('Popularity');
    expect(pop.metrics.effective.hit5.toFixed(4)).toBe('0.0978');
    expect(pop.metrics.effective.recall5.toFixed(4)).toBe('0.0262');
    expect(pop.metrics.effective.ndcg5.toFixed(4)).toBe('0.0230');
    expect(cooc.metrics.effective.hit5.toFixed(4)).toBe('0.3172');
    expect(cooc.metrics.effective.recall5.toFixed(4)).toBe('0.0755');
    expect(cooc.metrics.effective.ndcg5.toFixed(4)).toBe('0.0845');
    expect(pop.metrics.impressions).toBeNull();
    expect(j.best).toBe('cooc');
    expect(cooc.pValueVsBest).toBeNull();
    expect(pop.pValueVsBest).toBeLessThan(1e-6);
    expect(pop).toMatchObject({ params: 3237, seeds: [0], backend: 'cpu' });
    expect(r.out).toContain('| Popularity |');
  }, 60_000);

  it('--split valid scores the validation slates (screening: no test figure), under their own cache keys', async () => {
    const out = path.join(tmp, 'valid');
    const r = await run(['table1', '--models', 'pop', '--split', 'valid', '--backend', 'cpu', '--out', out]);
    expect(r.code).toBe(0);
    const j = JSON.parse(fs.readFileSync(path.join(out, 'table1.json'), 'utf8'));
    expect(j.protocol).toMatchObject({ split: 'valid', users: 927 }); // 3 of the 930 users have no validation slate
    expect(j.protocol.evaluatedOn).toMatch(/^validation slates/);
    // popularity fitted on the training part, scored on the 5 items before the test slate (test: 0.0262, above)
    const v = j.rows[0].metrics.effective.recall5;
    expect(v.toFixed(4)).not.toBe('0.0262');
    const t = await run(['table1', '--models', 'pop', '--backend', 'cpu', '--out', out]);
    expect(t.code).toBe(0);
    expect(t.err).not.toContain('cached result'); // the test run is not the validation run
    expect(JSON.parse(fs.readFileSync(path.join(out, 'table1.json'), 'utf8')).rows[0].metrics.effective.recall5.toFixed(4)).toBe('0.0262');
  }, 120_000);

  it('--backend: the chosen backend and its reason land in environment and in every row; a bad value is one clear line', async () => {
    const out = path.join(tmp, 'be');
    const r = await run(['table1', '--models', 'pop', '--seeds', '0', '--users', '40', '--backend', 'wasm', '--out', out]);
    expect(r.code).toBe(0);
    const j = JSON.parse(fs.readFileSync(path.join(out, 'table1.json'), 'utf8'));
    expect(j.environment).toMatchObject({ backend: 'wasm', backendReason: 'requested: wasm' });
    expect(j.rows.map((x: { backend: string }) => x.backend)).toEqual(['wasm']);
    expect(r.out).toContain('backend wasm.');
    const bad = await run(['table1', '--models', 'pop', '--backend', 'gpu', '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--backend must be one of auto, webgpu, wasm, cpu, got "gpu"');
  }, 60_000);

  it('--quick trains tiny neural models; --test scores external held-out users end to end', async () => {
    // two held-out users built from real sequences under ids the bundled file does not have
    const lines = bundledLines().slice(0, 2).map((l, i) => `${990001 + i} ${l.split(/\s+/).slice(1).join(' ')}`);
    const test = path.join(tmp, 'heldout.txt');
    fs.writeFileSync(test, `${lines.join('\n')}\n990009 1 2\n`); // the last user is too short to have 5 targets + input
    const out = path.join(tmp, 'q');
    const r = await run(['table1', '--quick', '--models', 'pop,cooc,sasrec', '--test', test, '--out', out]);
    expect(r.err).not.toMatch(/^higr table1:/m);
    expect(r.code).toBe(0);
    const j = JSON.parse(fs.readFileSync(path.join(out, 'table1.json'), 'utf8'));
    expect(j.settings.test).toMatchObject({ users: 2, skippedShortUsers: 1 });
    expect(j.protocol.evaluatedOn).toContain('external held-out users');
    expect(j.rows.map((x: { id: string }) => x.id)).toEqual(['pop', 'cooc', 'sasrec']);
    for (const row of j.rows) {
      for (const v of Object.values(row.metrics.effective) as number[]) expect(v).toBeGreaterThanOrEqual(0);
      expect(row.params).toBeGreaterThan(0);
    }
    expect(j.rows[2].settings).toMatchObject({ maxLen: 20, dim: 16, epochs: 3 });
  }, 120_000);

  it('run cache: a table built in pieces reuses finished (model, seed) runs; a changed setting or --fresh retrains', async () => {
    const out = path.join(tmp, 'cache');
    const base = ['table1', '--quick', '--users', '60', '--backend', 'cpu', '--out', out];
    const a = await run([...base, '--models', 'sasrec', '--seeds', '0']);
    expect(a.code).toBe(0);
    const files = fs.readdirSync(path.join(out, 'table1-runs'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^sasrec-s0-[0-9a-f]{8}\.json$/);
    const first = JSON.parse(fs.readFileSync(path.join(out, 'table1.json'), 'utf8')).rows[0];
    // the whole table: pop is new, sasrec seed 0 comes from the cache with identical figures
    const b = await run([...base, '--models', 'pop,sasrec', '--seeds', '0']);
    expect(b.code).toBe(0);
    const jb = JSON.parse(fs.readFileSync(path.join(out, 'table1.json'), 'utf8'));
    expect(jb.rows[1].mean).toEqual(first.mean);
    expect(jb.rows[1].cachedSeeds).toEqual([0]);
    expect(jb.rows[0].cachedSeeds).toEqual([]);
    expect(jb.rows[1].pValueVsBest === null || typeof jb.rows[1].pValueVsBest === 'number').toBe(true);
    // a SID model in the same table does not change the key of a model that reads no SIDs
    const withSids = await run([...base, '--models', 'sasrec,listcvae', '--seeds', '0']);
    expect(withSids.code).toBe(0);
    const js = JSON.parse(fs.readFileSync(path.join(out, 'table1.json'), 'utf8'));
    expect(js.rows[0].cachedSeeds).toEqual([0]);
    expect(js.rows[1].cachedSeeds).toEqual([]);
    // another setting is another run
    const c = await run([...base, '--models', 'sasrec', '--seeds', '0', '--sasrec-epochs', '2']);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'table1.json'), 'utf8')).rows[0].cachedSeeds).toEqual([]);
    expect(fs.readdirSync(path.join(out, 'table1-runs')).filter((f) => f.startsWith('sasrec'))).toHaveLength(2);
    expect(fs.readdirSync(path.join(out, 'table1-runs')).filter((f) => f.startsWith('listcvae'))).toHaveLength(1);
    const d = await run([...base, '--models', 'sasrec', '--seeds', '0', '--fresh']);
    expect(d.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'table1.json'), 'utf8')).rows[0].cachedSeeds).toEqual([]);
  }, 180_000);

  it('both SASRec rows: --sasrec-pmixer-<key> reaches the conformance row only; it keeps its last weights and records the test trace', async () => {
    const out = path.join(tmp, 'pmixer');
    const r = await run(['table1', '--quick', '--users', '60', '--backend', 'cpu', '--models', 'sasrec,sasrec-pmixer', '--seeds', '0', '--sasrec-pmixer-epochs', '2', '--out', out]);
    expect(r.err).not.toMatch(/^higr table1:/m);
    expect(r.code).toBe(0);
    const j = JSON.parse(fs.readFileSync(path.join(out, 'table1.json'), 'utf8'));
    expect(j.rows.map((x: { id: string }) => x.id)).toEqual(['sasrec', 'sasrec-pmixer']);
    expect(j.rows[0].settings).toMatchObject({ epochs: 3, evalEvery: 5 });
    expect(j.rows[0].settings.block).toBeUndefined(); // the Table 1 row's settings (and cache keys) are unchanged
    expect(j.rows[1].settings).toMatchObject({ epochs: 2, block: 'post-ln', timelineMask: false, maskPaddingKeys: false, evalEvery: 0, traceEvery: 1 });
    expect(j.rows[1].model).toMatch(/pmixer protocol.*conformance/);
    const file = fs.readdirSync(path.join(out, 'table1-runs')).find((f) => f.startsWith('sasrec-pmixer-s0-'))!;
    const run1 = JSON.parse(fs.readFileSync(path.join(out, 'table1-runs', file), 'utf8'));
    expect(run1.trainLog).toMatchObject({ epochsRun: 2, bestEpoch: 2, validation: [] });
    expect(run1.trainLog.trace.map((t: { epoch: number }) => t.epoch)).toEqual([1, 2]);
    // the last trace point is the test evaluation of the kept (last) weights
    expect(run1.trainLog.trace[1].testRecall5).toBeCloseTo(run1.effective.recall5, 10);
  }, 300_000);

  it('bad input is one line naming the file or flag', async () => {
    const inTrain = path.join(tmp, 'trained.txt');
    fs.writeFileSync(inTrain, `${bundledLines()[0]}\n`);
    const cases: [string[], RegExp][] = [
      [['table1', '--models', 'pop,nope'], /--models: unknown model "nope"/],
      [['table1', '--models', 'pop', '--test', inTrain], /trained\.txt: line 1: user \d+ is also in the training data/],
      [['table1', '--models', 'pop', '--test', path.join(tmp, 'missing.txt')], /missing\.txt: cannot read the --test file/],
      [['table1', '--models', 'pop', '--seeds', '0,x'], /--seeds needs comma-separated integers/],
      [['table1', '--models', 'pop', '--split', 'train'], /--split must be test or valid \(got "train"\)/],
      [['table1', '--models', 'pop', '--split', 'valid', '--test', inTrain], /--split and --test exclude each other/],
      [['table1', '--models', 'tiger', '--tiger-recentWindow', '20'], /--tiger-recentWindow: not a setting of tiger/],
      // a later row's bad bound fails before the rows before it train (a 60 s budget for the whole list)
      [['table1', '--models', 'bert4rec,sasrec-pmixer', '--sasrec-pmixer-epochs', '-1'], /SASRec \(pmixer protocol[^)]*\): epochs must be an integer >= 1 \(got -1\)/],
      [['table1', '--models', 'pop,hstu', '--hstu-batchSize', '0'], /HSTU: batchSize must be an integer >= 1 \(got 0\)/],
    ];
    for (const [argv, re] of cases) {
      const res = await run([...argv, '--out', path.join(tmp, 'bad')]);
      expect(res.code).toBe(1);
      expect(res.err.trim().split('\n')).toHaveLength(1);
      expect(res.err).toMatch(re);
    }
  }, 60_000);
});
