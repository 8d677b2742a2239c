// Settings of the slate-decoder stage (src/stages/slate-decoder.ts): every HSD setting (src/models/slate-decoder.ts
// `hsdConfig`) and training setting (src/train/slate-decoder.ts `SlateTrainConfig`) with defaults, bounds and labels —
// the one source the Slate model panel, the URL (`sd.` keys) and `higr run --stage slate-decoder` read. Kept free of
// heavy imports (the page thread loads it). Bounds are those of hsdConfig / slateTrainConfig; the stage entry runs
// those functions too (checkInputs), so a bound missed here is still refused before the run starts.
import type { ConfigOf, ConfigSchema, FieldError } from './schema';
import { PROTOCOL_CHOICES } from './eval-data-config';
import { checkSidSource, SID_SOURCE_FIELDS } from './sid-source-config';

const FIELDS = {
  source: { type: 'enum', default: 'dataset', values: ['dataset', 'planted'], label: 'data', help: 'dataset = the loaded dataset (Data panel); planted = synthetic sequences that follow from the last two items (demo, seconds)' },
  protocol: { type: 'enum', default: 'reference', values: PROTOCOL_CHOICES, label: 'protocol', help: 'reference = leave-five-out with validation on the current source (as `higr train`); data = the Data panel protocol (needs its validation slate)' },
  ...SID_SOURCE_FIELDS,
  // the slate panel's on-the-fly tokenizer defaults to RQ-KMeans, which takes no steps
  sidSteps: { ...SID_SOURCE_FIELDS.sidSteps, default: 0 },
  // defaults: HiGR's Table 1 recipe (HSD_REAL_DATA, src/train/slate-data.ts) wherever it costs the browser nothing more;
  // the others are smaller for a minutes-long demo, each listed with its reason in SLATE_DEMO_DIFFERENCES (shown on screen)
  dim: { type: 'int', default: 32, min: 1, max: 8192, label: 'model width d' },
  heads: { type: 'int', default: 2, min: 1, max: 256, label: 'attention heads' },
  ffn: { type: 'int', default: 64, min: 1, max: 65_536, label: 'FFN width' },
  encoderLayers: { type: 'int', default: 1, min: 0, max: 64, label: 'context encoder blocks' },
  slateLayers: { type: 'int', default: 2, min: 0, max: 64, label: 'planner blocks l_slate' },
  itemLayers: { type: 'int', default: 1, min: 1, max: 64, label: 'generator blocks l_item' },
  maxHistory: { type: 'int', default: 20, min: 1, max: 4096, label: 'history items kept' },
  pooling: { type: 'enum', default: 'sum', values: ['sum', 'mean', 'max'], label: 'SID pooling into i_m (Table 3)' },
  preference: { type: 'bool', default: true, label: 'generator sees î_m (Table 3: off = w/o preference embedding)' },
  sharedGenerator: { type: 'bool', default: true, label: 'one generator for all positions (Table 3: off = non-shared)' },
  itemIdEmbedding: { type: 'bool', default: true, label: 'item-id embedding in the context encoder' },
  dropout: { type: 'number', default: 0.4, min: 0, max: 0.95, label: 'input-embedding dropout (training)' },
  epochs: { type: 'int', default: 3, min: 1, max: 10_000, label: 'epochs' },
  stepsPerEpoch: { type: 'int', default: 100, min: 0, max: 1_000_000, label: 'steps / epoch (0 = one pass)' },
  batchSize: { type: 'int', default: 32, min: 1, max: 65_536, label: 'slates / step' },
  lr: { type: 'number', default: 4e-3, min: 0, max: 1, exclusiveMin: true, label: 'learning rate' },
  warmup: { type: 'int', default: 20, min: 0, max: 1_000_000, label: 'warm-up steps' },
  minLrRatio: { type: 'number', default: 0.1, min: 0, max: 1, label: 'final lr / lr (cosine)' },
  weightDecay: { type: 'number', default: 0.01, min: 0, max: 10, label: 'weight decay' },
  clipNorm: { type: 'number', default: 1, min: 0, max: 1e6, label: 'gradient clip norm' },
  patience: { type: 'int', default: 0, min: 0, max: 10_000, label: 'early-stop patience (0 = never)' },
  validUsers: { type: 'int', default: 150, min: 0, max: 10_000_000, label: 'validation users / epoch (0 = all)' },
  beam: { type: 'int', default: 5, min: 1, max: 256, label: 'beam width B' },
  decodeBatch: { type: 'int', default: 64, min: 1, max: 4096, label: 'users / GSBI batch' },
  recentWindows: { type: 'int', default: 20, min: 0, max: 1_000_000, label: 'recent windows / user (0 = all)', help: "train on each user's N most recent training windows only (docs/slate-decoder.md, \"Recent windows\")" },
  logEvery: { type: 'int', default: 5, min: 1, max: 10_000, label: 'loss read-back every (steps)' },
  testEval: { type: 'bool', default: true, label: 'decode every test user at the end (test recall@5)' },
} as const;

export type SlateStageConfig = ConfigOf<typeof FIELDS>;

/**
 * The defaults that differ from HiGR's Table 1 recipe (`higr table1` / `higr train`: HSD_REAL_DATA), with the recipe's
 * value and why; the Slate model panel shows them. A test checks that every other default equals the recipe and that
 * the recipe values here are the recipe's.
 */
export const SLATE_DEMO_DIFFERENCES: { field: keyof typeof FIELDS; recipe: number; why: string }[] = [
  { field: 'maxHistory', recipe: 50, why: '2.5× the context tokens of every training and decoding step' },
  { field: 'epochs', recipe: 4, why: 'a demo of 300 steps instead of 2,400 (minutes, not an hour, on a CPU-only browser)' },
  { field: 'stepsPerEpoch', recipe: 600, why: 'the same' },
  { field: 'warmup', recipe: 100, why: 'the warm-up of the 2,400-step schedule would be a third of the 300-step demo' },
  { field: 'validUsers', recipe: 0, why: 'every user (~930) decoded after each epoch; the demo validates on 150' },
  { field: 'beam', recipe: 20, why: '4× the decoding work of every validation and test slate' },
  { field: 'decodeBatch', recipe: 128, why: 'smaller batches keep the page responsive and report progress more often' },
  { field: 'logEvery', recipe: 10, why: 'a denser live loss curve (a read-back every 5 steps)' },
];

export const SLATE_SCHEMA: ConfigSchema<typeof FIELDS> = {
  fields: FIELDS,
  check(c) {
    const e: FieldError[] = [];
    if (c.dim % c.heads !== 0) e.push({ field: 'heads', message: `must divide the model width d = ${c.dim} (got ${c.heads})` });
    e.push(...checkSidSource(c));
    return e;
  },
};
