// Settings of where a stage's semantic IDs come from — a finished tokenizer run of the run store, or a tokenizer trained
// on the item features now — shared by the slate-decoder stage (`sd.` keys) and the table1-model stage (`ev.` keys):
// one set of fields for both forms, both URL sections and `higr run`. The on-the-fly defaults are SID_TOKENIZER's (the
// SIDs of every SID model of `higr table1`). Kept free of heavy imports (the page thread loads it).
import type { FieldError } from './schema';

/** = TOKENIZER_KIND_VALUES (tokenizer-config.ts) */
const SID_KINDS = ['rq-kmeans', 'rq-vae', 'crq-vae'] as const;

/**
 * The SID tokenizer of Table 1 without its item features (SID_TOKENIZER in src/eval/generative.ts adds them): RQ-KMeans,
 * D = 3, K = 64, chosen on HSD validation recall@5 (docs/slate-decoder.md, "Ablations"); `steps` = the neural kinds' steps.
 */
export const SID_TOKENIZER_SETTINGS = { kind: 'rq-kmeans', levels: 3, codebookSize: 64, steps: 300 } as const;

export const SID_SOURCE_FIELDS = {
  tokenizerRun: { type: 'string', default: '', maxLength: 300, label: 'SIDs from tokenizer run', help: 'id of a finished tokenizer run (Runs panel); empty = a tokenizer of the kind below trained on the item features now' },
  sidKind: { type: 'enum', default: SID_TOKENIZER_SETTINGS.kind, values: SID_KINDS, label: 'SID tokenizer (on the fly)' },
  codebookSize: { type: 'int', default: SID_TOKENIZER_SETTINGS.codebookSize, min: 2, max: 4096, label: 'K (codebook size)', help: 'K = 64 (D = 3) is the measured best for HiGR on the bundled data (docs/slate-decoder.md); SID_TOKENIZER in src/eval/generative.ts' },
  levels: { type: 'int', default: SID_TOKENIZER_SETTINGS.levels, min: 1, max: 8, label: 'D (levels)' },
  sidSteps: { type: 'int', default: SID_TOKENIZER_SETTINGS.steps, min: 0, max: 100_000, label: 'tokenizer steps (VAE kinds)' },
} as const;

export interface SidSourceConfig {
  tokenizerRun: string;
  sidKind: (typeof SID_KINDS)[number];
  codebookSize: number;
  levels: number;
  sidSteps: number;
}

/** A neural tokenizer trained on the fly needs steps. */
export function checkSidSource(c: SidSourceConfig): FieldError[] {
  return c.sidKind !== 'rq-kmeans' && !c.tokenizerRun && c.sidSteps < 1 ? [{ field: 'sidSteps', message: `${c.sidKind} needs training steps (>= 1); RQ-KMeans needs none` }] : [];
}

/** One line naming the SID source (tables, run summaries). */
export function describeSidSource(c: SidSourceConfig, seed: number): string {
  return c.tokenizerRun
    ? `tokenizer run ${c.tokenizerRun}`
    : `${c.sidKind} D = ${c.levels}, K = ${c.codebookSize}${c.sidKind === 'rq-kmeans' ? '' : `, ${c.sidSteps} steps`}, trained on the item features now (seed ${seed})`;
}
