// Shared types and helpers for CLI commands (`npm run higr -- <command>`).
//
// A command is a module src/cli/commands/<name>.ts with a default export:
//   export default { name: 'x', describe: 'one line', async run(args) { return { table, json } } } satisfies Command;
// `table` is markdown printed to stdout; `json` is merged into <out>/<name>.json next to the standard fields
// (command, protocol, settings, seed, environment). Put `protocol` (string/object) and `settings` (extra settings)
// in `json` to have them placed at the top level. Throw an Error with a one-line message naming the file and the
// problem on bad input; the runner prints `higr <name>: <message>` and exits 1.
import os from 'node:os';
import type { GpuContext, GpuInfo } from '../engine/device';
import type { SelectedBackend } from '../engine/select';

export interface CliArgs {
  /** Every `--data <file|dir>` in order (repeatable). */
  data: string[];
  /** `--out <dir>`, default docs/results. */
  out: string;
  /** `--seed N`, default 0. */
  seed: number;
  /** `--quick`: small sizes for CI/smoke runs. */
  quick: boolean;
  /** whether `--quick` / `--quick=true|false` was given at all (a stage whose own `quick` setting defaults to true
   * takes it from there: `higr run --stage table1-model --quick=false` trains full-size models) */
  quickGiven?: boolean;
  /** `--test <file>`. */
  test?: string;
  /** Every other `--key value`, `--key=value` or bare `--flag` (true). */
  flags: Record<string, string | boolean>;
}

export interface CommandResult {
  /** Markdown, printed as-is. */
  table: string;
  /** Merged into the result JSON. JSON-serialisable data only. */
  json: Record<string, unknown>;
}

export interface Command {
  name: string;
  describe: string;
  /** Optional extra usage lines for `higr help <name>`. */
  usage?: string;
  run(args: CliArgs): Promise<CommandResult>;
}

/** A user-facing error: the runner prints only its message (no stack). */
export class CliError extends Error {
  /** The command the error belongs to, when known (used for the `higr <command>:` prefix). */
  command?: string;
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** Markdown table; numbers right-aligned. Cells are stringified and `|`/newlines escaped. */
/** A numeric `--key value` flag, `dflt` when absent; a clear error when it is not a number. */
export function numFlag(flags: CliArgs['flags'], key: string, dflt: number): number {
  const v = flags[key];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n)) throw new CliError(`--${key} needs a number, got "${String(v)}"`);
  return n;
}

export function mdTable(headers: string[], rows: unknown[][]): string {
  const cell = (v: unknown) => String(v ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const numeric = headers.map((_, j) => rows.length > 0 && rows.every((r) => typeof r[j] === 'number'));
  const lines = [
    `| ${headers.map(cell).join(' | ')} |`,
    `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${headers.map((_, j) => cell(r[j])).join(' | ')} |`),
  ];
  return lines.join('\n');
}

// ---- the GPU used by a command (so the runner can record it in environment.adapter) ----

let gpuPromise: Promise<GpuContext> | null = null;
let gpuUsed: GpuInfo | null = null;

/** The command's WebGPU device (Dawn on SwiftShader/Vulkan in Node). Created once per process. */
export function cliGpu(): Promise<GpuContext> {
  if (!gpuPromise) {
    gpuPromise = import('../engine/device').then(async ({ requestGpu }) => {
      const ctx = await requestGpu();
      gpuUsed = ctx.info;
      return ctx;
    });
  }
  return gpuPromise;
}

/** Info of the device a command acquired through cliGpu(), or null if none was used. */
export function usedGpu(): GpuInfo | null {
  return gpuUsed;
}

/** Release the device (end of a run). */
export async function releaseGpu(): Promise<void> {
  if (!gpuPromise) return;
  try {
    (await gpuPromise).device.destroy();
  } catch {
    /* acquisition failed: nothing to release */
  }
  gpuPromise = null;
}

// ---- the compute backend of a command (`--backend webgpu|wasm|cpu|auto`, default auto) ----

let selected: SelectedBackend | null = null;

/**
 * Choose the command's backend from `--backend` (default `auto`: see src/engine/select.ts), make it current
 * (setBackend) and remember it for environment.backend / backendReason. Bad value: a CliError naming the flag.
 */
export async function cliBackend(args: CliArgs, dflt: 'auto' | 'webgpu' | 'wasm' | 'cpu' = 'auto'): Promise<SelectedBackend> {
  const { parseBackendChoice, selectBackend } = await import('../engine/select');
  const { setBackend } = await import('../engine/tensor');
  let choice;
  try {
    choice = parseBackendChoice(args.flags.backend ?? dflt);
    selected = await selectBackend(choice, { gpu: cliGpu, threads: threadsFlag(args) });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  setBackend(selected.backend);
  return selected;
}

/** `--threads N` (wasm backend threads, 1..64; default hardwareConcurrency capped at 8), or undefined. */
export function threadsFlag(args: CliArgs): number | undefined {
  const v = args.flags.threads;
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 1 || n > 64) throw new CliError(`--threads must be an integer in 1..64, got "${String(v)}"`);
  return n;
}

/** Forget the chosen backend (end of a run: the next command in this process starts from none). */
export function resetBackend(): void {
  selected = null;
}

/** The backend chosen through cliBackend(), or null. */
export function usedBackend(): SelectedBackend | null {
  return selected;
}

export interface Environment {
  adapter: string | null;
  /** The compute backend kind (webgpu, wasm, cpu), with its description in backendDetail. */
  backend: string;
  backendReason: string;
  backendDetail: string;
  /** Threads the backend's kernels ran on (the wasm pool; 1 for cpu/webgpu); backendDetail says why when 1. */
  threads: number;
  /** Ops that ran their CPU reference instead of a kernel of the chosen backend (declared fallbacks), with call counts. */
  fallbacks: { op: string; backend: string; ranOn: string; calls: number; ms: number }[];
  node: string;
  platform: string;
  cpus: number;
  date: string;
}

export async function environment(): Promise<Environment> {
  const info = usedGpu();
  let adapter: string | null = null;
  if (info) adapter = (await import('../engine/device')).describeAdapter(info);
  const { fallbacks } = await import('../engine/fallbacks');
  const sel = usedBackend();
  return {
    adapter,
    backend: sel ? sel.kind : info ? 'webgpu' : 'cpu',
    backendReason: sel ? sel.reason : info ? `the command uses WebGPU (${info.host})` : 'the command used no GPU (CPU only)',
    backendDetail: sel ? sel.backend.describe() : info ? `webgpu (${info.host})` : 'cpu',
    threads: sel ? (await import('../engine/select')).backendThreads(sel.backend) : 1,
    fallbacks: fallbacks(),
    node: process.version,
    platform: `${process.platform}-${process.arch} ${os.release()}`,
    cpus: os.cpus().length,
    date: new Date().toISOString(),
  };
}
