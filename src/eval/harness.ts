// The evaluation harness: ranked or generated slates of every evaluated user against that user's target slate.
//   cases      one per user: history (the model's input), effective-view target slate, impression target (or null)
//   slates     full-catalogue rankings (topKExcluding over a model's scores) or generated slates (decoders, files)
//   metrics    hit/recall/precision/NDCG/MRR@k (metrics.ts, RecBole conventions) for effective views and, where the
//              data has impressions (watch_ratio), for impressions; "n/a" (null) for positives-only data
//   extras     diversity (distinct level-1 prefixes per slate, intra-list distance) and catalogue coverage
//   perUser    one metric vector per user, in case order, kept for paired significance tests (significance.ts)
// History exclusion is an evaluation setting (default on): an item the user has already viewed is never ranked.
import type { Dataset } from '../data/dataset';
import { slateHistory, slateTarget, type Slates, type Split } from '../data/split';
import { METRIC_NAMES, meanMetrics, slateMetrics, type SlateMetrics } from './metrics';
import { topKExcluding } from './rank';

export interface EvalSettings {
  /** Cut-off k (slate length scored). */
  k: number;
  /** Never rank an item of the user's history (default on). */
  excludeHistory: boolean;
}
export const DEFAULT_EVAL: EvalSettings = { k: 5, excludeHistory: true };

export interface EvalCase {
  /** Dense user id. */
  user: number;
  /** The model's input: effective views before the target slate, oldest first. */
  history: Int32Array;
  /** Effective views of the target slate. */
  target: Int32Array;
  /** Every impression (effective or not) inside the target window; null when the data has no impressions. */
  impressions: Int32Array | null;
}

/** Cases of one slate set (split.test or split.valid) of a dataset. */
export function casesOf(ds: Dataset, s: Slates, M: number): EvalCase[] {
  const out: EvalCase[] = [];
  const imp = ds.impressions;
  for (let k = 0; k < s.user.length; k++) {
    const u = s.user[k], cut = s.cut[k];
    let impressions: Int32Array | null = null;
    if (imp) {
      // impressions whose number of earlier effective views lies in [cut, cut + M): the target window
      const items: number[] = [];
      for (let j = imp.offsets[u]; j < imp.offsets[u + 1]; j++) if (imp.seqPos[j] >= cut && imp.seqPos[j] < cut + M) items.push(imp.items[j]);
      impressions = Int32Array.from(items);
    }
    out.push({ user: u, history: slateHistory(ds, s, k), target: slateTarget(ds, s, k, M), impressions });
  }
  return out;
}

/** Test cases (and validation cases when the protocol has a validation slate). */
export function evalCases(ds: Dataset, split: Split): { test: EvalCase[]; valid: EvalCase[] | null } {
  return { test: casesOf(ds, split.test, split.slateSize), valid: split.valid ? casesOf(ds, split.valid, split.slateSize) : null };
}

/** Optional item side information for diversity. */
export interface ItemInfo {
  /** Level-1 semantic-ID prefix (or category) per dense item. */
  prefix?: Int32Array;
  /** Item vectors (nItems × dim, row-major) for intra-list distance (1 − cosine). */
  vectors?: { dim: number; data: Float32Array };
}

export type PerUser = Record<(typeof METRIC_NAMES)[number], number[]>;

export interface EvalResult {
  k: number;
  users: number;
  excludeHistory: boolean;
  effective: SlateMetrics;
  /** null: the data has no impressions (positives only). */
  impressions: SlateMetrics | null;
  perUser: { effective: PerUser; impressions: PerUser | null };
  /** Mean distinct level-1 prefixes per slate (null without prefixes). */
  distinctPrefixes: number | null;
  /** Mean pairwise 1 − cosine within a slate (null without item vectors). */
  intraListDistance: number | null;
  /** Distinct recommended items / catalogue size. */
  coverage: number;
  /** Slates shorter than k (a decoder or file that gave fewer items); they are scored as given. */
  shortSlates: number;
}

function perUserOf(rows: SlateMetrics[]): PerUser {
  const p = {} as PerUser;
  for (const m of METRIC_NAMES) p[m] = rows.map((r) => r[m]);
  return p;
}

