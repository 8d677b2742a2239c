// The stage registry: every trained thing of the pipeline. A new stage = its model file + one entry here.
import { tokenizerStage } from './tokenizer';
import type { StageEntry } from './types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const STAGES: Record<string, StageEntry<any, any, any, any>> = {
  tokenizer: tokenizerStage,
};

export function stageEntry(id: string): StageEntry<any, any, any, any> {
  const e = STAGES[id];
  if (!e) throw new Error(`unknown stage "${id}" (known: ${Object.keys(STAGES).join(', ')})`);
  return e;
}

export type { StageEntry, StageData, RunRecord, RunContext, StageProgress } from './types';
