// Settings schemas of every stage, by stage id: what the page thread needs (validation, URL, forms) without loading
// the stage entries (training code) that run in the workers and the CLI. Add a line per stage.
import type { ConfigSchema } from './schema';
import { TOKENIZER_SCHEMA } from './tokenizer-config';
import { SLATE_SCHEMA } from './slate-decoder-config';
import { TABLE1_SCHEMA } from './table1-config';

export const STAGE_SCHEMAS: Record<string, ConfigSchema> = {
  tokenizer: TOKENIZER_SCHEMA as unknown as ConfigSchema,
  'slate-decoder': SLATE_SCHEMA as unknown as ConfigSchema,
  'table1-model': TABLE1_SCHEMA as unknown as ConfigSchema,
};

export function stageSchema(id: string): ConfigSchema {
  const s = STAGE_SCHEMAS[id];
  if (!s) throw new Error(`unknown stage "${id}" (known: ${Object.keys(STAGE_SCHEMAS).join(', ')})`);
  return s;
}
