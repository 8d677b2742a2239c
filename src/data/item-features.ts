// Item features for the tokenizers: category multi-hot, caption n-gram TF-IDF, co-occurrence (PPMI + randomized SVD on
// TRAINING sequences only), precomputed embeddings (.npy/.safetensors/.csv) — selectable and combinable: each block is
// row-L2-normalised, scaled by its weight, concatenated, then every row is L2-normalised again.

import { idIndex } from './dataset';
import { categoryMultiHot } from './features/category';
import { captionTfidf } from './features/caption';
import { parseNpy } from './features/npy';
import { DataError } from './types';
import { parseEmbeddingCsv } from './features/embedding-csv';
import { ppmiMatrix } from './features/ppmi';
import { parseSafetensors } from './features/safetensors';
import { randomizedSymmetricEmbedding } from './features/svd';
import { l2NormalizeRows, type FeatureBlock, type ItemFeatures } from './features/types';
import type { CaptionTable, ItemCategoryTable, SequenceTable } from './tables';

export type { ItemFeatures, FeatureBlock } from './features/types';
export { parseEmbeddingCsv } from './features/embedding-csv';

export interface TrainingSequences {
  /** CSR over users; items are indices into itemIds. Must hold TRAINING items only (see split.trainingSequences). */
  offsets: Int32Array;
  items: Int32Array;
  itemIds: Int32Array;
}

export interface ItemFeatureInputs {
  /** Output rows: original video ids (usually dataset.itemIds). */
  ids: Int32Array;
  categories?: ItemCategoryTable;
  captions?: CaptionTable;
  training?: TrainingSequences;
}

export interface ItemFeatureSpec {
  category?: { weight?: number };
  caption?: { weight?: number; dims?: number; minN?: number; maxN?: number; allText?: boolean };
  cooccurrence?: { weight?: number; dims?: number; window?: number; powerIters?: number; seed?: number };
  precomputed?: { name: string; weight?: number; features: ItemFeatures }[];
}

export const DEFAULT_FEATURE_SPEC: ItemFeatureSpec = { category: { weight: 1 }, caption: { weight: 1, dims: 256 }, cooccurrence: { weight: 1, dims: 32 } };

/** The feature blocks computed locally from KuaiRec tables; any subset can be combined (plus precomputed embeddings). */
export const FEATURE_BLOCKS = ['category', 'caption', 'cooccurrence'] as const;
export type LocalFeatureBlock = (typeof FEATURE_BLOCKS)[number];

/**
 * Keep only the named local blocks of `base` and add precomputed embeddings. Throws a clear error for an unknown
 * block name or when nothing would be left to tokenize.
 */
export function selectFeatureSpec(base: ItemFeatureSpec, blocks: readonly string[], precomputed: ItemFeatureSpec['precomputed'] = []): ItemFeatureSpec {
  const unknown = blocks.filter((b) => !(FEATURE_BLOCKS as readonly string[]).includes(b));
  if (unknown.length) throw new Error(`unknown feature block(s) ${unknown.join(', ')}: choose from ${FEATURE_BLOCKS.join(', ')}`);
  if (!blocks.length && !precomputed?.length) throw new Error('no item features selected: choose at least one block or load precomputed embeddings');
  const spec: ItemFeatureSpec = { precomputed };
  for (const b of blocks as readonly LocalFeatureBlock[]) (spec as Record<LocalFeatureBlock, unknown>)[b] = base[b] ?? DEFAULT_FEATURE_SPEC[b];
  return spec;
}

interface Block { name: string; weight: number; dim: number; data: Float32Array }

export function buildItemFeatures(inp: ItemFeatureInputs, spec: ItemFeatureSpec = DEFAULT_FEATURE_SPEC): ItemFeatures {
  const ids = inp.ids;
  const blocks: Block[] = [];
  if (spec.category) {
    if (!inp.categories && !inp.captions) throw new Error('category features need item_categories.csv or kuairec_caption_category.csv');
    const c = categoryMultiHot(ids, inp.categories, inp.captions);
    blocks.push({ name: 'category', weight: spec.category.weight ?? 1, dim: c.dim, data: c.data });
  }
  if (spec.caption) {
    if (!inp.captions) throw new Error('caption features need kuairec_caption_category.csv');
    const c = captionTfidf(ids, inp.captions, spec.caption);
    blocks.push({ name: 'caption', weight: spec.caption.weight ?? 1, dim: c.dim, data: c.data });
  }
  if (spec.cooccurrence) {
    if (!inp.training) throw new Error('co-occurrence features need training sequences');
    const o = spec.cooccurrence;
    const e = cooccurrenceEmbedding(inp.training, o);
    blocks.push({ name: 'cooccurrence', weight: o.weight ?? 1, dim: e.dim, data: alignRows(ids, inp.training.itemIds, e.data, e.dim) });
  }
  for (const p of spec.precomputed ?? []) {
    blocks.push({ name: p.name, weight: p.weight ?? 1, dim: p.features.dim, data: alignRows(ids, p.features.ids, p.features.data, p.features.dim) });
  }
  if (!blocks.length) throw new Error('no item feature block selected');
  return combineBlocks(ids, blocks);
}

