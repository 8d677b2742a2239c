// Item feature matrix handed to the tokenizers: one row per item (original video id), row-major float32.

export interface FeatureBlock {
  name: string;
  from: number; // first column (inclusive)
  to: number; // last column (exclusive)
}

export interface ItemFeatures {
  /** Original KuaiRec video ids, one per row. */
  ids: Int32Array;
  dim: number;
  /** ids.length x dim, row-major. */
  data: Float32Array;
  blocks: FeatureBlock[];
}

/** L2-normalises each row in place (zero rows stay zero). */
export function l2NormalizeRows(data: Float32Array, dim: number): void {
  const n = data.length / dim;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[i * dim + j] ** 2;
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let j = 0; j < dim; j++) data[i * dim + j] *= inv;
    }
  }
}
