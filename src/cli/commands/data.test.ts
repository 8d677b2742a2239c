import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSyntheticKuaiRec } from '../../data/synthetic-writer';
import { writeNpy } from '../../data/features/npy';
import { writeSafetensors } from '../../data/features/safetensors';
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

  it('a file that loads but whose users are too short: statistics + a protocol warning naming what to relax, no error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'higr-data-tiny-'));
    const f = join(dir, 'tiny.csv');
    await writeFile(f, 'user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio\n' +
      [1, 2, 3].map((k) => `1,${k},5,4,t,20200705,${1593898068 + k},2.5`).join('\n') + '\n2,1,5,4,t,20200705,1593898070,0.5\n');
    const r = await data.run({ ...base, data: [f] });
    const j = r.json as { stats: { users: number; dropped: { users: number } }; files: { name: string; rows: number }[]; issues: { kind: string; severity: string; message: string }[] };
    expect(j.files).toMatchObject([{ name: 'tiny.csv', rows: 4 }]);
    expect(j.stats.users).toBe(0);
    expect(j.stats.dropped.users).toBe(2);
    const w = j.issues.find((i) => i.kind === 'no-users')!;
    expect(w.severity).toBe('warning');
    expect(w.message).toBe('tiny.csv: the protocol selects no user: it needs 6 effective views per user (min-history 1 + slate 5) and the longest user has 3; relax --slate (now 5) or --threshold (now 2; effective view = watch_ratio >= threshold)');
    expect(r.table).toContain('- warning: tiny.csv: the protocol selects no user');
    // relaxing the named setting selects the user
    const r2 = await data.run({ ...base, data: [f], flags: { slate: '2' } });
    expect((r2.json as { stats: { users: number } }).stats.users).toBe(1);
  });

  it('validates and reports embedding files (.safetensors / .npy); a hostile one is one clear line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'higr-data-emb-'));
    const st = join(dir, 'e.safetensors');
    const npy = join(dir, 'e.npy');
    await writeFile(st, writeSafetensors({ embeddings: { data: new Float32Array(6).fill(0.25), shape: [3, 2] }, ids: { data: Int32Array.from([4, 5, 6]), shape: [3] } }));
    await writeFile(npy, writeNpy(new Float32Array(8).fill(1), [2, 4]));
    const r = await data.run({ ...base, data: [st, npy] });
    expect((r.json as { embeddings: unknown[] }).embeddings).toMatchObject([
      { file: 'e.safetensors', format: 'safetensors', rows: 3, dim: 2, ids: 'from file' },
      { file: 'e.npy', format: 'npy', rows: 2, dim: 4, ids: 'row index = video_id' },
    ]);
    const bad = join(dir, 'nan.npy');
    await writeFile(bad, writeNpy(Float32Array.from([1, NaN]), [1, 2]));
    await expect(data.run({ ...base, data: [bad] })).rejects.toThrow(`${bad}: holds 1 NaN/Inf value(s) (first at row 0, column 1); embeddings must be finite`);
  });
});
