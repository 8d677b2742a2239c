// Caption features computed locally: character n-grams (1..3) hashed into `dims` buckets, TF-IDF weighted, L2-normalised.

import type { CaptionTable } from '../tables';
import { l2NormalizeRows } from './types';

export interface CaptionFeatureOptions {
  dims?: number; // default 256
  minN?: number; // default 1
  maxN?: number; // default 3
  /** Include manual_cover_text and topic_tag besides the caption (default true). */
  allText?: boolean;
}

/** FNV-1a over UTF-16 code units of s[a, b). */
export function hashString(s: string, a: number, b: number): number {
  let h = 0x811c9dc5;
  for (let i = a; i < b; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function captionText(t: CaptionTable, r: number, allText = true): string {
  const clean = (s: string) => (s === 'UNKNOWN' || s === '[]' ? '' : s.replace(/[\s\r]+/g, ' ').trim());
  return allText ? [clean(t.caption[r]), clean(t.coverText[r]), clean(t.topicTag[r])].filter(Boolean).join(' ') : clean(t.caption[r]);
}

/** Term frequencies of the hashed n-grams of one text (spaces are not part of n-grams). */
export function hashedNgrams(text: string, dims: number, minN = 1, maxN = 3): Float32Array {
  const tf = new Float32Array(dims);
  for (const word of text.split(' ')) {
    for (let n = minN; n <= maxN; n++) for (let i = 0; i + n <= word.length; i++) tf[hashString(word, i, i + n) % dims] += 1;
  }
  return tf;
}

/** Rows follow `ids`; items without a caption row get a zero vector. IDF is computed over the given items. */
export function captionTfidf(ids: Int32Array, captions: CaptionTable, opts: CaptionFeatureOptions = {}): { data: Float32Array; dim: number } {
  const dims = opts.dims ?? 256;
  const row = new Map<number, number>();
  captions.videoIds.forEach((id, r) => row.set(id, r));
  const data = new Float32Array(ids.length * dims);
  const df = new Float32Array(dims);
  ids.forEach((id, i) => {
    const r = row.get(id);
    if (r === undefined) return;
    const tf = hashedNgrams(captionText(captions, r, opts.allText ?? true), dims, opts.minN ?? 1, opts.maxN ?? 3);
    for (let j = 0; j < dims; j++) if (tf[j] > 0) { df[j]++; data[i * dims + j] = tf[j]; }
  });
  const n = ids.length;
  const idf = Float32Array.from(df, (d) => Math.log((1 + n) / (1 + d)) + 1); // smooth idf (scikit-learn style)
  for (let i = 0; i < n; i++) for (let j = 0; j < dims; j++) data[i * dims + j] *= idf[j];
  l2NormalizeRows(data, dims);
  return { data, dim: dims };
}
