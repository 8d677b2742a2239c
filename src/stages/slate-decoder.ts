// Stage entry: hierarchical slate decoder (paper §3.4). Inputs from the current dataset (src/stages/eval-data.ts) with
// semantic IDs from a finished tokenizer run of the run store (`tokenizerRun`) or a tokenizer trained on the item
// features now (RQ-KMeans by default); run = src/train/slate-decoder.ts's `run` with checkpoints every N steps
// (weights + AdamW moments + step + RNG position + best epoch), so a run cut by a reload resumes where it stopped;
// loss per step and validation recall@5 / NDCG@5 per epoch (held-out curves). The kept result (weights + the decoding
// inputs) lets the Decoding stepper rebuild the model after a reload. Used by the browser, `higr run` and `higr train`.
import { fnv1a } from '../data/fingerprint';
import type { Dataset } from '../data/dataset';
import type { SidTableData } from '../models/sid-table';
import { countParameters, hsdConfig, type HsdConfig } from '../models/slate-decoder';
import { minSequenceLength } from '../data/protocol';
import { plantedSlateData, slateInputs, type ReferenceSplit } from '../train/slate-data';
import { decodeSlates, run, scoreSlates, slateTrainConfig, type SlateCheckpoint, type SlateTrainConfig, type SlateTrainInputs, type SlateTrainResult, type Slates } from '../train/slate-decoder';
import { evaluationData, type ProtocolChoice } from './eval-data';
import { DivergenceError } from './runner';
import type { ConfigSchema, FieldError } from './schema';
import { SLATE_SCHEMA, type SlateStageConfig } from './slate-decoder-config';
import { stageSids, type SidSource } from './sid-source';
import { itemMeta } from './tokenizer';
import type { StageData, StageEntry } from './types';

export { SLATE_SCHEMA, type SlateStageConfig } from './slate-decoder-config';

export interface SlateInputs extends SlateTrainInputs {
  test: Slates;
  /** original ids of the dense users / items (null: planted data) */
  userIds: Int32Array | null;
  itemIds: Int32Array | null;
  /** per dense item: caption and category path (the stepper's item views) */
  meta: { caption: string[]; category: string[] };
  tokenizer: SidSource;
  info: { source: string; protocol: string; users: number; items: number; trainSlates: number; validSlates: number; testSlates: number; sids: string; sidHash: string; slateSize: number };
}

/** What a finished slate run keeps (RunStore.putResult): the model and everything GSBI needs to decode its test users. */
export interface SlateKept {
  checkpoint: SlateCheckpoint;
  decode: Omit<SlateInputs, 'train' | 'valid'>;
}

export type SlateStageResult = SlateTrainResult & { test: { recall5: number; ndcg5: number; hit5: number; users: number } | null };

/** The HSD model settings of a stage config (slate size M from the protocol). */
export function slateModelConfig(c: SlateStageConfig, slateSize: number): Partial<HsdConfig> {
  return {
    dim: c.dim,
    heads: c.heads,
    ffn: c.ffn,
    encoderLayers: c.encoderLayers,
    slateLayers: c.slateLayers,
    itemLayers: c.itemLayers,
    maxHistory: c.maxHistory,
    slateSize,
    maxSlate: Math.max(10, slateSize),
    pooling: c.pooling,
    preference: c.preference,
    sharedGenerator: c.sharedGenerator,
    itemIdEmbedding: c.itemIdEmbedding,
    dropout: c.dropout,
  };
}

/** The training-loop settings a stage config maps to (the one place the browser's and the CLI's loops are set). */
export function slateTrainSettings(c: SlateStageConfig, seed: number, slateSize: number): SlateTrainConfig {
  return slateTrainConfig({
    seed,
    model: slateModelConfig(c, slateSize),
    epochs: c.epochs,
    stepsPerEpoch: c.stepsPerEpoch,
    batchSize: c.batchSize,
    lr: c.lr,
    warmup: c.warmup,
    minLrRatio: c.minLrRatio,
    weightDecay: c.weightDecay,
    clipNorm: c.clipNorm,
    patience: c.patience,
    validUsers: c.validUsers,
    beam: c.beam,
    decodeBatch: c.decodeBatch,
    recentWindows: c.recentWindows,
    logEvery: c.logEvery,
  });
}

