// Table 1 entries of the models over semantic IDs: HiGR (hierarchical slate decoder + GSBI) and the generative
// baselines TIGER, the OneRec-style flat decoder, ListCVAE. Each trains with the one slate-model trainer
// (src/train/slate-decoder.ts) on every (history, next M) window of the protocol's training sequences, chooses its best
// epoch on the protocol's validation slate (SeqTrainInputs.validation; without it, on each user's last training
// window) and produces slates with its own decoder (history excluded): the table scores them as generated slates. All of them use the same semantic IDs (SID_TOKENIZER).
import { ListCvae, listCvaeConfig, LISTCVAE_DEFAULTS } from '../models/listcvae';
import { rng } from '../models/nn';
import { flatConfig, flatConfigFor, flatDecode, FlatSlateDecoder } from '../models/onerec';
import type { SeqRecModel, SeqTrainInputs, TrainControl, TrainLog } from '../models/seq-rec';
import { PrefixTrie } from '../models/sid-table';
import { hsdConfig } from '../models/slate-decoder';
import { createTiger, TIGER_DEFAULTS, tigerFlatConfig, tigerSlates, type TigerConfig } from '../models/tiger';
import type { SidLookup } from '../models/trie-beam';
import { historyBatch } from '../models/context-encoder';
import { gsbiSlates, run as trainHsd, slateTrainConfig, trainRecipeConfig, trainSlateModel, type RunOptions as SlateRunOptions, type SlateCheckpoint, type SlateDecodeFn, type SlateModel, type SlateTrainConfig, type SlateTrainInputs, type SlateTrainOutcome } from '../train/slate-decoder';
import { HSD_REAL_DATA, HSD_REAL_DATA_QUICK, REAL_DATA_FEATURES, type SlateTokenizerSettings } from '../train/slate-data';
import { SID_TOKENIZER_SETTINGS } from '../stages/sid-source-config';
import { HIGR_TRAIN_KEYS, higrOverrideProblems } from '../stages/table1-config';
import type { ModelEntry, TrainOptions } from './registry';

const M = 5;

/**
 * The SID tokenizer shared by every SID model of Table 1 (HiGR, TIGER, OneRec-style, ListCVAE: same SIDs for a fair
 * comparison) and the default of `higr train`; chosen on HSD validation recall@5 (docs/slate-decoder.md, "Ablations").
 * `steps` only applies to the neural tokenizers (RQ-VAE, CRQ-VAE).
 */
export const SID_TOKENIZER: Omit<SlateTokenizerSettings, 'seed'> = { ...SID_TOKENIZER_SETTINGS, features: REAL_DATA_FEATURES };

/**
 * Training windows from per-user training sequences. With `inputs.validation` (Table 1): every window of the training
 * sequences trains, and the protocol's validation slate (the 5 items after them) chooses the epoch. Without it: the
 * last window of each user is the validation window and the training windows end before it.
 */
export function windowsOf(inputs: SeqTrainInputs): SlateTrainInputs {
  const t = inputs.sidTable;
  if (!t) throw new Error('generative baselines need semantic IDs (SeqTrainInputs.sidTable)');
  if (t.sids.length !== inputs.nItems * t.widths.length) throw new Error(`SID table has ${t.sids.length / t.widths.length} items, the catalogue ${inputs.nItems}`);
  const v = inputs.validation;
  const tu: number[] = [], tc: number[] = [], vu: number[] = [], vc: number[] = [];
  for (let u = 0; u + 1 < inputs.offsets.length; u++) {
    const n = inputs.offsets[u + 1] - inputs.offsets[u];
    if (v) {
      if (v.offsets[u + 1] - v.offsets[u] === n + M && n >= 1) vu.push(u), vc.push(n);
      for (let cut = 1; cut + M <= n; cut++) tu.push(u), tc.push(cut);
      continue;
    }
    if (n < M + 1) continue;
    vu.push(u), vc.push(n - M);
    for (let cut = 1; cut + M <= n - M; cut++) tu.push(u), tc.push(cut);
  }
  if (!tu.length) throw new Error(`generative baselines: no user has ${v ? M + 1 : 2 * M + 1}+ training items (training windows${v ? '' : ' and one validation window'})`);
  if (!vu.length) throw new Error('generative baselines: no user has a validation slate');
  return {
    numItems: inputs.nItems,
    sidCodes: t.sids,
    widths: t.widths,
    trie: t.trie,
    // windows only read seq[0, cut + M) with cut + M <= the training length; the validation slates read the slate after
    sequences: v ?? { offsets: inputs.offsets, items: inputs.items },
    train: { user: Int32Array.from(tu), cut: Int32Array.from(tc) },
    valid: { user: Int32Array.from(vu), cut: Int32Array.from(vc) },
  };
}

