// Planted item features for tokenizer tests and demos: every item belongs to a semantic group (what positives share)
// and, independently, to a "nuisance" cluster. Features = [group part (weight a) | nuisance part (weight b) | noise].
// With b > a the dominant variance is the nuisance, so reconstruction/k-means alone split items by nuisance; the
// anchor-positive pairs (same semantic group, like co-occurrence) carry the information the contrastive term adds.
import { createRng } from '../math/rng';
import type { FeatureMatrix } from './train';

export interface PlantedOptions {
  items?: number;
  groups?: number;
  nuisance?: number;
  /** dims of the group part and of the nuisance part */
  groupDim?: number;
  nuisanceDim?: number;
  /** weights of the two parts and of the per-item noise */
  a?: number;
  b?: number;
  noise?: number;
  /** anchor-positive pairs per item (random partners in the same group) */
  pairsPerItem?: number;
  seed?: number;
}

export interface Planted {
  features: FeatureMatrix;
  group: Int32Array;
  nuisance: Int32Array;
  /** (P, 2) same-group pairs (i < j) */
  pairs: Int32Array;
}

export function plantedItems(o: PlantedOptions = {}): Planted {
  const n = o.items ?? 400;
  const G = o.groups ?? 8;
  const H = o.nuisance ?? 8;
  const gd = o.groupDim ?? 8;
  const nd = o.nuisanceDim ?? 8;
  const a = o.a ?? 0.6;
  const b = o.b ?? 1.0;
  const noise = o.noise ?? 0.15;
  const r = createRng((o.seed ?? 1) * 97 + 13);
  const F = gd + nd;
  const gC = Float32Array.from({ length: G * gd }, () => r.normal());
  const hC = Float32Array.from({ length: H * nd }, () => r.normal());
  const group = Int32Array.from({ length: n }, (_, i) => i % G);
  const nuisance = Int32Array.from({ length: n }, () => r.int(H));
  const data = new Float32Array(n * F);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < gd; j++) data[i * F + j] = a * gC[group[i] * gd + j] + noise * r.normal();
    for (let j = 0; j < nd; j++) data[i * F + gd + j] = b * hC[nuisance[i] * nd + j] + noise * r.normal();
  }
  const members: number[][] = Array.from({ length: G }, () => []);
  group.forEach((g, i) => members[g].push(i));
  const seen = new Set<number>();
  const pairs: number[] = [];
  const per = o.pairsPerItem ?? 2;
  for (let i = 0; i < n; i++) {
    const m = members[group[i]];
    for (let t = 0; t < per; t++) {
      const j = m[r.int(m.length)];
      if (j === i) continue;
      const lo = Math.min(i, j);
      const hi = Math.max(i, j);
      if (seen.has(lo * n + hi)) continue;
      seen.add(lo * n + hi);
      pairs.push(lo, hi);
    }
  }
  return { features: { ids: Int32Array.from({ length: n }, (_, i) => 1000 + i), dim: F, data }, group, nuisance, pairs: Int32Array.from(pairs) };
}