/** The slate decoder's dataset and split (training windows, validation and test slates) under the chosen protocol:
 * the one assembly of the browser stage, `higr run --stage slate-decoder`, `higr train` and `higr decode`. */
export function slateSplit(data: StageData, choice: ProtocolChoice): { ds: Dataset; split: ReferenceSplit; protocol: string; source: string } {
  const ev = evaluationData(data, choice);
  const s = ev.split;
  if (!s.valid?.user.length) throw new Error(`protocol: the Data panel protocol has no validation slate (the slate decoder selects its epoch on it): tick "validation slate" in the Data panel or use protocol = reference`);
  if (s.slateSize > 10) throw new Error(`protocol: slate size ${s.slateSize} is larger than the decoder's 10 positions`);
  const split: ReferenceSplit = { users: ev.ds.userIds.length, train: s.train, valid: s.valid, test: s.test, minItems: minSequenceLength(ev.ds.protocol), slateSize: s.slateSize };
  return { ds: ev.ds, split, protocol: ev.protocol, source: ev.source };
}

/** Slate inputs from a dataset under the chosen protocol, SIDs from a tokenizer run or trained now. */
export async function assembleSlateData(data: StageData, cfg: SlateStageConfig & { seed?: number }): Promise<SlateInputs> {
  const seed = Number(cfg.seed ?? 0);
  if (cfg.source === 'planted') {
    const p = plantedSlateData(36, 60, 30, seed);
    return {
      ...p.inputs,
      test: p.test,
      userIds: null,
      itemIds: null,
      meta: { caption: Array.from({ length: 60 }, (_, i) => `planted item ${i}`), category: new Array(60).fill('') },
      tokenizer: { run: '', kind: 'planted (i mod 8, i div 8)', collisionRate: p.table.collisions.rate },
      info: describe('planted: 36 users walking a 60-item cycle with strides 1 / 7 / 13', 'planted (history -> next 5)', 36, p.inputs, p.test, p.table, 5),
    };
  }
  const ev = slateSplit(data, cfg.protocol);
  const { ds, split } = ev;
  const sids = await stageSids(data, ds, cfg, seed);
  const inputs = slateInputs(ds, split, sids.table);
  const meta = itemMeta(ds.itemIds, data.workspace.sideTables());
  return {
    ...inputs,
    test: split.test,
    userIds: ds.userIds,
    itemIds: ds.itemIds,
    meta: { caption: meta.caption, category: meta.category },
    tokenizer: sids.tokenizer,
    info: describe(ev.source, ev.protocol, ds.userIds.length, inputs, split.test, sids.table, split.slateSize),
  };
}

function describe(source: string, protocol: string, users: number, i: SlateTrainInputs, test: Slates, t: SidTableData, M: number): SlateInputs['info'] {
  return {
    source,
    protocol,
    users,
    items: i.numItems,
    trainSlates: i.train.user.length,
    validSlates: i.valid.user.length,
    testSlates: test.user.length,
    sids: `widths [${t.widths.join(', ')}], collision rate ${t.collisions.rate.toFixed(3)}`,
    sidHash: fnv1a(new Uint8Array(t.sids.buffer, t.sids.byteOffset, t.sids.byteLength)),
    slateSize: M,
  };
}

