// What bench:tokenizer and bench:tokenizer-parity share: the --backends check and `higr tokenizers` in its own process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const BACKENDS = ['auto', 'webgpu', 'wasm', 'cpu'];

/** What is wrong with a --backends list (unknown name, fewer than two different backends), or null. */
export function backendsProblem(list: string[]): string | null {
  const bad = list.find((b) => !BACKENDS.includes(b));
  if (bad) return `--backends: "${bad}" is not one of ${BACKENDS.join(', ')}`;
  if (new Set(list).size < 2) return '--backends needs at least two different backends to compare (e.g. cpu,auto)';
  return null;
}

/**
 * `node … src/cli/higr.ts tokenizers <args> --out <out>` from the repository root `root`, output shown as it runs;
 * resolves to <out>/tokenizers.json and the process's wall seconds. `label` prefixes the log line.
 */
export function runTokenizersProcess<T>(root: string, label: string, args: string[], out: string): Promise<{ json: T; processSeconds: number }> {
  const argv = ['--import', 'tsx', '--import', './scripts/wgsl-hooks.mjs', 'src/cli/higr.ts', 'tokenizers', ...args, '--out', out];
  console.log(`${label} node ${argv.slice(4).join(' ')}`);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('error', reject);
    p.on('exit', (code) => {
      const processSeconds = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`higr tokenizers ${args.join(' ')} exited with ${code}`));
      try {
        resolve({ json: JSON.parse(fs.readFileSync(path.join(out, 'tokenizers.json'), 'utf8')) as T, processSeconds });
      } catch (e) {
        reject(new Error(`${path.join(out, 'tokenizers.json')}: ${(e as Error).message}`));
      }
    });
  });
}

/**
 * `--name value` and `--switch` arguments: the ones named in `values` take a value, those in `switches` none; `--help`
 * prints `usage` and exits 0; anything else (or a value-taking flag without a value) goes to `fail`.
 */
export function parseBenchFlags(argv: string[], values: string[], switches: string[], usage: string, fail: (msg: string) => never): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--help' || x === '-h') {
      console.log(usage);
      process.exit(0);
    }
    if (switches.includes(x)) out.set(x, true);
    else if (values.includes(x)) {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) fail(`${x} needs a value`);
      out.set(x, v);
    } else fail(`unknown argument "${x}" (try --help)`);
  }
  return out;
}
