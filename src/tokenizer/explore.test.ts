import { describe, expect, it } from 'vitest';
import { buildSidTable } from '../models/sid-table';
import { itemsUnderPrefix, pca2, subsampleRows, sunburstData, umap2 } from './explore';

describe('prefix explorer data', () => {
  it('PCA finds the dominant axis and reports explained variance', () => {
    // points along (1, 1, 0) with small noise on the third axis
    const n = 50;
    const x = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      x[i * 3] = i;
      x[i * 3 + 1] = i;
      x[i * 3 + 2] = (i % 3) * 0.1;
    }
    const p = pca2(x, n, 3);
    expect(p.explained![0]).toBeGreaterThan(0.99);
    // first coordinate is monotone in i (up to sign)
    const s = Math.sign(p.x[n - 1] - p.x[0]);
    for (let i = 1; i < n; i++) expect(s * (p.x[i] - p.x[i - 1])).toBeGreaterThan(0);
  });
  it('UMAP returns one 2-D point per row (seeded)', async () => {
    const n = 30;
    const x = Float32Array.from({ length: n * 4 }, (_, i) => Math.sin(i * 1.7) + (Math.floor(i / 4) % 2) * 3);
    const rows = subsampleRows(n, 20, 1);
    expect(rows.length).toBe(20);
    const p = await umap2(x, n, 4, rows, 1);
    expect(p.x.length).toBe(20);
    expect(Array.from(p.x).every(Number.isFinite)).toBe(true);
  });
  it('sunburst arrays and prefix items follow the SID trie', () => {
    const t = buildSidTable(Int32Array.from([5, 6, 7, 8]), Int32Array.from([0, 1, 0, 1, 0, 2, 1, 0]), 2, [2, 3]);
    const sb = sunburstData(t, 2);
    expect(sb.ids).toEqual(['0', '0-1', '0-2', '1', '1-0']);
    expect(sb.parents).toEqual(['', '0', '0', '', '1']);
    expect(sb.values).toEqual([3, 2, 1, 1, 1]);
    const u = itemsUnderPrefix(t, [0, 1]);
    expect(u.total).toBe(2);
    expect(u.rows.sort()).toEqual([0, 1]);
    expect(itemsUnderPrefix(t, [2]).total).toBe(0);
  });
});