type GenTrainConfig = Omit<SlateTrainConfig, 'model' | 'beam'>;
// Training recipe (the same trainer and schedule as HiGR's `higr train`): --quick is a smoke run; the full setting is
// sized so each model learns on the reference protocol (chosen on the validation windows only, see
// docs/generative-baselines.md). Every key is a table1 flag: --onerec-epochs 6, --tiger-lr 2e-3, --listcvae-dim 64 …
const TRAIN_QUICK: Partial<GenTrainConfig> = { epochs: 1, stepsPerEpoch: 20, batchSize: 32, lr: 2e-3, warmup: 20, validUsers: 32, patience: 0 };
// Measured on validation (seed 0, wasm, RQ-KMeans K = 16 SIDs; docs/generative-baselines.md): OneRec-style 0.037 /
// 0.068 / 0.064 after epochs 1-3 of 600 steps (best: 2 epochs); ListCVAE 0.116 / 0.134 / 0.138 (still rising: 3).
const TRAIN_FULL: Partial<GenTrainConfig> = { epochs: 2, stepsPerEpoch: 600, batchSize: 32, lr: 4e-3, warmup: 100, validUsers: 300, patience: 0, decodeBatch: 100 };
// TIGER (issues 18/19): last 20 windows per user + dropout 0.4 (history 20: 50 would make its token encoder read 200
// tokens), 2 epochs: validation recall@5 (927 users, seed 0, 2-epoch runs) 0.0410 every window -> 0.0828; before it,
// up to 8 epochs with early stopping (patience 2), which stopped every seed by epoch 4.
// OneRec-style (issues 18/19) on HiGR's recipe (last 20 windows per user, dropout 0.4, history 50, HiGR's 4 epochs, no
// early stopping): the trainer's validation recall@5 (300 users, seed 0) 0.096 after epoch 1, 0.139 after epoch 2,
// above the every-window flat decoder's best (0.095, bench-decode.json); screening table in docs/generative-baselines.md.
const EPOCHS_FULL: Record<string, number> = { listcvae: 3, onerec: 4, tiger: 2 };
const PATIENCE_FULL: Record<string, number> = { onerec: 0, tiger: 0 };
/** Each user's N most recent training windows (SlateTrainConfig.recentWindows; absent = every window). */
const RECENT_FULL: Record<string, number> = { listcvae: 20, onerec: 20, tiger: 20 };
/** Every training key a baseline accepts as `--<model>-<key>` (TRAIN_FULL's and the recency cut). */
const TRAIN_KEYS = { ...TRAIN_FULL, recentWindows: 0 };
const genCfg = (o: TrainOptions, id: string) => checkedRecipe({
  ...(o.quick ? TRAIN_QUICK : { ...TRAIN_FULL, epochs: EPOCHS_FULL[id] ?? TRAIN_FULL.epochs, patience: PATIENCE_FULL[id] ?? TRAIN_FULL.patience, ...(RECENT_FULL[id] ? { recentWindows: RECENT_FULL[id] } : {}) }),
  ...numeric(o.overrides, TRAIN_KEYS),
  seed: o.seed,
});
/** The recipe itself, after the trainer's checks (a bad value, e.g. --tiger-recentWindows -1, fails before any training). */
function checkedRecipe<T extends Partial<GenTrainConfig>>(c: T): T {
  trainRecipeConfig(c);
  return c;
}
/** The numeric overrides whose keys the defaults `of` have. */
function numeric<T extends object>(o: TrainOptions['overrides'], of: T): Partial<T> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (typeof v === 'number' && k in of) out[k] = v;
  return out as Partial<T>;
}
/** A baseline's overrides must be numbers and name one of its training or model settings (a typo would be ignored silently). */
export function checkOverrides(id: string, o: TrainOptions['overrides'], model: object): void {
  const known = [...Object.keys(TRAIN_KEYS), ...Object.keys(model)];
  for (const [k, v] of Object.entries(o ?? {})) {
    if (!known.includes(k)) throw new Error(`--${id}-${k}: not a setting of ${id} (known: ${known.join(', ')})`);
    if (typeof v !== 'number') throw new Error(`--${id}-${k}: needs a number (got "${v}")`);
  }
}
// model sizes: the HSD's browser width (d = 32, FFN 64, as `higr train`), history of 20 items
const DIMS_QUICK = { dim: 16, heads: 2, ffn: 32, maxHistory: 20 };
const DIMS_FULL = { dim: 32, heads: 2, ffn: 64, maxHistory: 20 };
const dims = (o: TrainOptions) => (o.quick ? DIMS_QUICK : DIMS_FULL);
const ONEREC_LAYERS = { encoderLayers: 1, slateLayers: 2, itemLayers: 1 };
/** Per-model settings of the Table 1 recipe beyond the shared sizes (chosen on validation: docs/generative-baselines.md). */
// ListCVAE: validation recall@5 0.1273 (every window, history 20, no dropout) -> 0.1627 (last 20 windows per user,
// dropout 0.4, history 50), seed 0, 3 epochs each (docs/results/generative-screen/)
const MODEL_FULL: Record<string, Record<string, number>> = { onerec: { dropout: 0.4, maxHistory: 50 }, tiger: { dropout: 0.4 }, listcvae: { dropout: 0.4, maxHistory: 50 } };
const modelFull = (o: TrainOptions, id: string) => (o.quick ? {} : MODEL_FULL[id]);
/** The OneRec-style decoder's Table 1 training recipe (bench:decode trains its flat decoder with it). */
export const onerecTrainConfig = (o: TrainOptions): Partial<GenTrainConfig> & { seed: number } => genCfg(o, 'onerec');
const ONEREC_KEYS = { ...DIMS_FULL, ...ONEREC_LAYERS, dropout: 0 };
const onerecCfg = (o: TrainOptions) => {
  checkOverrides('onerec', o.overrides, ONEREC_KEYS);
  return flatConfigFor(hsdConfig({ ...dims(o), ...ONEREC_LAYERS, ...modelFull(o, 'onerec'), ...numeric(o.overrides, ONEREC_KEYS) }));
};
// TIGER: one encoder block over the T·L history tokens (2 blocks cost 2.3× the step time on this machine), 2 decoder blocks
const tigerCfg = (o: TrainOptions) => {
  const keys = { ...TIGER_DEFAULTS, dropout: 0 };
  checkOverrides('tiger', o.overrides, keys);
  const c: TigerConfig = { ...TIGER_DEFAULTS, ...dims(o), encoderLayers: 1, ...modelFull(o, 'tiger'), ...numeric(o.overrides, keys) };
  flatConfig(tigerFlatConfig(c)); // its checks, before any training
  return c;
};
const listcvaeCfg = (o: TrainOptions) => {
  checkOverrides('listcvae', o.overrides, LISTCVAE_DEFAULTS);
  const c = { ...LISTCVAE_DEFAULTS, dim: dims(o).dim, maxHistory: dims(o).maxHistory, ...modelFull(o, 'listcvae'), ...numeric(o.overrides, LISTCVAE_DEFAULTS) };
  listCvaeConfig(c);
  return c;
};

