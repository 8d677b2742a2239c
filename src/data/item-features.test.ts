import { describe, expect, it } from 'vitest';
import { fromBytes } from './input-file';
import { buildItemFeatures, cooccurrenceEmbedding, loadPrecomputedEmbeddings, parseEmbeddingCsv } from './item-features';
import { writeNpy } from './features/npy';
import { ppmiMatrix } from './features/ppmi';
import { writeSafetensors } from './features/safetensors';
import { jacobiEigen } from './features/svd';
import { hashedNgrams } from './features/caption';
import { leaveSlateOut, trainingSequences } from './split';
import { generateSyntheticKuaiRec } from './synthetic';
import { streamFromBytes } from './text-stream';
import type { CaptionTable, ItemCategoryTable } from './tables';
import { DataWorkspace } from './workspace';

async function synthetic() {
  const { files, truth } = generateSyntheticKuaiRec({ seed: 4, users: 120, items: 96, categories: 6, clusters: 3, minImpressions: 80, maxImpressions: 120 });
  const ws = new DataWorkspace();
  for (const [n, t] of Object.entries(files)) await ws.add(fromBytes(n, t));
  const { dataset } = ws.build({ source: 'big_matrix.csv' });
  const side = ws.sideTables();
  return { ws, dataset, truth, categories: side.categories as ItemCategoryTable, captions: side.captions as CaptionTable };
}

const cos = (d: Float32Array, dim: number, a: number, b: number) => {
  let s = 0, na = 0, nb = 0;
  for (let j = 0; j < dim; j++) { s += d[a * dim + j] * d[b * dim + j]; na += d[a * dim + j] ** 2; nb += d[b * dim + j] ** 2; }
  return s / Math.sqrt(na * nb || 1);
};

/** mean cosine of same-category pairs minus mean cosine of different-category pairs */
function categoryMargin(data: Float32Array, dim: number, ids: Int32Array, cat: Int32Array): number {
  let same = 0, ns = 0, diff = 0, nd = 0;
  for (let a = 0; a < ids.length; a++) for (let b = a + 1; b < ids.length; b++) {
    const c = cos(data, dim, a, b);
    if (cat[ids[a]] === cat[ids[b]]) { same += c; ns++; } else { diff += c; nd++; }
  }
  return same / ns - diff / nd;
}

describe('item features', () => {
  it('category multi-hot + caption TF-IDF + co-occurrence are informative about the planted categories', async () => {
    const { dataset, truth, categories, captions } = await synthetic();
    const split = leaveSlateOut(dataset);
    const tr = trainingSequences(dataset, split);
    const ids = dataset.itemIds;
    const f = buildItemFeatures(
      { ids, categories, captions, training: { ...tr, itemIds: ids } },
      { category: { weight: 1 }, caption: { weight: 0.5, dims: 64 }, cooccurrence: { weight: 2, dims: 8 } },
    );
    expect(f.blocks.map((b) => b.name)).toEqual(['category', 'caption', 'cooccurrence']);
    expect(f.blocks[1]).toMatchObject({ to: f.blocks[1].from + 64 });
    expect(f.blocks[2].to).toBe(f.dim);
    for (let i = 0; i < ids.length; i++) {
      let s = 0;
      for (let j = 0; j < f.dim; j++) s += f.data[i * f.dim + j] ** 2;
      expect(s).toBeCloseTo(1, 4);
    }
    const only = (spec: Parameters<typeof buildItemFeatures>[1]) => {
      const g = buildItemFeatures({ ids, categories, captions, training: { ...tr, itemIds: ids } }, spec);
      return categoryMargin(g.data, g.dim, ids, truth.itemCategory);
    };
    expect(only({ category: {} })).toBeGreaterThan(0.5);
    expect(only({ caption: { dims: 64 } })).toBeGreaterThan(0.1);
    expect(only({ cooccurrence: { dims: 8 } })).toBeGreaterThan(0.1);
  });

  it('co-occurrence uses training sequences only: test items alone add no co-occurrence', () => {
    // items 0,1 co-occur only in the training part; 2,3 only in held-out parts that are not passed in
    const t = { offsets: Int32Array.from([0, 4]), items: Int32Array.from([0, 1, 0, 1]), itemIds: Int32Array.from([10, 11, 12, 13]) };
    const e = cooccurrenceEmbedding(t, { dims: 2 });
    const rowNorm = (r: number) => Math.hypot(e.data[r * 2], e.data[r * 2 + 1]);
    expect(rowNorm(0)).toBeGreaterThan(0);
    expect(rowNorm(2)).toBe(0);
    expect(rowNorm(3)).toBe(0);
  });

  it('PPMI is symmetric and non-negative; Jacobi recovers eigenvalues', () => {
    const A = ppmiMatrix(5, Int32Array.from([0, 6, 10]), Int32Array.from([0, 1, 2, 0, 1, 3, 4, 2, 4, 0]), { window: 2 });
    const get = (r: number, c: number) => { for (let p = A.rowPtr[r]; p < A.rowPtr[r + 1]; p++) if (A.col[p] === c) return A.val[p]; return 0; };
    for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) { expect(get(r, c)).toBeGreaterThanOrEqual(0); }
    const { values } = jacobiEigen(Float64Array.from([2, 1, 0, 1, 2, 0, 0, 0, 5]), 3);
    expect(Array.from(values).sort((a, b) => a - b).map((v) => +v.toFixed(6))).toEqual([1, 3, 5]);
  });

  it('caption n-grams: 1..3-grams of each word', () => {
    const tf = hashedNgrams('精神小伙', 1 << 20);
    expect(tf.reduce((a, b) => a + b, 0)).toBe(4 + 3 + 2);
  });

  it('precomputed embeddings: .npy (f4, f8), .safetensors (with ids), CSV; aligned by video id, missing -> zero', async () => {
    const m = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const f4 = loadPrecomputedEmbeddings('e.npy', writeNpy(m, [3, 2]));
    expect(Array.from(f4.ids)).toEqual([0, 1, 2]);
    expect(Array.from(f4.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const f8 = loadPrecomputedEmbeddings('e.npy', writeNpy(Float64Array.from(m), [3, 2]), Int32Array.from([7, 8, 9]));
    expect(Array.from(f8.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => loadPrecomputedEmbeddings('e.npy', writeNpy(m, [3, 2]).subarray(0, 100))).toThrow(/e\.npy/);
    const st = loadPrecomputedEmbeddings('e.safetensors', writeSafetensors({ embeddings: { data: m, shape: [3, 2] }, ids: { data: Int32Array.from([30, 20, 10]), shape: [3] } }));
    expect(Array.from(st.ids)).toEqual([30, 20, 10]);
    const csv = await parseEmbeddingCsv(streamFromBytes('video_id,f0,f1\n20,0.5,1\n10,1,0\n'), 'e.csv');
    expect(csv.dim).toBe(2);
    const g = buildItemFeatures({ ids: Int32Array.from([10, 20, 99]) }, { precomputed: [{ name: 'st', features: st }, { name: 'csv', features: csv, weight: 2 }] });
    expect(g.dim).toBe(4);
    expect(Array.from(g.data.subarray(8, 12))).toEqual([0, 0, 0, 0]);
    // row 10: st = (5,6)/|.| , csv = (1,0)*2 -> normalised together
    const a = [5 / Math.hypot(5, 6), 6 / Math.hypot(5, 6), 2, 0];
    const n = Math.hypot(...a);
    a.forEach((v, j) => expect(g.data[j]).toBeCloseTo(v / n, 5));
  });
});
