// Headless runner: `npm run higr -- <command> [--data <file|dir>...] [--out <dir>] [--seed N] [--quick] [--test <file>]`
// Runs the same pipeline functions as the app's worker, on Dawn (npm `webgpu`) in Node. Prints the command's markdown
// table and writes <out>/<command>.json = {command, protocol, settings, seed, environment, ...}. Any failure: one line
// `higr <command>: <message>` on stderr, exit code 1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { COMMANDS } from './commands/index';
import { CliError, environment, releaseGpu, resetBackend, type CliArgs, type Command } from './result';
import { resetFallbacks } from '../engine/fallbacks';

export const DEFAULT_OUT = 'docs/results';

export interface Parsed {
  command: string | null;
  /** Positional words after the command (only `help <command>` takes one). */
  rest: string[];
  args: CliArgs;
}

/** Parse argv (without node and script). Throws CliError on malformed options. */
export function parseArgs(argv: string[]): Parsed {
  try {
    return parseArgsInner(argv);
  } catch (e) {
    // Name the command in the error line when it is known (`higr gpu: option --out needs a value`).
    if (e instanceof CliError) e.command = argv.find((a, i) => !a.startsWith('-') && !(i > 0 && /^--[^=]+$/.test(argv[i - 1]) && !['--quick'].includes(argv[i - 1])));
    throw e;
  }
}

function parseArgsInner(argv: string[]): Parsed {
  const args: CliArgs = { data: [], out: DEFAULT_OUT, seed: 0, quick: false, flags: {} };
  let command: string | null = null;
  const rest: string[] = [];
  const value = (i: number, name: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new CliError(`option --${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      rest.unshift(...(command ? [command] : []));
      command = 'help';
      continue;
    }
    if (!a.startsWith('--')) {
      if (command === null) command = a;
      else rest.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq >= 0 ? eq : undefined);
    if (!name) throw new CliError(`malformed option "${a}"`);
    const inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = value(i, name);
      i++;
      return v;
    };
    switch (name) {
      case 'data':
        args.data.push(take());
        break;
      case 'out':
        args.out = take();
        break;
      case 'seed': {
        const v = take();
        if (!/^\d{1,10}$/.test(v) || Number(v) > 0xffffffff) throw new CliError(`--seed must be an integer in [0, 2^32-1], got "${v}"`);
        args.seed = Number(v);
        break;
      }
      case 'quick':
        if (inline !== undefined && inline !== 'true' && inline !== 'false') throw new CliError(`--quick takes no value, got "${inline}"`);
        args.quick = inline !== 'false';
        args.quickGiven = true;
        break;
      case 'test':
        args.test = take();
        break;
      default: {
        if (inline !== undefined) args.flags[name] = inline;
        else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) args.flags[name] = argv[++i];
        else args.flags[name] = true;
      }
    }
  }
  return { command, rest, args };
}

const OPTIONS = `options:
  --data <file|dir>   input file or folder (repeatable; default: the command's bundled data)
  --out <dir>         where <command>.json is written (default ${DEFAULT_OUT})
  --seed N            global seed (default 0)
  --quick             small sizes (smoke runs, CI)
  --test <file>       command-specific test/evaluation file
  --backend <b>       compute backend for commands that train: auto (default: WebGPU on a hardware adapter, wasm SIMD
                      on a software adapter or without WebGPU), webgpu, wasm, cpu
  --threads N         wasm backend threads (default: hardwareConcurrency, capped at 8); recorded in environment.threads
  --<key> [value]     command-specific flags`;

async function helpText(which?: string): Promise<string> {
  if (which) {
    const load = COMMANDS[which];
    if (!load) throw new CliError(`unknown command "${which}" (try: npm run higr -- help)`);
    const c = await load();
    return `higr ${c.name}: ${c.describe}\n\nusage: npm run higr -- ${c.name} [options]\n${c.usage ? `\n${c.usage}\n` : ''}\n${OPTIONS}`;
  }
  const lines = ['usage: npm run higr -- <command> [options]', '', 'commands:'];
  const names = Object.keys(COMMANDS).sort();
  const width = Math.max(4, ...names.map((n) => n.length));
  lines.push(`  ${'help'.padEnd(width)}  list commands, or \`help <command>\``);
  for (const n of names) {
    let d: string;
    try {
      d = (await COMMANDS[n]()).describe;
    } catch (e) {
      d = `(unavailable: ${(e as Error).message})`;
    }
    lines.push(`  ${n.padEnd(width)}  ${d}`);
  }
  lines.push('', OPTIONS);
  return lines.join('\n');
}

/** Run one CLI invocation; returns the exit code. Output goes to the given streams (tests pass buffers). */
export async function main(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  let name = 'higr';
  try {
    const { command, rest, args } = parseArgs(argv);
    if (command === null || command === 'help') {
      out((await helpText(rest[0])) + '\n');
      return command === null ? 1 : 0;
    }
    name = command;
    if (rest.length) throw new CliError(`unexpected argument "${rest[0]}"`);
    const load = COMMANDS[command];
    if (!load) throw new CliError(`unknown command "${command}" (available: ${Object.keys(COMMANDS).sort().join(', ')})`);
    const cmd: Command = await load();
    resetFallbacks(); // environment.fallbacks counts this command's calls only
    const { table, json } = await cmd.run(args);
    const { protocol, settings, environment: envExtra, ...restJson } = json as Record<string, unknown> & {
      settings?: Record<string, unknown>;
      environment?: Record<string, unknown>;
    };
    const record = {
      command: cmd.name,
      ...(protocol !== undefined ? { protocol } : {}),
      settings: { data: args.data, quick: args.quick, ...(args.test ? { test: args.test } : {}), ...args.flags, ...(settings ?? {}) },
      seed: args.seed,
      environment: { ...(await environment()), ...(envExtra ?? {}) },
      ...restJson,
    };
    fs.mkdirSync(args.out, { recursive: true });
    const file = path.join(args.out, `${cmd.name}.json`);
    fs.writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
    out(table.replace(/\n?$/, '\n'));
    out(`\nwrote ${file}\n`);
    return 0;
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ').trim() || 'failed';
    if (name === 'higr' && e instanceof CliError && e.command) name = e.command;
    err(`${name === 'higr' ? 'higr' : `higr ${name}`}: ${msg}\n`);
    if (process.env.HIGR_DEBUG && e instanceof Error && !(e instanceof CliError)) err(`${e.stack}\n`);
    return 1;
  } finally {
    resetBackend();
    await releaseGpu();
  }
}

const isEntry = process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (isEntry) {
  // Dawn's Vulkan loader complains on stderr when XDG_RUNTIME_DIR is unset (root in CI); give it a private one.
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = path.join(os.tmpdir(), `higr-xdg-${process.getuid?.() ?? 'user'}`);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      process.env.XDG_RUNTIME_DIR = dir;
    } catch {
      /* keep the warning */
    }
  }
  const code = await main(process.argv.slice(2));
  // Dawn keeps native handles alive; exit explicitly once output is flushed.
  process.stdout.write('', () => process.exit(code));
}
