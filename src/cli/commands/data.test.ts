import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSyntheticKuaiRec } from '../../data/synthetic-writer';
import data from './data';

const base = { out: '/tmp', seed: 0, quick: true, flags: {} as Record<string, string | boolean> };

describe('higr data command', () => {
  it('defaults to the bundled dataset (chronological small matrix) and reports stats + protocol', async () => {
    const r = await data.run({ ...base, data: [] });
    expect(r.table).toContain('small_matrix_time_ordered.txt (bundled)');
    const j = r.json as { protocol: { order: string; impressionsAvailable: boolean }; stats: { users: number }; split: { test: number } };
    expect(j.protocol).toMatchObject({ order: 'timestamp', impressionsAvailable: false, slateSize: 5 });
    expect(j.split.test).toBe(j.stats.users);
  });

  it('takes a directory of raw files; flags set the protocol; a bad file is one clear error line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'higr-data-cli-'));
    await writeSyntheticKuaiRec(dir, { seed: 2, users: 30 });
    const r = await data.run({ ...base, data: [dir], flags: { source: 'small_matrix.csv', threshold: '1.0', validation: true } });
    const j = r.json as { protocol: { source: string; effectiveViewThreshold: number; validation: boolean }; split: { valid: number } };
    expect(j.protocol).toMatchObject({ source: 'small_matrix.csv', effectiveViewThreshold: 1, validation: true });
    expect(j.split.valid).toBeGreaterThan(0);
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'user_id,video_id,watch_ratio\n1,2,3\n');
    await expect(data.run({ ...base, data: [bad] })).rejects.toThrow(/^.*bad\.csv: looks like KuaiRec interaction matrix .* missing column\(s\) play_duration/);
    await expect(data.run({ ...base, data: [join(dir, 'nope.csv')] })).rejects.toThrow(/nope\.csv: no such file/);
  });
});
