import { sharedKuaiRec } from './test-data';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundledDataDir, nodeFetchLike } from './node-file';
import { DataSession } from './session';
import { generateSyntheticKuaiRec } from './synthetic';

describe('DataSession on the bundled data', () => {
  it('item features for the default dataset (category + caption + co-occurrence from training / from big positives)', async () => {
    const s = new DataSession();
    const snap = await s.loadBundled(nodeFetchLike(bundledDataDir()));
    const t0 = Date.now();
    const f = s.itemFeatures({ category: {}, caption: { dims: 64 }, cooccurrence: { dims: 16, powerIters: 2 } });
    const ms = Date.now() - t0;
    expect(f.ids.length).toBe(snap.stats!.items);
    expect(f.blocks.map((b) => [b.name, b.to - b.from])).toEqual([['category', f.blocks[0].to], ['caption', 64], ['cooccurrence', 16]]);
    expect(ms).toBeLessThan(60_000);
    // co-occurrence from another positives file (in the app: big_matrix_positives.txt; a tiny one here to stay fast)
    const ids = Array.from(f.ids.subarray(0, 6));
    await s.addFiles([new File([`1 ${ids.join(' ')}\n2 ${ids.reverse().join(' ')}\n`], 'extra_pos.txt')]);
    const g = s.itemFeatures({ cooccurrence: { dims: 4, powerIters: 1 } }, { cooccurrenceSource: 'extra_pos.txt' });
    expect(g.dim).toBe(4);
    const norm = (r: number) => Math.hypot(...g.data.subarray(r * 4, r * 4 + 4));
    expect(norm(0)).toBeCloseTo(1, 4); // items of the file get a vector
    expect(norm(f.ids.length - 1)).toBe(0); // the others do not
    expect(() => s.itemFeatures({ cooccurrence: {} }, { cooccurrenceSource: 'item_categories.csv' })).toThrow(/not a loaded sequence file/);
  });

  it('the real caption file dropped after the bundled (gzipped) copy is a duplicate', async () => {
    const s = new DataSession();
    await s.loadBundled(nodeFetchLike(bundledDataDir()));
    const bytes = readFileSync(sharedKuaiRec('side/kuairec_caption_category.csv'));
    const r = await s.addFiles([new File([bytes], 'kuairec_caption_category.csv')]);
    expect(r.reports[0].status).toBe('duplicate');
  });

  it('cancel() aborts a load in progress; nothing else changes', async () => {
    const s = new DataSession();
    const { files } = generateSyntheticKuaiRec({ seed: 1, users: 200 });
    const first = await s.addFiles([new File([files['small_matrix.csv']], 'small_matrix.csv')]);
    expect(first.reports[0].status).toBe('loaded');
    const run = s.addFiles([new File([files['big_matrix.csv']], 'big_matrix.csv')]);
    s.cancel('big_matrix.csv');
    const r = await run;
    expect(r.reports[0]).toMatchObject({ status: 'cancelled', issues: [{ kind: 'aborted' }] });
    expect(r.snapshot.stats).toEqual(first.snapshot.stats);
  });

  it('a loaded file whose users are all too short: the snapshot (Data panel) carries the no-users warning, then clears it', async () => {
    const s = new DataSession();
    const { snapshot } = await s.addFiles([new File(['user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio\n1,2,5,4,t,20200705,1593898068,2.5\n1,3,5,4,t,20200705,1593898069,2.5\n'], 'tiny.csv')]);
    expect(snapshot.files.map((f) => [f.name, f.rows])).toEqual([['tiny.csv', 2]]);
    expect(snapshot.stats!.users).toBe(0);
    expect(snapshot.issues.find((i) => i.kind === 'no-users')?.message).toMatch(/^tiny\.csv: the protocol selects no user: it needs 6 effective views .* the longest user has 2; relax --slate/);
    const relaxed = s.setProtocol({ slateSize: 1 });
    expect(relaxed.stats!.users).toBe(1);
    expect(relaxed.issues.some((i) => i.kind === 'no-users')).toBe(false);
  });
});
