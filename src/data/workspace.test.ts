import { sharedKuaiRec } from './test-data';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromBytes } from './input-file';
import { generateSyntheticKuaiRec } from './synthetic';
import { DataWorkspace } from './workspace';

describe('DataWorkspace', () => {
  const { files, truth } = generateSyntheticKuaiRec({ seed: 11, users: 50, items: 120 });

  it('loads the synthetic raw files, dedupes a second drop, keeps state on a bad file, warns on unknown items', async () => {
    const ws = new DataWorkspace();
    for (const [name, text] of Object.entries(files)) {
      const r = await ws.add(fromBytes(name, text));
      expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
    }
    expect(ws.files().map((f) => f.kind).sort()).toEqual(['captions', 'interactions', 'interactions', 'item-categories', 'user-features']);
    const dup = await ws.add(fromBytes('item_categories.csv', files['item_categories.csv']));
    expect(dup.duplicateOf).toBe('item_categories.csv');
    expect(dup.issues[0].kind).toBe('duplicate');
    const bad = await ws.add(fromBytes('broken.csv', 'user_id,video_id,watch_ratio\n1,2,3\n'));
    expect(bad.issues[0]).toMatchObject({ kind: 'missing-columns', severity: 'error', file: 'broken.csv' });
    expect(ws.files().length).toBe(5);

    const r = ws.build({ source: 'big_matrix.csv' });
    expect(r.stats.users).toBe(50);
    expect(r.issues).toEqual([]);
    // planted structure: effective views concentrate on the user's cluster categories
    const ds = r.dataset;
    let inPref = 0;
    for (let u = 0; u < ds.userIds.length; u++) {
      const prefs = truth.clusterCategories[truth.userCluster[ds.userIds[u]]];
      for (let j = ds.seqOffsets[u]; j < ds.seqOffsets[u + 1]; j++) if (prefs.includes(truth.itemCategory[ds.itemIds[ds.seqItems[j]]])) inPref++;
    }
    expect(inPref / ds.seqItems.length).toBeGreaterThan(0.8);

    const small = ws.build({ source: 'small_matrix.csv' });
    expect(small.dataset.dropped.rowsWithoutTimestamp).toBeGreaterThan(0);

    await ws.add(fromBytes('extra.txt', '1 5000 5001 5002 5003 5004 5005 5006\n'));
    const ex = ws.build({ source: 'extra.txt' });
    expect(ex.issues[0]).toMatchObject({ kind: 'unknown-items', count: 7 });
    expect(ex.stats.impressionsAvailable).toBe(false);
  });

  it('real positives file: all 822,067 views, items in the side table', async () => {
    const ws = new DataWorkspace();
    await ws.add(fromBytes('item_categories.csv', readFileSync(sharedKuaiRec('side/item_categories.csv'))));
    await ws.add(fromBytes('big_matrix_positives.txt', readFileSync(sharedKuaiRec('positives/big_matrix_positives.txt'))));
    const r = ws.build({ minHistory: 1 });
    expect(r.stats.effectiveViews + r.dataset.dropped.interactions).toBe(822067);
    expect(r.stats.items).toBeLessThanOrEqual(10407);
    expect(r.stats.order).toBe('file');
    expect(r.issues).toEqual([]);
  });
});
