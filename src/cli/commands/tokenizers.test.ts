import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSyntheticKuaiRec } from '../../data/synthetic-writer';
import tokenizers from './tokenizers';

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
});
