// Builds the wasm SIMD kernels (wasm/*.c) into build/wasm/higr.wasm with clang's wasm32 target (Debian: `apt-get
// install clang lld`). Called by `npm test`, `npm run dev|start|build`, the CLI and the benchmarks (via `npm run
// build:wasm`); skips the compile when the output is newer than every source. Output is never committed.
// Usage: node scripts/build-wasm.mjs [--force] [--check]  (--check: exit 1 if the build is missing or stale)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'wasm');
const OUT_DIR = path.join(ROOT, 'build', 'wasm');
export const WASM_OUT = path.join(OUT_DIR, 'higr.wasm');

const FLAGS = [
  '--target=wasm32',
  '-O3',
  '-msimd128',
  '-mbulk-memory',
  '-fno-math-errno',
  '-nostdlib',
  '-Wall',
  '-Werror',
  '-Wl,--no-entry',
  '-Wl,--import-memory',
  '-Wl,--export=__heap_base',
  '-Wl,--stack-first',
  '-Wl,-z,stack-size=1048576',
  '-Wl,--max-memory=4294967296',
];

export function buildWasm({ force = false } = {}) {
  const sources = fs.readdirSync(SRC).filter((f) => f.endsWith('.c')).sort().map((f) => path.join(SRC, f));
  const inputs = [...sources, ...fs.readdirSync(SRC).filter((f) => f.endsWith('.h')).map((f) => path.join(SRC, f)), fileURLToPath(import.meta.url)];
  const newest = Math.max(...inputs.map((f) => fs.statSync(f).mtimeMs));
  if (!force && fs.existsSync(WASM_OUT) && fs.statSync(WASM_OUT).mtimeMs >= newest) return { built: false, out: WASM_OUT };
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const clang = process.env.CLANG ?? 'clang';
  try {
    execFileSync(clang, [...FLAGS, '-o', WASM_OUT, ...sources], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (e) {
    if (e.code === 'ENOENT') {
      throw new Error(`build-wasm: "${clang}" not found: install clang and lld (Debian: apt-get install clang lld) or set CLANG`);
    }
    throw new Error(`build-wasm: clang failed on ${path.relative(ROOT, SRC)}/*.c (exit ${e.status})`);
  }
  return { built: true, out: WASM_OUT };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    if (process.argv.includes('--check')) {
      if (!fs.existsSync(WASM_OUT)) throw new Error(`build-wasm: ${path.relative(ROOT, WASM_OUT)} is missing: run npm run build:wasm`);
      process.exit(0);
    }
    const r = buildWasm({ force: process.argv.includes('--force') });
    if (r.built) console.error(`build-wasm: ${path.relative(ROOT, r.out)} ${r.built ? `built (${fs.statSync(r.out).size} bytes)` : 'up to date'}`);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
