// Item-item co-occurrence within a window over sequences, as a sparse symmetric PPMI matrix (CSR).
// Pairs are bucketed by row (counting sort) and each row's columns sorted (no Map of millions of entries).

export interface Csr {
  n: number;
  rowPtr: Int32Array;
  col: Int32Array;
  val: Float32Array;
}

export interface PpmiOptions {
  /** Items within this distance in a sequence co-occur (default 5). */
  window?: number;
  /** Context-distribution smoothing exponent (default 0.75, as in word2vec/Levy et al.). */
  alpha?: number;
}

/** `items` hold dense ids in [0, n); sequences are [offsets[u], offsets[u+1]). */
export function ppmiMatrix(n: number, offsets: Int32Array, items: Int32Array, opts: PpmiOptions = {}): Csr {
  const w = opts.window ?? 5;
  const alpha = opts.alpha ?? 0.75;
  // every (x, y) and (y, x) within the window, bucketed by row (counting sort), each row's columns sorted: runs of
  // equal columns are the counts (the same CSR as sorting the keys x·n + y, at a fraction of the cost)
  const rowCount = new Int32Array(n + 1);
  for (let u = 0; u + 1 < offsets.length; u++) {
    const a = offsets[u];
    const b = offsets[u + 1];
    for (let i = a; i < b; i++) {
      for (let j = i + 1; j <= i + w && j < b; j++) {
        rowCount[items[i] + 1]++;
        rowCount[items[j] + 1]++;
      }
    }
  }
  for (let r = 0; r < n; r++) rowCount[r + 1] += rowCount[r];
  const fill = rowCount.slice(0, n);
  const cols = new Int32Array(rowCount[n]);
  for (let u = 0; u + 1 < offsets.length; u++) {
    const a = offsets[u];
    const b = offsets[u + 1];
    for (let i = a; i < b; i++) {
      for (let j = i + 1; j <= i + w && j < b; j++) {
        const x = items[i];
        const y = items[j];
        cols[fill[x]++] = y;
        cols[fill[y]++] = x;
      }
    }
  }
  // run-length -> CSR counts (self pairs from repeat views are dropped)
  const rowPtr = new Int32Array(n + 1);
  const colArr: number[] = [];
  const cnt: number[] = [];
  for (let r = 0; r < n; r++) {
    const seg = cols.subarray(rowCount[r], rowCount[r + 1]).sort();
    for (let s = 0; s < seg.length; ) {
      let e = s + 1;
      while (e < seg.length && seg[e] === seg[s]) e++;
      const c = seg[s];
      if (r !== c) { colArr.push(c); cnt.push(e - s); rowPtr[r + 1]++; }
      s = e;
    }
  }
  for (let r = 0; r < n; r++) rowPtr[r + 1] += rowPtr[r];
  const col = Int32Array.from(colArr);
  const val = new Float32Array(cnt.length);
  // marginals
  const rowSum = new Float64Array(n);
  const colPow = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) for (let p = rowPtr[r]; p < rowPtr[r + 1]; p++) { rowSum[r] += cnt[p]; colPow[col[p]] += cnt[p]; total += cnt[p]; }
  let powTotal = 0;
  for (let c = 0; c < n; c++) { colPow[c] = colPow[c] ** alpha; powTotal += colPow[c]; }
  for (let r = 0; r < n; r++) {
    for (let p = rowPtr[r]; p < rowPtr[r + 1]; p++) {
      const pmi = Math.log((cnt[p] / total) / ((rowSum[r] / total) * (colPow[col[p]] / powTotal)));
      val[p] = pmi > 0 ? pmi : 0;
    }
  }
  return { n, rowPtr, col, val };
}

/** y = A x for a CSR matrix and a dense (n x k) row-major block x. */
export function csrMatMul(A: Csr, x: Float32Array, k: number, y: Float32Array = new Float32Array(A.n * k)): Float32Array {
  y.fill(0);
  for (let r = 0; r < A.n; r++) {
    const yo = r * k;
    for (let p = A.rowPtr[r]; p < A.rowPtr[r + 1]; p++) {
      const v = A.val[p];
      if (v === 0) continue;
      const xo = A.col[p] * k;
      for (let j = 0; j < k; j++) y[yo + j] += v * x[xo + j];
    }
  }
  return y;
}