/** The run's validation curve (recall@5 per epoch on the validation users) as a Table 1 training log. */
export function slateTrainLog(r: Pick<SlateTrainOutcome, 'curves' | 'bestEpoch' | 'stoppedEarly'>): TrainLog {
  const ep = r.curves.epochs;
  const best = ep.find((e) => e.epoch === r.bestEpoch);
  return { epochsRun: ep.length, bestEpoch: r.bestEpoch, bestValidation: best ? best.valid.recall5 : null, validation: ep.map((e) => ({ epoch: e.epoch, score: e.valid.recall5 })), stoppedEarly: r.stoppedEarly };
}

function wrap(name: string, nItems: number, model: SlateModel, slates: (h: Int32Array[], k: number) => Promise<Int32Array[]>, trainLog?: TrainLog): SeqRecModel {
  return {
    name,
    trainLog,
    nItems,
    numParameters: () => model.numParameters(),
    score: () => {
      throw new Error(`${name} generates slates; it has no full-catalogue scores`);
    },
    slates,
    dispose: () => model.dispose(),
  };
}

/** The one trainer's options from a Table 1 training control: progress, stop, and resumable checkpoints (stage runs). */
function trainerOptions(ctl: TrainControl | undefined): SlateRunOptions {
  const ck = ctl?.checkpoints;
  return {
    signal: ctl?.signal,
    onProgress: (p) => ctl?.onProgress?.({ step: p.step, total: p.total, scalars: p.scalars }),
    checkpoint: ck?.resume as SlateCheckpoint | undefined,
    save: ck?.every ? { every: ck.every, save: (c) => ck.save(c) } : undefined,
  };
}

/** A stopped run keeps its exact state (mid-epoch) as its last checkpoint, so it resumes from the step it stopped at. */
async function endOf(name: string, r: { aborted: boolean; checkpoint: SlateCheckpoint }, ctl: TrainControl | undefined) {
  if (!r.aborted) return;
  await ctl?.checkpoints?.save(r.checkpoint);
  throw new Error(`${name}: training cancelled`);
}

async function fit(kind: string, model: SlateModel, inputs: SeqTrainInputs, o: TrainOptions, ctl: TrainControl | undefined, targetLen: number, maxHistory: number, decode: SlateDecodeFn) {
  const r = await trainSlateModel(model, windowsOf(inputs), genCfg(o, kind), { kind, targetLen, slateSize: M, maxHistory, decode }, trainerOptions(ctl));
  await endOf(kind, r, ctl);
  return slateTrainLog(r);
}

