// Dataset statistics (plain JSON numbers): counts, sequence-length and watch_ratio histograms.

import type { Dataset } from './dataset';

export interface Histogram {
  /** bin i covers [edges[i], edges[i+1]) ; the last bin also includes values >= its lower edge (overflow). */
  edges: number[];
  counts: number[];
}

export interface DatasetStats {
  source: string;
  order: 'timestamp' | 'file';
  users: number;
  items: number;
  /** All interactions (impressions) kept; equals effectiveViews when impressions are unavailable. */
  interactions: number;
  effectiveViews: number;
  impressionsAvailable: boolean;
  effectiveViewThreshold: number;
  seqLength: { min: number; max: number; mean: number; median: number };
  seqLengthHist: Histogram;
  watchRatioHist?: Histogram;
  dropped: Dataset['dropped'];
  holdoutNote: string;
}

export function datasetStats(ds: Dataset): DatasetStats {
  const nU = ds.userIds.length;
  const lens = new Int32Array(nU);
  for (let u = 0; u < nU; u++) lens[u] = ds.seqOffsets[u + 1] - ds.seqOffsets[u];
  const sorted = lens.slice().sort();
  const sum = lens.reduce((a, b) => a + b, 0);
  return {
    source: ds.protocol.source,
    order: ds.protocol.order,
    users: nU,
    items: ds.itemIds.length,
    interactions: ds.impressions ? ds.impressions.items.length : ds.seqItems.length,
    effectiveViews: ds.seqItems.length,
    impressionsAvailable: !!ds.impressions,
    effectiveViewThreshold: ds.protocol.effectiveViewThreshold,
    seqLength: {
      min: nU ? sorted[0] : 0,
      max: nU ? sorted[nU - 1] : 0,
      mean: nU ? sum / nU : 0,
      median: nU ? (nU % 2 ? sorted[(nU - 1) / 2] : (sorted[nU / 2 - 1] + sorted[nU / 2]) / 2) : 0,
    },
    seqLengthHist: log2Histogram(lens),
    watchRatioHist: ds.impressions ? linearHistogram(ds.impressions.watchRatio, 0, 5, 20) : undefined,
    dropped: ds.dropped,
    holdoutNote: ds.protocol.holdoutNote,
  };
}

/** Bins [1,2), [2,4), [4,8), ... up to the maximum. */
export function log2Histogram(values: ArrayLike<number>): Histogram {
  let max = 1;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  const nb = Math.floor(Math.log2(max)) + 1;
  const edges = Array.from({ length: nb + 1 }, (_, i) => 2 ** i);
  const counts = new Array<number>(nb).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < 1) continue;
    counts[Math.min(nb - 1, Math.floor(Math.log2(v)))]++;
  }
  return { edges, counts };
}

/** `bins` equal bins over [lo, hi); values >= hi go to the last bin, values < lo to the first. NaN ignored. */
export function linearHistogram(values: ArrayLike<number>, lo: number, hi: number, bins: number): Histogram {
  const w = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * w);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    counts[Math.max(0, Math.min(bins - 1, Math.floor((v - lo) / w)))]++;
  }
  return { edges, counts };
}
