import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSyntheticKuaiRec } from '../../data/synthetic-writer';
import tokenizers from './tokenizers';
import { importedRun, noteReproduction, tokenizerCodeVersion, type ImportSource } from '../tokenizer-runs';

describe('higr tokenizers command', () => {
  it('trains the three tokenizers on raw KuaiRec-format files and writes the Table 2 analogue (md + json fields)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'higr-tok-cli-'));
    await writeSyntheticKuaiRec(dir, { seed: 3, users: 40 });
    const out = await mkdtemp(join(tmpdir(), 'higr-tok-out-'));
    const r = await tokenizers.run({ data: [dir], out, seed: 1, quick: true, flags: { backend: 'cpu', steps: '6', K: '8', items: '150', batch: '64', seeds: '2', warmup: '2', ramp: '2', 'no-cache': true } });
    for (const m of ['RQ-Kmeans', 'RQ-VAE', 'CRQ-VAE']) expect(r.table).toContain(`| ${m} |`);
    type MS = { mean: number | null; std: number | null };
    const j = r.json as {
      wallSeconds: number;
      results: { method: string; seeds: { seed: number; metrics: { collisionRate: number; consistencyKappa: number; levels: unknown[] } }[]; summary: Record<string, MS> }[];
      settings: { items: number; semanticNeighbourCache: string };
      phases: { load: number; features: number; neighbours: number; pairs: number; train: Record<string, number>; metrics: number; other: number; total: number };
    };
    expect(j.results.map((x) => x.method)).toEqual(['RQ-Kmeans', 'RQ-VAE', 'CRQ-VAE']);
    expect(j.settings.items).toBeLessThanOrEqual(150);
    expect(j.settings.semanticNeighbourCache).toBe('off (--no-cache)');
    expect(j.wallSeconds).toBeGreaterThan(0);
    // phases: every one measured, training per method (both seeds), and they add up to the wall time
    const ph = j.phases;
    expect(Object.keys(ph.train)).toEqual(['RQ-Kmeans', 'RQ-VAE', 'CRQ-VAE']);
    for (const v of [ph.load, ph.features, ph.neighbours, ph.pairs, ph.metrics, ...Object.values(ph.train)]) expect(v).toBeGreaterThanOrEqual(0);
    expect(Object.values(ph.train).every((v) => v > 0)).toBe(true);
    const sum = ph.load + ph.features + ph.neighbours + ph.pairs + ph.metrics + ph.other + Object.values(ph.train).reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - ph.total)).toBeLessThan(0.1);
    expect(Math.abs(ph.total - j.wallSeconds)).toBeLessThan(0.01);
    expect(ph.other).toBeGreaterThanOrEqual(-0.05);
    for (const x of j.results) {
      expect(x.seeds.map((s) => s.seed)).toEqual([1, 2]);
      expect(x.seeds[0].metrics.levels.length).toBe(3);
      for (const k of ['collisionRate', 'consistency', 'consistencyChance', 'consistencyKappa', 'consistencyInductive', 'concentration']) {
        expect(x.summary[k], `${x.method} ${k}`).toBeDefined();
      }
      // the summary is the mean / population std of the per-seed values
      const v = x.seeds.map((s) => s.metrics.collisionRate);
      const mean = (v[0] + v[1]) / 2;
      expect(x.summary.collisionRate.mean).toBeCloseTo(mean, 12);
      expect(x.summary.collisionRate.std).toBeCloseTo(Math.abs(v[0] - v[1]) / 2, 12);
    }
    await expect(tokenizers.run({ data: [dir], out, seed: 0, quick: true, flags: { backend: 'cpu', 'codebook-update': 'kmeans' } })).rejects.toThrow(/--codebook-update must be one of grad, ema/);
    await expect(tokenizers.run({ data: [dir], out, seed: 0, quick: true, flags: { backend: 'cpu', seeds: 'a,b' } })).rejects.toThrow(/--seeds needs a count/);
    expect(await readFile(join(out, 'tokenizers.md'), 'utf8')).toContain('| CRQ-VAE |');
  }, 180_000);

  it('a folder without item side tables is one clear error naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'higr-tok-empty-'));
    await expect(tokenizers.run({ data: [join(dir, 'nope.csv')], out: dir, seed: 0, quick: true, flags: { backend: 'cpu' } })).rejects.toThrow(/nope\.csv: no such file/);
  });

  it('--features selects feature blocks and --embeddings adds a precomputed CSV block; bad names are one clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'higr-tok-feat-'));
    await writeSyntheticKuaiRec(dir, { seed: 4, users: 40 });
    const emb = join(await mkdtemp(join(tmpdir(), 'higr-tok-emb-')), 'emb.csv');
    const ids = Array.from({ length: 400 }, (_, i) => i);
    await writeFile(emb, `video_id,f0,f1,f2\n${ids.map((i) => `${i},${Math.sin(i)},${Math.cos(i)},${(i % 7) / 7}`).join('\n')}\n`);
    const out = await mkdtemp(join(tmpdir(), 'higr-tok-feat-out-'));
    const flags = { backend: 'cpu', steps: '3', K: '8', items: '100', batch: '32', features: 'category', embeddings: emb };
    const r = await tokenizers.run({ data: [join(dir, 'item_categories.csv'), join(dir, 'kuairec_caption_category.csv'), join(dir, 'big_matrix.csv')], out, seed: 0, quick: true, flags });
    const blocks = (r.json as { settings: { featureSpec: { category?: unknown; caption?: unknown; cooccurrence?: unknown } } }).settings.featureSpec;
    expect(blocks.category).toBeDefined();
    expect(blocks.caption).toBeUndefined();
    expect(blocks.cooccurrence).toBeUndefined();
    expect(r.table).toMatch(/features; K = 8/);
    const j = r.json as { protocol?: unknown; settings: { featureDim: number } };
    const catOnly = await tokenizers.run({ data: [join(dir, 'item_categories.csv'), join(dir, 'kuairec_caption_category.csv')], out, seed: 0, quick: true, flags: { ...flags, embeddings: undefined as unknown as string } });
    expect(j.settings.featureDim).toBe((catOnly.json as { settings: { featureDim: number } }).settings.featureDim + 3);
    await expect(tokenizers.run({ data: [dir], out, seed: 0, quick: true, flags: { backend: 'cpu', features: 'category,colour' } })).rejects.toThrow(/--features: unknown feature block\(s\) colour/);
    await expect(tokenizers.run({ data: [dir], out, seed: 0, quick: true, flags: { backend: 'cpu', embeddings: join(dir, 'missing.npy') } })).rejects.toThrow(/missing\.npy: no such file/);
  }, 180_000);

  describe('--run-cache', () => {
    type J = {
      results: { method: string; seeds: { seed: number; metrics: { collisionRate: number; consistencyKappa: number } }[] }[];
      runCache: { codeVersion: string; cachedRuns: { method: string; seed: number; provenance: unknown }[] } | null;
      pairs: { seed: number }[];
      settings: Record<string, unknown>;
    };
    const per = (j: J) => Object.fromEntries(j.results.flatMap((r) => r.seeds.map((s) => [`${r.method}|${s.seed}`, s.metrics])));
    const base = { backend: 'cpu', steps: '5', K: '8', items: '150', batch: '64', warmup: '2', ramp: '2', 'no-cache': true };

    it('keeps each (method, backend, seed) run; a later run reuses the matching seeds, trains the others, and --fresh retrains to the same figures', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'higr-tok-rc-'));
      await writeSyntheticKuaiRec(dir, { seed: 3, users: 40 });
      const out = await mkdtemp(join(tmpdir(), 'higr-tok-rc-out-'));
      const cache = join(out, 'runs');
      const a = (await tokenizers.run({ data: [dir], out, seed: 0, quick: true, flags: { ...base, seeds: '1,2', 'run-cache': cache } })).json as J;
      expect(a.runCache!.cachedRuns).toEqual([]);
      expect(a.runCache!.codeVersion).toBe(tokenizerCodeVersion('cpu'));
      const files = (await readdir(cache)).sort();
      expect(files.length).toBe(6);
      expect(files.filter((f) => /^rq-vae-cpu-s1-[0-9a-f]{8}\.json$/.test(f)).length).toBe(1);
      const rec = JSON.parse(await readFile(join(cache, files.find((f) => f.startsWith('crq-vae-cpu-s2-'))!), 'utf8'));
      expect(rec.provenance).toBe('trained');
      expect(rec.codeVersion).toBe(a.runCache!.codeVersion);
      expect(rec.run.metrics.collisionRate).toBe(per(a)['CRQ-VAE|2'].collisionRate);

      const b = (await tokenizers.run({ data: [dir], out, seed: 0, quick: true, flags: { ...base, seeds: '1,2,3', 'run-cache': cache } })).json as J;
      expect(b.runCache!.cachedRuns.map((c) => `${c.method}|${c.seed}`).sort()).toEqual(['CRQ-VAE|1', 'CRQ-VAE|2', 'RQ-Kmeans|1', 'RQ-Kmeans|2', 'RQ-VAE|1', 'RQ-VAE|2']);
      for (const [k, m] of Object.entries(per(a))) expect(per(b)[k]).toEqual(m);
      expect(Object.keys(per(b)).filter((k) => k.endsWith('|3')).length).toBe(3);
      expect((await readdir(cache)).length).toBe(9);

      // retraining gives the cached figures bit for bit (the cache stores results, it does not change them)
      const c = (await tokenizers.run({ data: [dir], out, seed: 1, quick: true, flags: { ...base, seeds: '1', methods: 'rq-vae', 'run-cache': cache, fresh: true } })).json as J;
      expect(c.runCache!.cachedRuns).toEqual([]);
      expect(per(c)['RQ-VAE|1']).toEqual(per(a)['RQ-VAE|1']);
      // another setting is another key: nothing reused
      const d = (await tokenizers.run({ data: [dir], out, seed: 1, quick: true, flags: { ...base, steps: '4', seeds: '1', methods: 'rq-vae', 'run-cache': cache } })).json as J;
      expect(d.runCache!.cachedRuns).toEqual([]);
      // --cached-only: everything from the cache, or one clear error naming the missing run
      const e = (await tokenizers.run({ data: [dir], out, seed: 0, quick: true, flags: { ...base, seeds: '1,2', methods: 'crq-vae', 'run-cache': cache, 'cached-only': true } })).json as J;
      expect(e.runCache!.cachedRuns.length).toBe(2);
      await expect(tokenizers.run({ data: [dir], out, seed: 0, quick: true, flags: { ...base, seeds: '1,4', methods: 'crq-vae', 'run-cache': cache, 'cached-only': true } })).rejects.toThrow(/--cached-only: CRQ-VAE seed 4 on cpu is not in the run cache/);

      await expect(tokenizers.run({ data: [dir], out, seed: 0, quick: true, flags: { ...base, 'run-cache': true } })).rejects.toThrow(/--run-cache needs a directory/);
      await expect(tokenizers.run({ data: [dir], out, seed: 0, quick: true, flags: { ...base, fresh: true } })).rejects.toThrow(/--fresh .* needs --run-cache/);
      await expect(tokenizers.run({ data: [dir], out, seed: 0, quick: true, flags: { ...base, 'run-cache': cache, 'import-runs': join(out, 'x.json') } })).rejects.toThrow(/--import-runs <tokenizers\.json> goes with exactly one of --import-commit <sha> .* or --import-verify/);
      await expect(tokenizers.run({ data: [dir], out, seed: 0, quick: true, flags: { ...base, 'run-cache': cache, 'import-runs': join(out, 'x.json'), 'import-commit': 'HEAD', 'import-verify': true } })).rejects.toThrow(/exactly one of/);
      await expect(tokenizers.run({ data: [dir], out, seed: 0, quick: true, flags: { ...base, 'run-cache': cache, 'import-runs': join(out, 'x.json'), 'import-commit': 'HEAD' } })).rejects.toThrow(/x\.json: no such file/);
      await writeFile(join(out, 'a.json'), JSON.stringify(a));
      // --import-verify end to end: seed 1 is cached (trained by this code) and equals a.json's seed 1, so seed 2 of a.json
      // is taken without training once its own record is removed; a file whose seed 1 differs is refused
      const { rm } = await import('node:fs/promises');
      const s2 = (await readdir(cache)).filter((f) => f.startsWith('rq-vae-cpu-s2-'));
      for (const f of s2) await rm(join(cache, f));
      const v = (await tokenizers.run({ data: [dir], out, seed: 0, quick: true, flags: { ...base, seeds: '1,2', methods: 'rq-vae', 'run-cache': cache, 'import-runs': join(out, 'a.json'), 'import-verify': true, 'cached-only': true } })).json as J;
      expect(v.runCache!.cachedRuns.map((c) => [c.seed, typeof c.provenance === 'string' ? c.provenance : (c.provenance as { verifiedBy: string }).verifiedBy])).toEqual([
        [1, 'trained'],
        [2, expect.stringMatching(/^seed 1 of the file reproduced bit for bit by this code version/)],
      ]);
      expect(per(v)['RQ-VAE|2']).toEqual(per(a)['RQ-VAE|2']);
      for (const f of (await readdir(cache)).filter((f) => f.startsWith('rq-vae-cpu-s2-'))) await rm(join(cache, f));
      const forged = JSON.parse(JSON.stringify(a)) as J;
      forged.results.find((r) => r.method === 'RQ-VAE')!.seeds[0].metrics.collisionRate += 1e-9;
      await writeFile(join(out, 'forged.json'), JSON.stringify(forged));
      await expect(tokenizers.run({ data: [dir], out, seed: 0, quick: true, flags: { ...base, seeds: '1,2', methods: 'rq-vae', 'run-cache': cache, 'import-runs': join(out, 'forged.json'), 'import-verify': true } })).rejects.toThrow(/RQ-VAE seed 2: --import-verify: not reproduced \(seed 1: metrics differs/);
      await expect(tokenizers.run({ data: [dir], out, seed: 0, quick: true, flags: { ...base, 'run-cache': cache, 'import-runs': join(out, 'a.json'), 'import-commit': '0123456789abcdef0123456789abcdef01234567' } })).rejects.toThrow(/not a commit of the repository/);
    }, 300_000);

    it('imports a run only when code version, backend, settings and pairs all match, and says what differs', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'higr-tok-imp-'));
      await writeSyntheticKuaiRec(dir, { seed: 3, users: 40 });
      const out = await mkdtemp(join(tmpdir(), 'higr-tok-imp-out-'));
      const j = (await tokenizers.run({ data: [dir], out, seed: 1, quick: true, flags: { ...base, seeds: '1', methods: 'rq-vae' } })).json as J & ImportSource['json'];
      const src: ImportSource = { file: 'earlier/tokenizers.json', commit: 'abc', json: { ...j, environment: { date: 'then' } }, codeVersion: 'v1', verified: new Map() };
      const want = { method: 'RQ-VAE', seed: 1, backend: 'cpu', codeVersion: 'v1', train: j.settings.train as Record<string, unknown>, items: j.settings.items, featureDim: j.settings.featureDim, pairCounts: j.pairs[0], rqKmeansBackend: 'cpu' };
      const got = importedRun(src, want)!;
      expect(got.label).toBe('RQ-VAE');
      expect((got.metrics as { collisionRate: number }).collisionRate).toBe(per(j)['RQ-VAE|1'].collisionRate);
      expect(importedRun(src, { ...want, seed: 2 })).toBeNull();
      expect(importedRun(src, { ...want, method: 'CRQ-VAE' })).toBeNull();
      expect(() => importedRun(src, { ...want, codeVersion: 'v2' })).toThrow(/earlier\/tokenizers\.json: RQ-VAE seed 1: the training code at commit abc has code version v1, this checkout v2/);
      expect(() => importedRun(src, { ...want, backend: 'wasm' })).toThrow(/trained on cpu, this run is on wasm/);
      expect(() => importedRun(src, { ...want, train: { ...want.train, steps: 999 } })).toThrow(/training settings differ/);
      // a setting the file predates counts at its current default (and only at it)
      const older: ImportSource = { ...src, json: { ...src.json, settings: { ...src.json.settings, train: { ...(j.settings.train as Record<string, unknown>), newSetting: undefined } as never } } };
      delete (older.json.settings.train as Record<string, unknown>).newSetting;
      expect(() => importedRun(older, { ...want, train: { ...want.train, newSetting: 0 } })).toThrow(/training settings differ/);
      expect(importedRun(older, { ...want, train: { ...want.train, newSetting: 0 }, defaults: { newSetting: 0 } })!.label).toBe('RQ-VAE');
      expect(() => importedRun(older, { ...want, train: { ...want.train, newSetting: 1 }, defaults: { newSetting: 0 } })).toThrow(/training settings differ/);
      expect(() => importedRun(src, { ...want, pairCounts: { ...want.pairCounts, transductiveShare: 0.5 } })).toThrow(/pair counts differ/);
      expect(() => importedRun(src, { ...want, items: want.items + 1 })).toThrow(/items/);

      // --import-verify (no commit): only after one of the file's runs of that method was reproduced bit for bit
      const theRun = (j.results[0].seeds[0] as unknown as Record<string, unknown>);
      const ver: ImportSource = { ...src, commit: null, codeVersion: null, verified: new Map() };
      expect(() => importedRun(ver, want)).toThrow(/--import-verify: no run of this code version on a seed the file holds came before it/);
      noteReproduction(ver, 'RQ-VAE', 7, theRun); // a seed the file does not hold vouches for nothing
      expect(() => importedRun(ver, want)).toThrow(/no run of this code version/);
      const refuted: ImportSource = { ...ver, verified: new Map() };
      noteReproduction(refuted, 'RQ-VAE', 1, { ...theRun, metrics: { ...(theRun.metrics as object), collisionRate: 0.123 } });
      expect(() => importedRun(refuted, want)).toThrow(/not reproduced \(seed 1: metrics differs/);
      noteReproduction(ver, 'RQ-VAE', 1, { ...theRun, seconds: 1e6, backend: 'elsewhere' }); // timings are not figures
      expect(importedRun(ver, { ...want, codeVersion: 'any' })!.label).toBe('RQ-VAE');
      expect(() => importedRun(ver, { ...want, backend: 'wasm' })).toThrow(/trained on cpu/);
    }, 120_000);
  });
});