/** Scores generated or ranked slates (slates[i] belongs to cases[i]) at cut-off k. */
export function evaluateSlates(slates: ArrayLike<number>[], cases: EvalCase[], nItems: number, k: number, info: ItemInfo = {}, excludeHistory = true): EvalResult {
  if (slates.length !== cases.length) throw new Error(`evaluateSlates: ${slates.length} slates for ${cases.length} users`);
  if (!cases.length) throw new Error('evaluateSlates: no users to evaluate');
  const eff: SlateMetrics[] = [];
  const imp: SlateMetrics[] = [];
  const hasImp = cases.every((c) => c.impressions !== null);
  const seen = new Set<number>();
  let prefSum = 0, ildSum = 0, ildN = 0, short = 0;
  for (let i = 0; i < cases.length; i++) {
    const s = slates[i], c = cases[i];
    if (s.length < k) short++;
    eff.push(slateMetrics(s, c.target, k));
    if (hasImp) imp.push(c.impressions!.length ? slateMetrics(s, c.impressions!, k) : slateMetrics(s, c.target, k));
    const top = Array.from(s).slice(0, k);
    for (const it of top) {
      if (!(it >= 0 && it < nItems)) throw new Error(`evaluateSlates: item ${it} of user ${c.user}'s slate is outside the catalogue [0, ${nItems})`);
      seen.add(it);
    }
    if (info.prefix) prefSum += new Set(top.map((it) => info.prefix![it])).size;
    if (info.vectors && top.length > 1) {
      const { dim, data } = info.vectors;
      let d = 0, n = 0;
      for (let a = 0; a < top.length; a++)
        for (let b = a + 1; b < top.length; b++) {
          let dot = 0, na = 0, nb = 0;
          for (let j = 0; j < dim; j++) {
            const x = data[top[a] * dim + j], y = data[top[b] * dim + j];
            dot += x * y; na += x * x; nb += y * y;
          }
          d += 1 - (na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0);
          n++;
        }
      ildSum += d / n;
      ildN++;
    }
  }
  return {
    k,
    users: cases.length,
    excludeHistory,
    effective: meanMetrics(eff),
    impressions: hasImp ? meanMetrics(imp) : null,
    perUser: { effective: perUserOf(eff), impressions: hasImp ? perUserOf(imp) : null },
    distinctPrefixes: info.prefix ? prefSum / cases.length : null,
    intraListDistance: info.vectors ? (ildN ? ildSum / ildN : 0) : null,
    coverage: seen.size / nItems,
    shortSlates: short,
  };
}

/** A ranking model: scores of every catalogue item (nItems per case, row-major) for a batch of cases. */
export interface Scorer {
  nItems: number;
  score(batch: EvalCase[]): Promise<Float32Array> | Float32Array;
}

/** Full-catalogue top-k of a scorer for every case (history excluded when asked), in batches. */
export async function rankCases(
  scorer: Scorer,
  cases: EvalCase[],
  settings: EvalSettings = DEFAULT_EVAL,
  opts: { batch?: number; onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<number[][]> {
  const B = opts.batch ?? 64;
  const out: number[][] = [];
  for (let i = 0; i < cases.length; i += B) {
    if (opts.signal?.aborted) throw new Error('evaluation cancelled');
    const batch = cases.slice(i, i + B);
    const s = await scorer.score(batch);
    if (s.length !== batch.length * scorer.nItems) throw new Error(`rankCases: scorer returned ${s.length} scores for ${batch.length} × ${scorer.nItems} items`);
    batch.forEach((c, j) => out.push(topKExcluding(s.subarray(j * scorer.nItems, (j + 1) * scorer.nItems), settings.k, settings.excludeHistory ? c.history : undefined)));
    opts.onProgress?.(Math.min(cases.length, i + B), cases.length);
  }
  return out;
}

/** rankCases + evaluateSlates. */
export async function evaluateScorer(scorer: Scorer, cases: EvalCase[], settings: EvalSettings = DEFAULT_EVAL, info: ItemInfo = {}, opts: Parameters<typeof rankCases>[3] = {}): Promise<EvalResult & { slates: number[][] }> {
  const slates = await rankCases(scorer, cases, settings, opts);
  return { ...evaluateSlates(slates, cases, scorer.nItems, settings.k, info, settings.excludeHistory), slates };
}
