// Settings of the tokenizer stage (src/stages/tokenizer.ts): defaults, bounds and labels — the one source the
// Tokenizer panel, the URL (`tk.` keys) and `higr run --stage tokenizer` read. Kept free of heavy imports: the page
// thread loads it (the stage entry itself runs in the workers and the CLI).
import type { ConfigOf, ConfigSchema, FieldError } from './schema';

/** = TOKENIZER_KINDS (src/tokenizer/train.ts) and FEATURE_BLOCKS (src/data/item-features.ts); a test checks they agree */
export const TOKENIZER_KIND_VALUES = ['crq-vae', 'rq-vae', 'rq-kmeans'] as const;
export const FEATURE_BLOCK_VALUES = ['category', 'caption', 'cooccurrence'] as const;

const FIELDS = {
  kind: { type: 'enum', default: 'crq-vae', values: TOKENIZER_KIND_VALUES, label: 'tokenizer' },
  source: { type: 'enum', default: 'dataset', values: ['dataset', 'planted'], label: 'items', help: 'dataset = the items of the loaded dataset (Data panel); planted = a synthetic demo set' },
  maxItems: { type: 'int', default: 2000, min: 0, max: 10_000_000, label: 'max items (0 = all)' },
  features: { type: 'list', of: 'enum', default: FEATURE_BLOCK_VALUES, values: FEATURE_BLOCK_VALUES, minLength: 0, maxLength: FEATURE_BLOCK_VALUES.length, label: 'item features' },
  textEncoder: { type: 'bool', default: false, label: 'caption text encoder (online)' },
  steps: { type: 'int', default: 150, min: 1, max: 1_000_000, label: 'steps' },
  batchSize: { type: 'int', default: 256, min: 2, max: 65_536, label: 'batch' },
  codebookSize: { type: 'int', default: 64, min: 2, max: 65_536, label: 'K (codebook size)' },
  levels: { type: 'int', default: 3, min: 1, max: 8, label: 'D (levels)' },
  latentDim: { type: 'int', default: 32, min: 1, max: 4096, label: 'latent dim' },
  lr: { type: 'number', default: 2e-3, min: 0, max: 1, exclusiveMin: true, label: 'learning rate' },
  eta: { type: 'number', default: 0.1, min: 0, max: 100, label: 'η (global quantisation)' },
  lambda1: { type: 'number', default: 0.1, min: 0, max: 100, label: 'λ1 (commitment)' },
  lambda2: { type: 'number', default: 0.01, min: 0, max: 100, label: 'λ2 (contrastive)' },
  w: { type: 'list', of: 'number', default: [1, 0.1, 0.01], min: 0, max: 100, minLength: 1, maxLength: 8, label: 'w (level weights)' },
  tau: { type: 'number', default: 0.1, min: 0, max: 100, exclusiveMin: true, label: 'τ (temperature)' },
  validEvery: { type: 'int', default: 5, min: 0, max: 1_000_000, label: 'held-out losses every (steps, 0 = off)', help: 'loss terms on a fixed batch of held-out pairs (never seen by the contrastive loss), forward only' },
} as const;

export type TokenizerStageConfig = ConfigOf<typeof FIELDS>;

export const TOKENIZER_SCHEMA: ConfigSchema<typeof FIELDS> = {
  fields: FIELDS,
  check(c) {
    const e: FieldError[] = [];
    if (c.w.length !== c.levels) e.push({ field: 'w', message: `needs one weight per level: ${c.levels} values for D = ${c.levels} (got ${c.w.length})` });
    if (c.source === 'dataset' && !c.features.length && !c.textEncoder) e.push({ field: 'features', message: 'choose at least one feature block (or the text encoder / embedding files)' });
    return e;
  },
};

