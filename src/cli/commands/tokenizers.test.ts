import { mkdtemp, readFile } from 'node:fs/promises';
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
    const r = await tokenizers.run({ data: [dir], out, seed: 1, quick: true, flags: { backend: 'cpu', steps: '6', K: '8', items: '150', batch: '64' } });
    for (const m of ['RQ-Kmeans', 'RQ-VAE', 'CRQ-VAE']) expect(r.table).toContain(`| ${m} |`);
    const j = r.json as { results: { method: string; metrics: { collisionRate: number; consistency: number; levels: unknown[] } }[]; settings: { items: number } };
    expect(j.results.map((x) => x.method)).toEqual(['RQ-Kmeans', 'RQ-VAE', 'CRQ-VAE']);
    expect(j.settings.items).toBeLessThanOrEqual(150);
    for (const x of j.results) {
      expect(x.metrics.collisionRate).toBeGreaterThanOrEqual(0);
      expect(x.metrics.levels.length).toBe(3);
    }
    expect(await readFile(join(out, 'tokenizers.md'), 'utf8')).toContain('| CRQ-VAE |');
  }, 180_000);

  it('a folder without item side tables is one clear error naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'higr-tok-empty-'));
    await expect(tokenizers.run({ data: [join(dir, 'nope.csv')], out: dir, seed: 0, quick: true, flags: { backend: 'cpu' } })).rejects.toThrow(/nope\.csv: no such file/);
  });
});
