// Settings of the table1-model stage (src/stages/table1-model.ts: one Table 1 model, one seed per run) and of the
// Evaluation panel's form (which models, how many seeds: one run each). One source for the panel, the URL (`ev.` keys)
// and `higr run --stage table1-model`. Kept free of heavy imports (the page thread loads it).
import type { ConfigOf, ConfigSchema, FieldError } from './schema';
import { PROTOCOL_CHOICES } from './eval-data-config';
import { checkSidSource, SID_SOURCE_FIELDS } from './sid-source-config';

/** Registry ids (src/eval/registry.ts) of every Table 1 model, in the registry's order; a test checks they agree. */
export const TABLE1_MODEL_VALUES = ['pop', 'pop-recent', 'cooc', 'sasrec', 'sasrec-pmixer', 'bert4rec', 'hstu', 'higr', 'tiger', 'onerec', 'listcvae'] as const;
/** Those with the same result for every seed (counting baselines, `deterministic` in the registry): one run is enough. */
export const TABLE1_DETERMINISTIC: readonly string[] = ['pop', 'pop-recent', 'cooc'];
/** Those over semantic IDs (`needsSids` in the registry): their runs assemble a SID table from the SID-source settings. */
export const TABLE1_SID_MODELS: readonly string[] = ['higr', 'tiger', 'onerec', 'listcvae'];
/** The settings only the SID models read (a sequence model's run is the same run whatever they say). */
export const SID_SETTING_KEYS: readonly (keyof typeof SID_SOURCE_FIELDS | 'sidSeed')[] = [...(Object.keys(SID_SOURCE_FIELDS) as (keyof typeof SID_SOURCE_FIELDS)[]), 'sidSeed'];

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
  // SID models (HiGR, TIGER, OneRec-style, ListCVAE): where their semantic IDs come from; defaults = SID_TOKENIZER
  ...SID_SOURCE_FIELDS,
  sidSeed: { type: 'int', default: 0, min: 0, max: 0xffffffff, label: 'SID tokenizer seed', help: 'one SID table for every seed of the table, as `higr table1` (its --seed)' },
} as const;

const FIELDS = { model: { type: 'enum', default: 'sasrec', values: TABLE1_MODEL_VALUES, label: 'model' }, ...COMMON } as const;

export type Table1StageConfig = ConfigOf<typeof FIELDS>;
export const TABLE1_SCHEMA: ConfigSchema<typeof FIELDS> = {
  fields: FIELDS,
  check: (c) => [...(TABLE1_SID_MODELS.includes(c.model) ? checkSidSource(c) : []), ...(c.model === 'higr' ? higrFieldErrors(c, false) : [])],
};

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
    if (c.models.some((m) => TABLE1_SID_MODELS.includes(m))) e.push(...checkSidSource(c));
    if (c.models.includes('higr')) e.push(...higrFieldErrors(c, true));
    return e;
  },
};

/** The stage config of one model's runs from the form. */
export function table1RunConfig(s: EvaluationSettings, model: Table1StageConfig['model']): Table1StageConfig {
  const { models: _m, seeds: _s, ...rest } = s;
  return { ...rest, model };
}

/**
 * The settings HiGR's Table 1 entry takes as overrides: its training settings only (its model size is the HSD recipe,
 * docs/slate-decoder.md). `higr table1 --higr-<key>` and the form/`higr run` settings go through higrOverrideProblems.
 */
export const HIGR_TRAIN_KEYS = ['epochs', 'stepsPerEpoch', 'batchSize', 'lr', 'warmup', 'minLrRatio', 'weightDecay', 'clipNorm', 'patience', 'validUsers', 'beam', 'recentWindows'] as const;

/**
 * The one check of HiGR's overrides: one problem per key it cannot take. The message does not name the key; each caller
 * names it its own way (the CLI flag `--higr-<key>`, the form field's label).
 */
export function higrOverrideProblems(over: Record<string, unknown>): { key: string; message: string }[] {
  const out: { key: string; message: string }[] = [];
  for (const [key, v] of Object.entries(over)) {
    if (!(HIGR_TRAIN_KEYS as readonly string[]).includes(key)) out.push({ key, message: "HiGR takes only its training settings here; its model size is its HSD recipe (docs/slate-decoder.md)" });
    else if (typeof v !== 'number' || !Number.isFinite(v)) out.push({ key, message: `must be a number (got "${String(v)}")` });
  }
  return out;
}

/** HiGR's problems with a form's settings as field errors that name the form field (shown beside it, and in the refusal). */
function higrFieldErrors(c: Omit<Table1StageConfig, 'model'>, form: boolean): FieldError[] {
  return higrOverrideProblems(table1Overrides(c)).map(({ key, message }) => {
    const label = COMMON[key as keyof typeof COMMON]?.label ?? key;
    return { field: key, message: `${message} — ${form ? `set "${label}" to 0, or untick HiGR` : `leave "${label}" at 0 for HiGR`}` };
  });
}

/**
 * Per-model overrides from the non-zero settings (0 = the model's own default). The generative baselines (TIGER,
 * OneRec-style, ListCVAE) have no `maxLen` / `blocks` (their history length and depth have their own names, and they
 * reject unknown keys), so with `c.model` one of them those two are left out.
 */
export function table1Overrides(c: Omit<Table1StageConfig, 'model'> & { model?: string }): Record<string, number> {
  const out: Record<string, number> = {};
  const baseline = c.model !== undefined && c.model !== 'higr' && TABLE1_SID_MODELS.includes(c.model);
  for (const k of ['epochs', 'maxLen', 'dim', 'blocks', 'batchSize', 'lr'] as const) if (c[k] > 0 && !(baseline && (k === 'maxLen' || k === 'blocks'))) out[k] = c[k];
  return out;
}