const lookupOf = (i: SeqTrainInputs): SidLookup => ({ sids: i.sidTable!.sids, trie: PrefixTrie.of(i.sidTable!) });

/** HiGR's settings in Table 1: the real-data default (HSD_REAL_DATA), --higr-<key> overrides of the training settings. */
export function higrSettings(o: TrainOptions): SlateTrainConfig {
  const base = o.quick ? HSD_REAL_DATA_QUICK : HSD_REAL_DATA;
  const over = o.overrides ?? {};
  const bad = higrOverrideProblems(over);
  if (bad.length) throw new Error(bad.map(({ key, message }) => `--higr-${key}: ${message} (HiGR flags: ${HIGR_TRAIN_KEYS.map((k) => `--higr-${k}`).join(', ')})`).join('; '));
  return slateTrainConfig({ ...base.train, ...(over as Partial<SlateTrainConfig>), model: { ...base.model }, seed: o.seed });
}

export const GENERATIVE_MODELS: ModelEntry[] = [
  {
    id: 'higr',
    label: 'HiGR (HSD + GSBI)',
    objective: `slate SID cross-entropy over M×L tokens (Eq. 10); GSBI: greedy slate planner, trie-constrained beam (B = ${HSD_REAL_DATA.train.beam}) per item`,
    deterministic: false,
    needsSids: true,
    resumable: true,
    settings: (o) => ({ ...higrSettings(o) }),
    async train(inputs, o, ctl) {
      const cfg = higrSettings(o);
      const r = await trainHsd(windowsOf(inputs), cfg, trainerOptions(ctl));
      await endOf('HiGR', r, ctl);
      const m = r.model;
      return wrap('HiGR', inputs.nItems, m, async (h, k) => (await gsbiSlates(m, r.lookup, h, cfg.beam, k)).slates, slateTrainLog(r));
    },
  },
  {
    id: 'tiger',
    label: 'TIGER',
    objective: 'next-item SID cross-entropy; slate = top-5 distinct of a trie-constrained beam (B = 5)',
    deterministic: false,
    needsSids: true,
    resumable: true,
    settings: (o) => ({ ...genCfg(o, 'tiger'), model: tigerCfg(o), beam: 5 }),
    async train(inputs, o, ctl) {
      const lookup = lookupOf(inputs);
      const cfg = tigerCfg(o);
      const m = createTiger(cfg, inputs.sidTable!.widths, inputs.nItems, rng(o.seed));
      const slates = (h: Int32Array[], k: number) => tigerSlates(m, lookup, h, { k, beam: 5 });
      const log = await fit('tiger', m, inputs, o, ctl, 1, cfg.maxHistory, (h) => slates(h, 5));
      return wrap('TIGER', inputs.nItems, m, slates, log);
    },
  },
  {
    id: 'onerec',
    label: 'OneRec-style flat decoder',
    objective: 'slate SID cross-entropy over M×L tokens; trie-constrained beam (B = 5) over the whole slate',
    deterministic: false,
    needsSids: true,
    resumable: true,
    settings: (o) => ({ ...genCfg(o, 'onerec'), model: onerecCfg(o), beam: 5 }),
    async train(inputs, o, ctl) {
      const lookup = lookupOf(inputs);
      const cfg = onerecCfg(o);
      const m = new FlatSlateDecoder(cfg, inputs.sidTable!.widths, inputs.nItems, rng(o.seed));
      const slates = async (h: Int32Array[], k: number) =>
        (await flatDecode(m, lookup, historyBatch(h, lookup.sids, m.sid, cfg.maxHistory), { beam: 5, length: k, exclude: h })).slates;
      const log = await fit('onerec', m, inputs, o, ctl, M, cfg.maxHistory, (h) => slates(h, 5));
      return wrap('OneRec-style', inputs.nItems, m, slates, log);
    },
  },
  {
    id: 'listcvae',
    label: 'ListCVAE',
    objective: 'slate ELBO (item cross-entropy + KL to a learned conditional prior)',
    deterministic: false,
    needsSids: true,
    resumable: true,
    settings: (o) => ({ ...genCfg(o, 'listcvae'), model: listcvaeCfg(o) }),
    async train(inputs, o, ctl) {
      const cfg = listcvaeCfg(o);
      const m = new ListCvae(cfg, inputs.sidTable!.widths, inputs.nItems, rng(o.seed));
      const log = await fit('listcvae', m, inputs, o, ctl, M, cfg.maxHistory, (h) => m.slates(h));
      return wrap('ListCVAE', inputs.nItems, m, (h, k) => m.slates(h, k), log);
    },
  },
];
