import { describe, expect, it } from 'vitest';
import { loadBundledDataset } from './bundled';
import { bundledDataDir, nodeFetchLike } from './node-file';

describe('bundled dataset (public/data)', () => {
  it('loads in node through a fetch-like, default = chronological small-matrix leave-five-out', async () => {
    const r = await loadBundledDataset(nodeFetchLike(bundledDataDir()));
    expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(r.workspace.files().map((f) => f.name).sort()).toEqual([
      'big_matrix_positives.txt', 'item_categories.csv', 'kuairec_caption_category.csv', 'small_matrix_time_ordered.txt', 'user_features.csv',
    ]);
    const s = r.build.stats;
    expect(s.source).toBe('small_matrix_time_ordered.txt');
    expect(s.order).toBe('timestamp');
    expect(s.impressionsAvailable).toBe(false);
    // README: 937 users, 137,284 views over 3,237 videos; length 2..977. Default minHistory 1 + 5 => users with >= 6 views.
    expect(s.users + r.build.dataset.dropped.users).toBe(937);
    expect(s.effectiveViews + r.build.dataset.dropped.interactions).toBe(137284);
    expect(s.seqLength.max).toBe(977);
    expect(s.seqLength.min).toBeGreaterThanOrEqual(6);
    expect(r.build.dataset.protocol.holdoutNote).toMatch(/most recent/);

    const pos = r.workspace.build({ source: 'big_matrix_positives.txt' });
    expect(pos.stats.order).toBe('file');
    expect(pos.dataset.protocol.holdoutNote).toMatch(/not chronological/);
  });
});
