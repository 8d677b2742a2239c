// Presentation helpers for the Data panel (kept out of React components): progress fractions, histogram labels,
// human-readable rates. Pure functions over plain data.

import type { Histogram } from './stats';
import type { Progress } from './types';

/** 0..1, or undefined when the total size is unknown. */
export function progressFraction(p: Progress | undefined): number | undefined {
  if (!p || !p.totalBytes) return undefined;
  return Math.min(1, p.bytes / p.totalBytes);
}

export function formatRate(rowsPerSec: number): string {
  if (rowsPerSec >= 1e6) return `${(rowsPerSec / 1e6).toFixed(1)}M rows/s`;
  if (rowsPerSec >= 1e3) return `${(rowsPerSec / 1e3).toFixed(0)}k rows/s`;
  return `${Math.round(rowsPerSec)} rows/s`;
}

export function formatEta(sec: number | undefined): string {
  if (sec === undefined || !Number.isFinite(sec)) return '';
  if (sec < 1) return '<1 s left';
  if (sec < 90) return `${Math.round(sec)} s left`;
  return `${Math.round(sec / 60)} min left`;
}

/** Bar labels for a histogram: "[2, 4)" for integer (log2) bins, "0.25–0.5" for float bins; last bin open-ended. */
export function histogramBars(h: Histogram, kind: 'int' | 'float'): { labels: string[]; counts: number[] } {
  const labels = h.counts.map((_, i) => {
    const a = h.edges[i];
    const b = h.edges[i + 1];
    const last = i === h.counts.length - 1;
    if (kind === 'int') return b - a === 1 ? `${a}` : `${a}–${b - 1}`;
    return last ? `≥${a}` : `${a}–${b}`;
  });
  return { labels, counts: h.counts };
}
