// Evaluation functions of the pipeline worker (spread into its Comlink api by one line in pipeline.worker.ts): trains
// the registered Table 1 models on the bundled data under the reference protocol and evaluates them with the same
// pipeline function as `higr table1` (src/eval/table1.ts). Plain data crosses the boundary (rows, protocol, progress).
import { initCpu } from '../engine';
import { browserFetchLike, loadBundledDataset } from '../data/bundled';
import type { Dataset } from '../data/dataset';
import { REFERENCE_PROTOCOL } from '../data/protocol';
import { leaveSlateOut } from '../data/split';
import { evalCases } from '../eval/harness';
import { MODELS, modelById } from '../eval/registry';
import { runTable1, type Table1Row } from '../eval/table1';

export interface EvalRequest {
  dataBase?: string;
  /** First N users of the bundled file (0 = all 930). */
  users: number;
  models: string[];
  seeds: number[];
  /** Tiny model versions (the registry's quick settings). */
  quick: boolean;
  overrides?: Record<string, Record<string, number | string>>;
}

export interface EvalProgress {
  model: string;
  seed: number;
  step: number;
  total: number;
  loss?: number;
}

export interface EvalRunResult {
  protocol: string;
  users: number;
  items: number;
  rows: Omit<Table1Row, 'settings'>[];
  best: string;
  backend: string;
  seconds: number;
}

let abort: AbortController | null = null;

export function registeredModels(): { id: string; label: string; objective: string }[] {
  // generative SID models (TIGER, OneRec-style, ListCVAE) need a SID table, which this worker path does not build yet
  return MODELS.filter((m) => !m.needsSids).map((m) => ({ id: m.id, label: m.label, objective: m.objective }));
}

function firstUsers(ds: Dataset, n: number): Dataset {
  if (!n || n >= ds.userIds.length) return ds;
  return { ...ds, userIds: ds.userIds.subarray(0, n), seqOffsets: ds.seqOffsets.subarray(0, n + 1), seqItems: ds.seqItems.subarray(0, ds.seqOffsets[n]) };
}

export function evalApi() {
  return {
    async evalModels(): Promise<{ id: string; label: string; objective: string }[]> {
      return registeredModels();
    },
    async evalRun(req: EvalRequest, onProgress?: (p: EvalProgress) => unknown, onRow?: (r: Omit<Table1Row, 'settings'>) => unknown): Promise<EvalRunResult> {
      abort = new AbortController();
      const t0 = performance.now();
      const r = await loadBundledDataset(browserFetchLike(req.dataBase ?? './data/'), { protocol: REFERENCE_PROTOCOL, skip: ['big_matrix_positives.txt'] });
      const ds = firstUsers(r.build.dataset, req.users);
      const split = leaveSlateOut(ds);
      const cases = evalCases(ds, split).test;
      initCpu(); // same backend as `higr table1` (the models are small; the CPU reference is the fastest on SwiftShader)
      let last = 0;
      const res = await runTable1(ds, split, cases, req.models.map(modelById), {
        seeds: req.seeds,
        quick: req.quick,
        backend: 'cpu (worker)',
        overrides: req.overrides,
        validCases: evalCases(ds, split).valid,
        signal: abort.signal,
        onProgress: (model, seed, p) => {
          const now = performance.now();
          if (now - last < 250 && p.step !== p.total) return;
          last = now;
          void onProgress?.({ model, seed, step: p.step, total: p.total, loss: p.scalars.loss });
        },
        onRow: (row) => void onRow?.(strip(row)),
      });
      const p = ds.protocol;
      return {
        protocol: `reference leave-five-out on ${p.source}: users with >= ${p.minHistory + 2 * p.slateSize} items; test target = last ${p.slateSize}, validation = the ${p.slateSize} before, test input = everything before the last ${p.slateSize}; all ${res.nItems} items ranked; history excluded; k = 5; impressions n/a (positives only)`,
        users: res.users,
        items: res.nItems,
        rows: res.rows.map(strip),
        best: res.best,
        backend: 'cpu (worker)',
        seconds: (performance.now() - t0) / 1000,
      };
    },
    async evalStop(): Promise<void> {
      abort?.abort();
    },
  };
}

function strip(r: Table1Row): Omit<Table1Row, 'settings'> {
  const { settings: _s, ...rest } = r;
  return rest;
}
