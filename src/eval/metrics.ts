// Slate metrics against a target slate, RecBole conventions (full-corpus, no sampled negatives):
//   hit@k       1 if any of the first k slate items is a target
//   recall@k    (# targets among the first k) / |T|
//   precision@k (# targets among the first k) / k
//   NDCG@k      DCG / IDCG, DCG = Σ_{rank r ≤ k, hit} 1 / log2(r + 1), IDCG over min(|T|, k) hits
//   MRR@k       1 / rank of the first hit within k (0 when none)
// A repeated slate item counts once (at its first position); repeated targets count once.

export interface SlateMetrics {
  hit: number;
  recall: number;
  precision: number;
  ndcg: number;
  mrr: number;
}

export const METRIC_NAMES = ['hit', 'recall', 'precision', 'ndcg', 'mrr'] as const satisfies readonly (keyof SlateMetrics)[];

/** Metrics of one slate (ranked item ids, best first) against one target set at cut-off k. */
export function slateMetrics(slate: ArrayLike<number>, target: ArrayLike<number>, k: number): SlateMetrics {
  if (!Number.isInteger(k) || k < 1) throw new Error(`slateMetrics: k must be an integer >= 1 (got ${k})`);
  const T = new Set<number>();
  for (let i = 0; i < target.length; i++) T.add(target[i]);
  if (T.size === 0) throw new Error('slateMetrics: empty target slate');
  const seen = new Set<number>();
  let hits = 0, dcg = 0, firstHit = 0;
  const n = Math.min(k, slate.length);
  for (let r = 0; r < n; r++) {
    const it = slate[r];
    if (seen.has(it)) continue;
    seen.add(it);
    if (T.has(it)) {
      hits++;
      dcg += 1 / Math.log2(r + 2);
      if (!firstHit) firstHit = r + 1;
    }
  }
  let idcg = 0;
  for (let r = 0; r < Math.min(T.size, k); r++) idcg += 1 / Math.log2(r + 2);
  return { hit: hits > 0 ? 1 : 0, recall: hits / T.size, precision: hits / k, ndcg: dcg / idcg, mrr: firstHit ? 1 / firstHit : 0 };
}

/** Mean of per-user metric rows (throws on an empty list: a mean over no user is not 0). */
export function meanMetrics(rows: readonly SlateMetrics[]): SlateMetrics {
  if (!rows.length) throw new Error('meanMetrics: no users to average over');
  const m: SlateMetrics = { hit: 0, recall: 0, precision: 0, ndcg: 0, mrr: 0 };
  for (const r of rows) for (const k of METRIC_NAMES) m[k] += r[k];
  for (const k of METRIC_NAMES) m[k] /= rows.length;
  return m;
}
