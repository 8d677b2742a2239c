// CLI command registry: name -> lazy loader. Lazy so one broken or heavy command never slows or breaks the others.
//
// Adding a command: write src/cli/commands/<name>.ts with `export default { name, describe, run } satisfies Command`
// (see src/cli/result.ts), then add one line here: `<name>: () => import('./<name>').then((m) => m.default),`.
import type { Command } from '../result';

/**
 * Load a command whose file may not exist yet (owned by someone else): a missing file becomes a clear error.
 * Use `x: optional('x', './x.ts')` until src/cli/commands/x.ts lands, then switch to a literal import.
 */
export function optional(name: string, spec: string): () => Promise<Command> {
  return async () => {
    try {
      const m = (await import(/* @vite-ignore */ spec)) as { default: Command };
      return m.default;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if ((err.code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module|Failed to load url/.test(err.message)) && err.message.includes(name)) {
        throw new Error(`command "${name}" is not available yet (src/cli/commands/${name}.ts is missing)`);
      }
      throw e;
    }
  };
}

export const COMMANDS: Record<string, () => Promise<Command>> = {
  gpu: () => import('./gpu').then((m) => m.default),
  data: () => import('./data').then((m) => m.default),
  tokenizers: () => import('./tokenizers').then((m) => m.default),
  train: () => import('./train').then((m) => m.default),
  decode: () => import('./decode').then((m) => m.default),
  eval: () => import('./eval').then((m) => m.default),
  table1: () => import('./table1').then((m) => m.default),
};
