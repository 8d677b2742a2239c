// Table 1 from finished table1-model runs (src/stages/table1-model.ts): one row per model, mean ± std over the seeds'
// runs (sample std, n − 1), and a paired t-test of each row's per-user recall@5 (averaged over its seeds) against the
// strongest row, as `runTable1` does in one process. Pure: the Evaluation panel's selector calls it on run records.
import type { RunRecord } from '../stages/types';
import type { Table1RunExtra } from '../stages/table1-model';
import { pairedTTest } from './significance';
import { meanStd, type Metrics5 } from './table1';

export interface RunsTableRow {
  id: string;
  model: string;
  objective: string;
  params: number;
  seeds: number[];
  mean: Metrics5;
  std: Metrics5;
  /** null for the strongest row */
  pValueVsBest: number | null;
  trainSeconds: number;
  backend: string;
  runIds: string[];
  /** SID models: the SIDs their runs trained on (one line per distinct source); null for the sequence models */
  sids: string | null;
  /** seeds whose run continued from a checkpoint after an interruption */
  resumedSeeds: number[];
}

export interface RunsTable {
  rows: RunsTableRow[];
  protocol: string | null;
  users: number;
  items: number;
  best: string | null;
}

/**
 * Rows from the finished runs whose settings (apart from the model) equal `settings` and whose seed is in `seeds`,
 * on the dataset of the newest such run (same cases, so per-user vectors pair up). The newest run per (model, seed).
 * `onlyFor`: settings compared only for some models (the SID source: only the SID models read it).
 */
export function table1FromRuns(records: RunRecord[], settings: Record<string, unknown>, seeds: number[], order: readonly string[], onlyFor?: { keys: readonly string[]; models: readonly string[] }): RunsTable {
  const same = (c: Record<string, unknown>) =>
    Object.keys(settings).every((k) => (onlyFor?.keys.includes(k) && !onlyFor.models.includes(String(c.model))) || JSON.stringify(c[k]) === JSON.stringify(settings[k]));
  const done = records
    .filter((r) => r.stage === 'table1-model' && r.status === 'done' && seeds.includes(r.seed) && same(r.config) && (r.summary?.extra as Table1RunExtra | undefined)?.perUser)
    .sort((a, b) => b.updatedAt - a.updatedAt);
  if (!done.length) return { rows: [], protocol: null, users: 0, items: 0, best: null };
  const dataset = done[0].dataset;
  const byModel = new Map<string, Map<number, RunRecord>>();
  for (const r of done.filter((x) => x.dataset === dataset)) {
    const m = String(r.config.model);
    if (!byModel.has(m)) byModel.set(m, new Map());
    if (!byModel.get(m)!.has(r.seed)) byModel.get(m)!.set(r.seed, r);
  }
  const rows: (RunsTableRow & { perUser: number[] })[] = [];
  for (const id of order) {
    const runs = [...(byModel.get(id)?.values() ?? [])].sort((a, b) => a.seed - b.seed);
    if (!runs.length) continue;
    const xs = runs.map((r) => r.summary!.extra as Table1RunExtra);
    const { mean, std } = meanStd(xs.map((x) => x.row.mean));
    const n = xs[0].perUser.length;
    const perUser = Array.from({ length: n }, (_, i) => xs.reduce((s, x) => s + x.perUser[i], 0) / xs.length);
    rows.push({
      id,
      model: xs[0].row.model,
      objective: xs[0].row.objective,
      params: xs[0].row.params,
      seeds: runs.map((r) => r.seed),
      mean,
      std,
      pValueVsBest: null,
      trainSeconds: xs.reduce((s, x) => s + x.row.trainSeconds, 0) / xs.length,
      backend: [...new Set(runs.map((r) => r.backend))].join(', '),
      runIds: runs.map((r) => r.id),
      sids: xs.some((x) => x.sids) ? [...new Set(xs.map((x) => x.sids?.label ?? 'none'))].join('; ') : null,
      resumedSeeds: runs.filter((_, i) => xs[i].resumedFrom != null).map((r) => r.seed),
      perUser,
    });
  }
  const baselines = rows.filter((r) => r.id !== 'higr');
  // (a table of HiGR alone has no baseline: no test, best = null)
  const best = baselines.length ? baselines.reduce((a, b) => (b.mean.recall5 > a.mean.recall5 ? b : a), baselines[0]) : null;
  if (best) for (const r of rows) if (r !== best) r.pValueVsBest = pairedTTest(r.perUser, best.perUser).p;
  const x0 = done[0].summary!.extra as Table1RunExtra;
  return { rows: rows.map(({ perUser: _p, ...r }) => r), protocol: x0.protocol, users: x0.users, items: x0.items, best: best?.id ?? null };
}
