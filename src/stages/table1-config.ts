// Settings of the table1-model stage (src/stages/table1-model.ts: one Table 1 model, one seed per run) and of the
// Evaluation panel's form (which models, how many seeds: one run each). One source for the panel, the URL (`ev.` keys)
// and `higr run --stage table1-model`. Kept free of heavy imports (the page thread loads it).
import type { ConfigOf, ConfigSchema, FieldError } from './schema';
import { PROTOCOL_CHOICES } from './eval-data-config';

/** Registry ids (src/eval/registry.ts) of the models that train on sequences alone; a test checks they agree.
 * The generative SID models (TIGER, OneRec-style, ListCVAE) need a SID table and are not on this stage yet. */
export const TABLE1_MODEL_VALUES = ['pop', 'cooc', 'sasrec', 'sasrec-pmixer', 'bert4rec', 'hstu'] as const;
/** Those with the same result for every seed (counting baselines, `deterministic` in the registry): one run is enough. */
export const TABLE1_DETERMINISTIC: readonly string[] = ['pop', 'cooc'];

const COMMON = {
  protocol: { type: 'enum', default: 'reference', values: PROTOCOL_CHOICES, label: 'protocol', help: 'reference = leave-five-out on the current source (as `higr table1`); data = the Data panel protocol' },
  users: { type: 'int', default: 0, min: 0, max: 10_000_000, label: 'users (0 = all)', help: 'the first N users of the protocol (smoke runs)' },
  quick: { type: 'bool', default: true, label: 'tiny models (= higr table1 --quick)' },
  epochs: { type: 'int', default: 0, min: 0, max: 100_000, label: 'epochs (0 = model default)' },
  maxLen: { type: 'int', default: 0, min: 0, max: 4096, label: 'max sequence length (0 = default)' },
  dim: { type: 'int', default: 0, min: 0, max: 8192, label: 'width (0 = default)' },
  blocks: { type: 'int', default: 0, min: 0, max: 64, label: 'blocks (0 = default)' },
  batchSize: { type: 'int', default: 0, min: 0, max: 65_536, label: 'batch (0 = default)' },
  lr: { type: 'number', default: 0, min: 0, max: 1, label: 'learning rate (0 = default)' },
} as const;

const FIELDS = { model: { type: 'enum', default: 'sasrec', values: TABLE1_MODEL_VALUES, label: 'model' }, ...COMMON } as const;

export type Table1StageConfig = ConfigOf<typeof FIELDS>;
export const TABLE1_SCHEMA: ConfigSchema<typeof FIELDS> = { fields: FIELDS };

const FORM_FIELDS = {
  models: { type: 'list', of: 'enum', default: ['pop', 'cooc', 'sasrec'], values: TABLE1_MODEL_VALUES, minLength: 1, maxLength: TABLE1_MODEL_VALUES.length, label: 'models' },
  seeds: { type: 'int', default: 1, min: 1, max: 10, label: 'seeds (from the URL seed)' },
  ...COMMON,
  users: { ...COMMON.users, default: 120 },
} as const;

export type EvaluationSettings = ConfigOf<typeof FORM_FIELDS>;
export const EVALUATION_FORM_SCHEMA: ConfigSchema<typeof FORM_FIELDS> = {
  fields: FORM_FIELDS,
  check(c) {
    const e: FieldError[] = [];
    if (!c.models.length) e.push({ field: 'models', message: 'choose at least one model' });
    return e;
  },
};

/** The stage config of one model's runs from the form. */
export function table1RunConfig(s: EvaluationSettings, model: Table1StageConfig['model']): Table1StageConfig {
  const { models: _m, seeds: _s, ...rest } = s;
  return { ...rest, model };
}

/** Per-model overrides from the non-zero settings (0 = the model's own default). */
export function table1Overrides(c: Table1StageConfig): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ['epochs', 'maxLen', 'dim', 'blocks', 'batchSize', 'lr'] as const) if (c[k] > 0) out[k] = c[k];
  return out;
}
