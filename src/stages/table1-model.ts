// Stage entry: one Table 1 model (src/eval/registry.ts) trained with one seed and evaluated under one protocol — the
// same `runTable1On` as `higr table1`, on sequences assembled from the current dataset (src/stages/eval-data.ts).
// The Evaluation panel starts one run per model × seed and builds the table (mean ± std over seeds, paired t-test
// against the strongest baseline) from the finished runs (src/eval/runs-table.ts).
import { trainingSequences } from '../data/split';
import { evalCases, type EvalCase } from '../eval/harness';
import { modelById } from '../eval/registry';
import { runTable1On, type Table1Row } from '../eval/table1';
import { evaluationData } from './eval-data';
import type { ConfigSchema } from './schema';
import { TABLE1_SCHEMA, table1Overrides, type Table1StageConfig } from './table1-config';
import type { StageEntry } from './types';

export interface Table1Inputs {
  nItems: number;
  offsets: Int32Array;
  items: Int32Array;
  cases: EvalCase[];
  info: { protocol: string; source: string; users: number; items: number };
}

export interface Table1StageResult {
  row: Table1Row;
  perUser: number[];
}

/** What the Evaluation panel reads from a finished run's summary (extra). */
export interface Table1RunExtra {
  row: Omit<Table1Row, 'settings'> & { settings: Record<string, unknown> };
  perUser: number[];
  protocol: string;
  users: number;
  items: number;
}

export const table1ModelStage: StageEntry<Table1StageConfig & Record<string, unknown>, Table1Inputs, Table1StageResult> = {
  id: 'table1-model',
  title: 'Table 1 model',
  schema: TABLE1_SCHEMA as unknown as ConfigSchema,
  async assemble(data, cfg) {
    const { ds, split, protocol, source } = evaluationData(data, cfg.protocol, { users: cfg.users });
    const seqs = trainingSequences(ds, split);
    const cases = evalCases(ds, split).test;
    return { nItems: ds.itemIds.length, ...seqs, cases, info: { protocol, source, users: cases.length, items: ds.itemIds.length } };
  },
  describeInputs: (i) => ({ items: i.info.items, users: i.info.users, source: i.info.source, protocol: i.info.protocol }),
  transferables: (i) => [i.offsets.buffer as ArrayBuffer, i.items.buffer as ArrayBuffer],
  async run(inputs, cfg, ctx) {
    const entry = modelById(cfg.model);
    const res = await runTable1On({ nItems: inputs.nItems, offsets: inputs.offsets, items: inputs.items }, inputs.cases, [entry], {
      seeds: [cfg.seed],
      quick: cfg.quick,
      backend: 'stage',
      overrides: { [cfg.model]: table1Overrides(cfg) },
      signal: ctx.signal,
      onProgress: (_m, _s, p) => ctx.onProgress({ step: Math.max(0, p.step - 1), total: p.total, scalars: p.scalars }),
    });
    return { row: res.rows[0], perUser: res.perUser[cfg.model] };
  },
  summarise(r, inputs) {
    const m = r.row.mean;
    const extra: Table1RunExtra = { row: r.row, perUser: r.perUser, protocol: inputs.info.protocol, users: inputs.info.users, items: inputs.info.items };
    return { metrics: { hit5: m.hit5, recall5: m.recall5, ndcg5: m.ndcg5, params: r.row.params, trainSeconds: r.row.trainSeconds, coverage: r.row.coverage }, extra };
  },
};