export const slateDecoderStage: StageEntry<SlateStageConfig & Record<string, unknown>, SlateInputs, SlateStageResult, SlateCheckpoint> = {
  id: 'slate-decoder',
  title: 'Hierarchical slate decoder',
  schema: SLATE_SCHEMA as unknown as ConfigSchema,
  assemble: (data, cfg) => assembleSlateData(data, cfg),
  describeInputs: (i) => ({ items: i.info.items, users: i.info.users, source: i.info.source, protocol: i.info.protocol, trainSlates: i.info.trainSlates, validSlates: i.info.validSlates, testSlates: i.info.testSlates, sids: i.info.sids, sidHash: i.info.sidHash }),
  // only arrays assembled for this run (the dataset's own sequence arrays stay with the data worker's session)
  transferables: (i) => [i.sidCodes.buffer as ArrayBuffer],
  checkInputs(i, cfg) {
    const e: FieldError[] = [];
    try {
      const t = slateTrainSettings(cfg, 0, i.info.slateSize);
      hsdConfig(t.model);
    } catch (err) {
      e.push({ field: 'model', message: (err as Error).message });
    }
    if (!i.train.user.length) e.push({ field: 'protocol', message: `no training slates: users need more than ${2 * i.info.slateSize} items` });
    return e;
  },
  async run(inputs, cfg, ctx) {
    const ck = ctx.checkpoint;
    const res = await run(inputs, slateTrainSettings(cfg, cfg.seed, inputs.info.slateSize), {
      checkpoint: ck?.resume,
      save: ck?.every ? { every: ck.every, save: (c) => ck.save(c) } : undefined,
      signal: ctx.signal,
      onProgress: (p) =>
        ctx.onProgress(
          p.scalars.loss !== undefined
            ? { step: p.step - 1, total: p.total, scalars: { loss: p.scalars.loss, lr: p.scalars.lr }, detail: { epoch: p.epoch } }
            : { step: p.step - 1, total: p.total, scalars: {}, valid: { recall5: p.scalars.validRecall5, ndcg5: p.scalars.validNdcg5 }, detail: { epoch: p.epoch } },
        ),
    }).catch((e: Error) => {
      // a non-finite loss ends the run (diverged, not resumable), naming the step and the term
      const m = /loss is (\S+) at step (\d+)/.exec(e.message ?? '');
      throw m ? new DivergenceError(Number(m[2]) - 1, 'loss', Number(m[1]), 'not a finite number') : e;
    });
    // a stopped run keeps its exact state (mid-epoch) so Resume continues from this step
    if (res.aborted && ck) await ck.save(res.checkpoint);
    let test: SlateStageResult['test'] = null;
    if (cfg.testEval && !res.aborted) {
      const M = inputs.info.slateSize;
      const dec = await decodeSlates(res.model, res.lookup, inputs.sequences, inputs.test, { beam: cfg.beam, length: M, batch: cfg.decodeBatch, signal: ctx.signal });
      const m = scoreSlates(dec.slates, inputs.sequences, inputs.test, M, 5);
      test = { recall5: m.recall, ndcg5: m.ndcg, hit5: m.hit, users: inputs.test.user.length };
    }
    return { ...res, test };
  },
  summarise(r, inputs) {
    const best = r.curves.epochs.find((e) => e.epoch === r.bestEpoch);
    return {
      metrics: {
        params: r.params,
        bestEpoch: r.bestEpoch,
        validRecall5: best?.valid.recall5 ?? null,
        validNdcg5: best?.valid.ndcg5 ?? null,
        testRecall5: r.test?.recall5 ?? null,
        testNdcg5: r.test?.ndcg5 ?? null,
        testHit5: r.test?.hit5 ?? null,
        secondsPerEpoch: Number.isFinite(r.secondsPerEpoch) ? r.secondsPerEpoch : null,
      },
      extra: {
        params: r.params,
        config: r.model.cfg,
        widths: inputs.widths,
        epochs: r.curves.epochs,
        bestEpoch: r.bestEpoch,
        stoppedEarly: r.stoppedEarly,
        test: r.test,
        tokenizer: inputs.tokenizer,
        testUsers: Array.from(inputs.test.user, (u, i) => ({ index: i, user: inputs.userIds ? inputs.userIds[u] : u, history: inputs.test.cut[i] })),
      },
    };
  },
  release: (r) => r.model.dispose(),
  keep(r, inputs): SlateKept {
    const { train: _t, valid: _v, ...decode } = inputs;
    return { checkpoint: r.checkpoint, decode };
  },
};

/** Parameter count of a stage config before training (the Slate model panel shows it). */
export function slateParameters(c: SlateStageConfig, widths: number[], items: number, slateSize = 5): number {
  return countParameters(hsdConfig(slateModelConfig(c, slateSize)), widths, items);
}
