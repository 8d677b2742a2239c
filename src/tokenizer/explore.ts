// Data for the prefix explorer: 2-D projections of item latents (PCA, UMAP), the prefix tree as sunburst arrays,
// and the items under a prefix. Plain arrays out, so UI components only plot.
import { UMAP } from 'umap-js';
import { createRng } from '../math/rng';
import { PrefixTrie, type SidTableData } from '../models/sid-table';

export interface Projection {
  method: 'pca' | 'umap';
  /** item rows that were projected (a seeded subsample when there are more than maxPoints) */
  rows: Int32Array;
  x: Float32Array;
  y: Float32Array;
  /** explained variance share of the two components (PCA only) */
  explained?: [number, number];
}

/** Seeded subsample of row indices (all rows when n ≤ max), ascending. */
export function subsampleRows(n: number, max: number, seed: number): Int32Array {
  if (n <= max) return Int32Array.from({ length: n }, (_, i) => i);
  const r = createRng(seed * 5 + 1);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < max; i++) {
    const j = i + r.int(n - i);
    const t = all[i];
    all[i] = all[j];
    all[j] = t;
  }
  return all.slice(0, max).sort();
}

/** Top-2 principal components by power iteration with deflation on the (d × d) covariance. */
export function pca2(x: Float32Array, n: number, d: number, rows?: Int32Array): Projection {
  const R = rows ?? Int32Array.from({ length: n }, (_, i) => i);
  const m = R.length;
  const mean = new Float64Array(d);
  for (const i of R) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / m;
  const C = new Float64Array(d * d);
  for (const i of R)
    for (let a = 0; a < d; a++) {
      const va = x[i * d + a] - mean[a];
      for (let b = a; b < d; b++) C[a * d + b] += (va * (x[i * d + b] - mean[b])) / m;
    }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) C[a * d + b] = C[b * d + a];
  let trace = 0;
  for (let a = 0; a < d; a++) trace += C[a * d + a];
  const comps: Float64Array[] = [];
  const vals: number[] = [];
  for (let c = 0; c < 2; c++) {
    let v = Float64Array.from({ length: d }, (_, j) => 1 + ((j * 7919 + c * 31) % 13) / 13);
    let lambda = 0;
    for (let it = 0; it < 200; it++) {
      const w = new Float64Array(d);
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b < d; b++) s += C[a * d + b] * v[b];
        w[a] = s;
      }
      for (const p of comps) {
        let dot = 0;
        for (let a = 0; a < d; a++) dot += w[a] * p[a];
        for (let a = 0; a < d; a++) w[a] -= dot * p[a];
      }
      const norm = Math.hypot(...w) || 1;
      lambda = norm;
      v = w.map((t) => t / norm);
    }
    comps.push(v);
    vals.push(lambda);
  }
  const X = new Float32Array(m);
  const Y = new Float32Array(m);
  R.forEach((i, k) => {
    let sx = 0;
    let sy = 0;
    for (let j = 0; j < d; j++) {
      const t = x[i * d + j] - mean[j];
      sx += t * comps[0][j];
      sy += t * comps[1][j];
    }
    X[k] = sx;
    Y[k] = sy;
  });
  return { method: 'pca', rows: R, x: X, y: Y, explained: trace > 0 ? [vals[0] / trace, vals[1] / trace] : [0, 0] };
}

/** UMAP (umap-js) of the rows, seeded. */
export async function umap2(x: Float32Array, n: number, d: number, rows: Int32Array, seed: number, onEpoch?: (e: number) => void): Promise<Projection> {
  const r = createRng(seed * 11 + 3);
  const data = Array.from(rows, (i) => Array.from(x.subarray(i * d, i * d + d)));
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, Math.max(2, rows.length - 1)), minDist: 0.1, random: () => r.next() });
  const emb = await umap.fitAsync(data, (e) => {
    onEpoch?.(e);
  });
  return { method: 'umap', rows, x: Float32Array.from(emb, (p) => p[0]), y: Float32Array.from(emb, (p) => p[1]) };
}

export interface Sunburst {
  ids: string[];
  labels: string[];
  parents: string[];
  values: number[];
}

/** Prefix tree down to `depth` levels as plotly sunburst arrays (values = items under the prefix). */
export function sunburstData(table: SidTableData, depth = 2, minItems = 1): Sunburst {
  const trie = PrefixTrie.of(table);
  const out: Sunburst = { ids: [], labels: [], parents: [], values: [] };
  const walk = (node: number, path: number[], parent: string) => {
    for (const c of trie.children(node)) {
      if (c.items < minItems) continue;
      const p = [...path, c.code];
      const id = p.join('-');
      out.ids.push(id);
      out.labels.push(`s${p.length}=${c.code}`);
      out.parents.push(parent);
      out.values.push(c.items);
      if (p.length < depth) walk(c.node, p, id);
    }
  };
  walk(0, [], '');
  return out;
}

/** Item rows under a prefix (SID order), at most `limit`. */
export function itemsUnderPrefix(table: SidTableData, prefix: number[], limit = 50): { rows: number[]; total: number } {
  const trie = PrefixTrie.of(table);
  const node = trie.node(prefix);
  if (node < 0) return { rows: [], total: 0 };
  return { rows: trie.itemsUnder(node, limit), total: trie.t.nodeItems[node] };
}
