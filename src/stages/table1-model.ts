// Stage entry: one Table 1 model (src/eval/registry.ts) trained with one seed and evaluated under one protocol — the
// same `runTable1On` as `higr table1`, on sequences assembled from the current dataset (src/stages/eval-data.ts), the
// training sequences followed by the protocol's validation slate (epoch selection) as `runTable1` builds them, and for
// the models over semantic IDs (HiGR, TIGER, OneRec-style, ListCVAE) the SID table of the SID-source settings (the
// slate-decoder stage's assembly, src/stages/sid-source.ts). Every trained model saves its full state through the
// runner's checkpoint hooks every N steps and resumes after a reload (the SID models through the one slate-model
// trainer, the sequence baselines through runEpochs); the counting baselines are instant and keep none.
// The Evaluation panel starts one run per model × seed and builds the table (mean ± std over seeds, paired t-test
// against the strongest baseline) from the finished runs (src/eval/runs-table.ts).
import { fnv1a } from '../data/fingerprint';
import { trainingSequences } from '../data/split';
import { evalCases, type EvalCase } from '../eval/harness';
import { modelById } from '../eval/registry';
import { runTable1On, validationSequences, type Table1Row } from '../eval/table1';
import type { SidTableData } from '../models/sid-table';
import { evaluationData } from './eval-data';
import type { ConfigSchema } from './schema';
import { stageSids, type SidSource } from './sid-source';
import { TABLE1_SCHEMA, table1Overrides, type Table1StageConfig } from './table1-config';
import type { StageEntry } from './types';

/** The SIDs a SID model's run trained on (recorded in its summary and shown in the Evaluation table). */
export interface Table1Sids {
  /** source and table in one line, e.g. "rq-kmeans D = 3, K = 64, trained on the item features now (seed 0): widths [64, 64, 64, 11], …" */
  label: string;
  tokenizer: SidSource;
  widths: number[];
  collisionRate: number;
  hash: string;
}

export interface Table1Inputs {
  nItems: number;
  offsets: Int32Array;
  items: Int32Array;
  /** training sequences followed by the validation slate (epoch selection of the SID models; never a training target) */
  validation?: { offsets: Int32Array; items: Int32Array };
  /** semantic IDs of the catalogue (SID models only) */
  sidTable?: SidTableData;
  sids: Table1Sids | null;
  cases: EvalCase[];
  /** validation slates (early stopping of the neural baselines; never the test cases) */
  valid: EvalCase[] | null;
  info: { protocol: string; source: string; users: number; items: number };
}

export interface Table1StageResult {
  row: Table1Row;
  perUser: number[];
  /** step of the checkpoint this run continued from (null: trained from the start) */
  resumedFrom: number | null;
}

/** What the Evaluation panel reads from a finished run's summary (extra). */
export interface Table1RunExtra {
  row: Omit<Table1Row, 'settings'> & { settings: Record<string, unknown> };
  perUser: number[];
  protocol: string;
  users: number;
  items: number;
  /** SID models: the SIDs they trained on; null for the sequence models */
  sids?: Table1Sids | null;
  resumedFrom?: number | null;
}

export const table1ModelStage: StageEntry<Table1StageConfig & Record<string, unknown>, Table1Inputs, Table1StageResult> = {
  id: 'table1-model',
  title: 'Table 1 model',
  schema: TABLE1_SCHEMA as unknown as ConfigSchema,
  async assemble(data, cfg) {
    const { ds, split, protocol, source } = evaluationData(data, cfg.protocol, { users: cfg.users });
    const seqs = trainingSequences(ds, split);
    const { test: cases, valid } = evalCases(ds, split);
    let sids: Table1Sids | null = null, sidTable: SidTableData | undefined;
    if (modelById(cfg.model).needsSids) {
      const s = await stageSids(data, ds, cfg, cfg.sidSeed);
      sidTable = s.table;
      const t = s.table;
      sids = { label: s.label, tokenizer: s.tokenizer, widths: t.widths, collisionRate: t.collisions.rate, hash: fnv1a(new Uint8Array(t.sids.buffer, t.sids.byteOffset, t.sids.byteLength)) };
    }
    const info = { protocol, source, users: cases.length, items: ds.itemIds.length };
    return { nItems: ds.itemIds.length, ...seqs, validation: validationSequences(ds, split), sidTable, sids, cases, valid, info };
  },
  describeInputs: (i) => ({ items: i.info.items, users: i.info.users, source: i.info.source, protocol: i.info.protocol, ...(i.sids ? { sids: i.sids.label, sidHash: i.sids.hash } : {}) }),
  // only arrays assembled for this run
  transferables: (i) => [i.offsets.buffer, i.items.buffer, ...(i.validation ? [i.validation.offsets.buffer, i.validation.items.buffer] : [])] as ArrayBuffer[],
  async run(inputs, cfg, ctx) {
    const entry = modelById(cfg.model);
    const ck = entry.resumable ? ctx.checkpoint : undefined;
    const res = await runTable1On({ nItems: inputs.nItems, offsets: inputs.offsets, items: inputs.items, validation: inputs.validation, sidTable: inputs.sidTable }, inputs.cases, [entry], {
      seeds: [cfg.seed],
      quick: cfg.quick,
      backend: 'stage',
      overrides: { [cfg.model]: table1Overrides(cfg) },
      sidTable: inputs.sidTable,
      signal: ctx.signal,
      validCases: inputs.valid,
      checkpoints: ck?.every ? { every: ck.every, resume: ck.resume, save: (c) => ck.save(c as { step: number }) } : undefined,
      onProgress: (_m, _s, p) => {
        const step = Math.max(0, p.step - 1);
        // validation figures (SID models: validRecall5 / validNdcg5 per epoch; sequence models: `validation` = recall@5) are held-out curves
        const v = p.scalars;
        if (v.validRecall5 !== undefined) ctx.onProgress({ step, total: p.total, scalars: {}, valid: { recall5: v.validRecall5, ndcg5: v.validNdcg5 } });
        else if (v.validation !== undefined) ctx.onProgress({ step, total: p.total, scalars: {}, valid: { recall5: v.validation } });
        else ctx.onProgress({ step, total: p.total, scalars: v });
      },
    });
    return { row: res.rows[0], perUser: res.perUser[cfg.model], resumedFrom: ck?.resume?.step ?? null };
  },
  summarise(r, inputs) {
    const m = r.row.mean;
    const extra: Table1RunExtra = { row: r.row, perUser: r.perUser, protocol: inputs.info.protocol, users: inputs.info.users, items: inputs.info.items, sids: inputs.sids, resumedFrom: r.resumedFrom };
    return { metrics: { hit5: m.hit5, recall5: m.recall5, ndcg5: m.ndcg5, params: r.row.params, trainSeconds: r.row.trainSeconds, coverage: r.row.coverage }, extra };
  },
};
