// The stage registry: every trained thing of the pipeline. A new stage = its model file + one entry here.
import { slateDecoderStage } from './slate-decoder';
import { table1ModelStage } from './table1-model';
import { tokenizerStage } from './tokenizer';
import type { StageEntry } from './types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const STAGES: Record<string, StageEntry<any, any, any, any>> = {
  tokenizer: tokenizerStage,
  'slate-decoder': slateDecoderStage,
  'table1-model': table1ModelStage,
};

export function stageEntry(id: string): StageEntry<any, any, any, any> {
  const e = STAGES[id];
  if (!e) throw new Error(`unknown stage "${id}" (known: ${Object.keys(STAGES).join(', ')})`);
  return e;
}

export type { StageEntry, StageData, RunRecord, RunContext, StageProgress } from './types';
