// Category multi-hot: item_categories tags + first/second/third-level category ids (captions table).
// Vocabulary = the distinct values present (KuaiRec's -124 "UNKNOWN" excluded), sorted, so columns are reproducible.

import type { CaptionTable, ItemCategoryTable } from '../tables';

export interface CategoryVocabulary {
  /** Column names like "tag:27", "c1:8", "c2:673", "c3:2434". */
  columns: string[];
}

export function categoryMultiHot(ids: Int32Array, categories?: ItemCategoryTable, captions?: CaptionTable): { data: Float32Array; dim: number; vocab: CategoryVocabulary } {
  const perItem = new Map<number, string[]>();
  const add = (id: number, key: string) => {
    let a = perItem.get(id);
    if (!a) perItem.set(id, (a = []));
    a.push(key);
  };
  if (categories) {
    for (let r = 0; r < categories.videoIds.length; r++)
      for (let j = categories.tagOffsets[r]; j < categories.tagOffsets[r + 1]; j++) add(categories.videoIds[r], `tag:${categories.tags[j]}`);
  }
  if (captions) {
    for (let r = 0; r < captions.videoIds.length; r++) {
      const id = captions.videoIds[r];
      if (captions.cat1[r] >= 0) add(id, `c1:${captions.cat1[r]}`);
      if (captions.cat2[r] >= 0) add(id, `c2:${captions.cat2[r]}`);
      if (captions.cat3[r] >= 0) add(id, `c3:${captions.cat3[r]}`);
    }
  }
  const wanted = new Set(ids);
  const vocabSet = new Set<string>();
  for (const [id, keys] of perItem) if (wanted.has(id)) keys.forEach((k) => vocabSet.add(k));
  const columns = [...vocabSet].sort((a, b) => {
    const [pa, va] = a.split(':');
    const [pb, vb] = b.split(':');
    return pa === pb ? Number(va) - Number(vb) : pa < pb ? -1 : 1;
  });
  const col = new Map(columns.map((c, i) => [c, i]));
  const dim = columns.length;
  const data = new Float32Array(ids.length * dim);
  ids.forEach((id, i) => {
    for (const k of perItem.get(id) ?? []) data[i * dim + col.get(k)!] = 1;
  });
  return { data, dim, vocab: { columns } };
}