/** A dropped/CLI precomputed-embedding file of any supported format (.npy, .safetensors, CSV `video_id,f0,...`). */
export async function loadEmbeddingBytes(file: string, bytes: Uint8Array<ArrayBuffer>): Promise<ItemFeatures> {
  if (/\.csv$/i.test(file)) return parseEmbeddingCsv(new Blob([bytes]).stream(), file);
  return loadPrecomputedEmbeddings(file, bytes);
}

/** PPMI over a window of the training sequences, then a randomized truncated SVD. Rows follow t.itemIds. */
export function cooccurrenceEmbedding(t: TrainingSequences, o: { dims?: number; window?: number; powerIters?: number; seed?: number } = {}): { data: Float32Array; dim: number } {
  const A = ppmiMatrix(t.itemIds.length, t.offsets, t.items, { window: o.window ?? 5 });
  const e = randomizedSymmetricEmbedding(A, { dims: o.dims ?? 32, powerIters: o.powerIters ?? 4, seed: o.seed ?? 1 });
  return { data: e.data, dim: e.dim };
}

/** Copies rows of (srcIds, data) into the order of `ids`; missing ids get zero rows. */
export function alignRows(ids: Int32Array, srcIds: Int32Array, data: Float32Array, dim: number): Float32Array {
  const sorted = Int32Array.from(srcIds).sort();
  const rank = idIndex(sorted);
  const rowOfSorted = new Int32Array(srcIds.length);
  srcIds.forEach((id, r) => { rowOfSorted[rank(id)] = r; });
  const out = new Float32Array(ids.length * dim);
  ids.forEach((id, i) => {
    const k = rank(id);
    if (k < 0) return;
    const r = rowOfSorted[k];
    out.set(data.subarray(r * dim, (r + 1) * dim), i * dim);
  });
  return out;
}

function combineBlocks(ids: Int32Array, blocks: Block[]): ItemFeatures {
  const n = ids.length;
  const dim = blocks.reduce((s, b) => s + b.dim, 0);
  const data = new Float32Array(n * dim);
  const out: FeatureBlock[] = [];
  let from = 0;
  for (const b of blocks) {
    const d = b.data.slice();
    l2NormalizeRows(d, b.dim);
    for (let i = 0; i < n; i++) for (let j = 0; j < b.dim; j++) data[i * dim + from + j] = d[i * b.dim + j] * b.weight;
    out.push({ name: b.name, from, to: from + b.dim });
    from += b.dim;
  }
  l2NormalizeRows(data, dim);
  return { ids: Int32Array.from(ids), dim, data, blocks: out };
}

/** Precomputed embeddings from bytes, by extension: .npy (rows = video ids 0..N-1 unless `ids` given) or .safetensors. */
export function loadPrecomputedEmbeddings(file: string, bytes: Uint8Array, ids?: Int32Array): ItemFeatures {
  const bad = (message: string): never => { throw new DataError({ file, kind: 'bad-embeddings', message: `${file}: ${message}` }); };
  if (/\.npy$/i.test(file)) {
    const m = parseNpy(bytes, file);
    if (m.shape.length !== 2 || m.shape[0] === 0 || m.shape[1] === 0) bad(`expected a non-empty 2-D array (items x dims), got shape (${m.shape.join(', ')})`);
    const rowIds = ids ?? Int32Array.from({ length: m.shape[0] }, (_, i) => i);
    if (rowIds.length !== m.shape[0]) bad(`${m.shape[0]} rows but ${rowIds.length} ids`);
    return { ids: rowIds, dim: m.shape[1], data: m.data, blocks: [{ name: file, from: 0, to: m.shape[1] }] };
  }
  if (/\.safetensors$/i.test(file)) {
    const m = parseSafetensors(bytes, file);
    const rowIds = m.ids ?? ids ?? Int32Array.from({ length: m.shape[0] }, (_, i) => i);
    if (rowIds.length !== m.shape[0]) bad(`${m.shape[0]} rows but ${rowIds.length} ids`);
    return { ids: rowIds, dim: m.shape[1], data: m.data, blocks: [{ name: file, from: 0, to: m.shape[1] }] };
  }
  return bad('unsupported embedding file (use .npy, .safetensors or a video_id,f0,... CSV)');
}

/** Co-occurrence input from a whole positives file (e.g. big_matrix_positives.txt), original ids -> dense. */
export function sequencesFromTable(t: SequenceTable): TrainingSequences {
  const itemIds = Int32Array.from(new Set(t.items)).sort();
  const dense = idIndex(itemIds);
  return { offsets: t.offsets, items: Int32Array.from(t.items, dense), itemIds };
}
