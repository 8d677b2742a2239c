// `npm run bench:train [-- --quick] [--out <dir>] [--models id,id] [--backends webgpu,cpu] [--steps N] [--seed N]`
//
// One training step of (a) the CRQ-VAE at its default size, (b) a transformer of the slate decoder's default size
// (4 blocks, d=128, 5+50 tokens, batch 64), (c) an MLP 713→256→64 (ReLU, MSE, batch 512, Adam), per backend:
// steps/s, achieved GFLOP/s (counted FLOPs ÷ time), that ÷ the same backend's matmul GFLOP/s at the step's dominant
// matmul shape (overheadRatio), queue submits and dispatches per step (WebGPU counters) and peak live bytes per step.
// Writes <out>/bench-train.json (rows[]: { model, backend, threads, stepsPerSec, gflops, matmulGflops, overheadRatio,
// submitsPerStep, ... }, the issue-13 schema) and bench-train.md. Benchmarks never assert timings.
// Written in the batching lane (issue 14) with WebGPU and CPU rows only; the wasm rows and the tfjs-wasm peer belong to
// the wasm-backend issue (13).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as engine from '../src/engine/index';
import * as nn from '../src/models/nn';
import * as crq from '../src/models/crq-vae';
import { makeWorkload, measureSteps, type ModelId, type StepMeasurement } from './train-steps';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODELS: ModelId[] = ['crq-vae', 'slate-transformer', 'mlp-713-256-64'];

function fail(msg: string): never {
  console.error(`bench:train: ${msg}`);
  process.exit(1);
}

function parseArgs(argv: string[]) {
  const a = { quick: false, out: path.join(ROOT, 'docs/results'), models: MODELS, backends: ['webgpu', 'cpu'], steps: 0, seed: 0 };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--quick') a.quick = true;
    else if (x === '--out') a.out = path.resolve(argv[++i] ?? '');
    else if (x === '--models') {
      a.models = (argv[++i] ?? '').split(',').filter(Boolean) as ModelId[];
      const bad = a.models.find((m) => !MODELS.includes(m));
      if (bad) fail(`--models: unknown model "${bad}" (one of ${MODELS.join(', ')})`);
    } else if (x === '--backends') {
      a.backends = (argv[++i] ?? '').split(',').filter(Boolean);
      const bad = a.backends.find((b) => b !== 'webgpu' && b !== 'cpu');
      if (bad) fail(`--backends: unknown backend "${bad}" (webgpu, cpu)`);
    } else if (x === '--steps') a.steps = Number(argv[++i]);
    else if (x === '--seed') a.seed = Number(argv[++i]);
    else fail(`unknown argument "${x}"`);
  }
  if (a.steps && !(Number.isInteger(a.steps) && a.steps > 0)) fail('--steps needs a positive integer');
  if (!Number.isInteger(a.seed)) fail('--seed needs an integer');
  return a;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const steps = args.steps || (args.quick ? 2 : 5);
  const warmup = 1;
  const started = new Date();
  const load0 = os.loadavg();
  const rows: (StepMeasurement & { settings: Record<string, unknown> })[] = [];
  let adapter = 'n/a';
  for (const backend of args.backends) {
    if (backend === 'webgpu') {
      const gpu = await engine.initWebGPU();
      adapter = engine.describeAdapter(gpu.info);
    } else engine.initCpu();
    for (const model of args.models) {
      const w = makeWorkload(engine, nn, crq, model, args.seed);
      // the CPU reference is slow: one timed step is enough for its ratio
      const r = await measureSteps(engine, w, { steps: backend === 'cpu' ? 1 : steps, warmup: backend === 'cpu' ? 0 : warmup, backend, threads: 1, matmulReps: args.quick ? 2 : 5 });
      if (!Number.isFinite(r.finalLoss)) fail(`${model} on ${backend}: the loss is ${r.finalLoss}`);
      rows.push({ ...r, settings: w.settings });
      console.log(`${backend} ${model}: ${r.stepsPerSec.toFixed(4)} steps/s, ${r.gflops.toFixed(3)} GFLOP/s, overhead ratio ${r.overheadRatio.toFixed(2)}, submits/step ${r.submitsPerStep ?? '–'}`);
      w.dispose();
    }
  }
  const table = [
    '| model | backend | threads | steps/s | GFLOP/s | matmul GFLOP/s | overhead ratio | submits / step | dispatches / step | peak MiB / step |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.backend} | ${r.threads} | ${r.stepsPerSec.toFixed(4)} | ${r.gflops.toFixed(3)} | ${r.matmulGflops.toFixed(3)} | ${r.overheadRatio.toFixed(2)} | ${r.submitsPerStep ?? '–'} | ${r.dispatchesPerStep ?? '–'} | ${r.peakBytesPerStep === null ? '–' : (r.peakBytesPerStep / 2 ** 20).toFixed(1)} |`,
    ),
  ].join('\n');
  const result = {
    command: 'bench:train',
    protocol:
      `Per backend and model: ${warmup} untimed warm-up step (pipeline compiles), then ${steps} timed steps (CPU: 1, no warm-up), each ` +
      'forward + backward + AdamW inside tidyAsync and ended by reading the loss back (as a training loop logs it). FLOPs counted ' +
      'analytically: every Linear 6·N·in·out (forward + both backward matmuls), attention 3 × 4·B·H·Tq·Tk·dh, CRQ-VAE nearest-code ' +
      'distances 3 × 2·B·K·L per level; elementwise ops not counted. overheadRatio = step GFLOP/s ÷ matmul GFLOP/s of the same ' +
      'backend at the step\'s dominant matmul shape, measured in the same run (median, synced per call). submits/dispatches per step ' +
      'from the WebGPU backend counters; peak = highest live bytes within a step (resetPeak at each step start).',
    settings: { steps, warmup, quick: args.quick, models: args.models, backends: args.backends },
    seed: args.seed,
    date: started.toISOString(),
    environment: {
      node: process.version,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
      adapter,
      loadAverageAtStart: load0.map((x) => Math.round(x * 100) / 100),
      loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
    },
    targets: 'issue 14: <= 4 queue submits per WebGPU step (crq-vae, slate-transformer); overheadRatio >= 0.5 on WebGPU',
    rows,
  };
  fs.mkdirSync(args.out, { recursive: true });
  fs.writeFileSync(path.join(args.out, 'bench-train.json'), JSON.stringify(result, null, 2) + '\n');
  fs.writeFileSync(
    path.join(args.out, 'bench-train.md'),
    `# bench:train — ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${args.quick ? ' (quick)' : ''}\n\nGenerated by \`npm run bench:train${args.quick ? ' -- --quick' : ''}\`, seed ${args.seed}. Adapter: ${adapter}. Load average at start ${result.environment.loadAverageAtStart.join(' ')}, at end ${result.environment.loadAverageAtEnd.join(' ')} (2 shared cores: absolute speeds are SwiftShader and load dependent; counts are exact).\n\n${table}\n`,
  );
  console.log('\n' + table);
  console.log(`wrote ${path.relative(ROOT, path.join(args.out, 'bench-train.json'))} and bench-train.md`);
}

main().then(
  () => process.exit(0),
  (e) => fail((e as Error).message),
);
