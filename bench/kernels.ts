// `npm run bench:kernels [-- --quick] [--out <dir>] [--cases id,id] [--no-browser] [--no-node] [--reps N]`
//
// Our WGSL matmul and attention kernels on the HiGR slate decoder's real shapes, against onnxruntime-web's WebGPU EP
// on the same adapter in the same browser, ORT-web's wasm EP, our TypeScript CPU reference, and our kernels under
// Node + Dawn. Prints a markdown table; writes <out>/bench-kernels.json and <out>/bench-kernels.md (default docs/results).
// Method and current figures: docs/bench-kernels.md. Benchmarks never assert timings.
//
// Steps: (1) vite-build bench/browser/ (imports src/engine) into a temp dir, (2) serve it on 127.0.0.1 with
// onnxruntime-web's dist at ./ort/ (COOP/COEP headers so ORT's wasm may use threads), (3) run the page in headless
// Debian chromium (SwiftShader WebGPU) via playwright-core, (4) run our kernels in this Node process on Dawn, and our
// wasm SIMD backend beside onnxruntime-web's wasm EP at the same thread count (1) on the CPU.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { type BenchSettings, type Measurement, benchCases, defaultSettings, flops, shapeLabel } from './cases';
import { markdownTables, ratios } from './report';
import { CHROMIUM, CHROMIUM_ARGS, ROOT, runInChromium } from './browser-host';
import type { PageConfig, PageResult } from './browser/main';
import type { AttentionModule, Engine } from './runners';


interface Args {
  quick: boolean;
  out: string;
  cases?: string[];
  browser: boolean;
  node: boolean;
  reps?: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, out: path.join(ROOT, 'docs/results'), browser: true, node: true };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--quick') a.quick = true;
    else if (x === '--out') a.out = path.resolve(argv[++i] ?? '');
    else if (x === '--cases') a.cases = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (x === '--no-browser') a.browser = false;
    else if (x === '--no-node') a.node = false;
    else if (x === '--reps') a.reps = Number(argv[++i]);
    else if (x === '--help' || x === '-h') {
      console.log('usage: npm run bench:kernels -- [--quick] [--out dir] [--cases id,id] [--no-browser] [--no-node] [--reps N]');
      process.exit(0);
    } else {
      console.error(`bench:kernels: unknown argument "${x}" (try --help)`);
      process.exit(2);
    }
  }
  if (a.reps !== undefined && !(Number.isInteger(a.reps) && a.reps > 0)) {
    console.error('bench:kernels: --reps needs a positive integer');
    process.exit(2);
  }
  return a;
}

const T0 = Date.now();
const log = (m: string) => console.log(`${((Date.now() - T0) / 1000).toFixed(1).padStart(6)} s  ${m}`);

// ---------------------------------------------------------------- browser half

async function runBrowser(s: BenchSettings, caseIds: string[]): Promise<PageResult & { browserVersion: string }> {
  const cfg: PageConfig = { settings: s, caseIds };
  const r = await runInChromium<PageConfig, PageResult>({ html: 'index.html', fn: '__runBench', config: cfg, log, mounts: { '/ort/': path.join(ROOT, 'node_modules/onnxruntime-web/dist') } });
  return { ...r.result, browserVersion: r.browserVersion };
}

// ---------------------------------------------------------------- node half

async function runNode(s: BenchSettings, caseIds: string[]) {
  // `import src from '...wgsl?raw'` in the engine: a loader hook gives Node vite's behaviour. The npm script already
  // registers scripts/wgsl-hooks.mjs; this one keeps `npx tsx bench/kernels.ts` working too (whichever runs first wins).
  register(pathToFileURL(path.join(ROOT, 'bench/raw-hooks.mjs')).href, import.meta.url);
  const engine = (await import('../src/engine/index')) as Engine;
  const { adaptAttention, benchInputs, defaultVariant, logMeasurement, prepareOrt, prepareOurs, prepareOursCase, referenceOutput, timeInterleaved } = await import('./runners');
  const attn: AttentionModule | null = adaptAttention(engine as unknown as Record<string, unknown>);
  const gpu = await engine.initWebGPU();
  log(`[node] adapter: ${engine.describeAdapter(gpu.info)}`);
  // CPU side at equal threads: our wasm SIMD backend (1 thread) and onnxruntime-web's wasm EP with numThreads = 1
  const wasm = new engine.WasmBackend(await engine.loadWasm());
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const measurements: Measurement[] = [];
  const defaults: Record<string, string | null> = {};
  for (const c of benchCases(s.quick).filter((x) => caseIds.includes(x.id))) {
    log(`[node] case ${c.id}`);
    defaults[c.id] = defaultVariant(engine, gpu, c, attn);
    const inputs = benchInputs(c, s.seed);
    const ref = referenceOutput(engine, c, inputs);
    const preps = await prepareOursCase(engine, gpu, c, s, 'node-dawn', attn, inputs, ref);
    preps.push(await prepareOurs(engine, wasm, c, undefined, 'wasm', 'node', s, inputs, ref, attn));
    preps.push(await prepareOrt(ort, c, 'ort-wasm', s, inputs, ref, 'node'));
    const results = await timeInterleaved(c, preps, s);
    results.forEach((m) => logMeasurement((x) => log(`[node] ${x}`), m));
    measurements.push(...results);
  }
  const { measureDispatchOverhead } = await import('./dispatch');
  const dispatchOverhead = await measureDispatchOverhead(engine as never, gpu as never, { reps: s.quick ? 3 : 7 });
  dispatchOverhead.forEach((d) => log(`[node] dispatch ${d.mode}: host ${d.hostUsPerDispatch.toFixed(1)} µs, wall ${d.wallUsPerDispatch.toFixed(1)} µs per dispatch, ${d.submits} submits`));
  return { adapter: engine.describeAdapter(gpu.info), info: gpu.info, defaults, measurements, attentionModule: !!attn, wasmThreads: wasm.threads, ortWasmThreads: ort.env.wasm.numThreads ?? 1, dispatchOverhead };
}

// ---------------------------------------------------------------- main

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const settings = defaultSettings(args.quick);
  if (args.reps) settings.reps = args.reps;
  const cases = benchCases(args.quick).filter((c) => !args.cases || args.cases.includes(c.id));
  if (!cases.length) {
    console.error(`bench:kernels: no case matches --cases ${args.cases?.join(',')}`);
    process.exit(2);
  }
  const ids = cases.map((c) => c.id);
  const started = new Date();
  // the machine is shared (2 cores): the load average is part of the environment
  const loadAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const t0 = Date.now();
  log(`bench:kernels ${args.quick ? '(quick) ' : ''}— ${cases.length} shapes, warm-up ${settings.warmup}, median of ${settings.reps} (CPU reference: ${settings.cpuReps})`);

  const problems: string[] = [];
  let browser: (PageResult & { browserVersion: string }) | null = null;
  if (args.browser) {
    try {
      browser = await runBrowser(settings, ids);
      problems.push(...browser.errors.map((e) => `chromium: ${e}`));
    } catch (e) {
      problems.push(`chromium half failed: ${(e as Error).message.split('\n')[0]}`);
      log(`[browser] FAILED: ${(e as Error).stack}`);
    }
  }
  let node: Awaited<ReturnType<typeof runNode>> | null = null;
  if (args.node) {
    try {
      node = await runNode(settings, ids);
      if (!node.attentionModule) problems.push('node: the engine exports no attention op: no attention figures for our kernels');
    } catch (e) {
      problems.push(`node/Dawn half failed: ${(e as Error).message.split('\n')[0]}`);
      log(`[node] FAILED: ${(e as Error).stack}`);
    }
  }

  const measurements = [...(browser?.measurements ?? []), ...(node?.measurements ?? [])];
  const defaults = { ...(node?.defaults ?? {}), ...(browser?.defaults ?? {}) };
  const { dispatchTable } = await import('./dispatch');
  const dispatchMd = node?.dispatchOverhead.length
    ? '\n\nHost cost per dispatch (Node/Dawn; a chain of small elementwise adds; batched = one command encoder submitted at the readback, unbatched = one submit per dispatch):\n\n' +
      dispatchTable(node.dispatchOverhead) +
      '\n'
    : '';
  const table = markdownTables(cases, measurements, defaults) + dispatchMd;
  const rs = browser || node ? ratios(cases, measurements, defaults) : [];
  const seconds = (Date.now() - t0) / 1000;

  const result = {
    command: 'bench:kernels',
    protocol:
      'GFLOP/s = FLOPs / median wall time of `reps` timed calls after `warmup` untimed ones. GPU: inputs resident, each call ' +
      'ended by queue.onSubmittedWorkDone (ours: be.sync(); ORT: IO-bound GPU buffers in/out on its own device of the same ' +
      'adapter); "CPU I/O" columns upload the inputs from CPU arrays and end each call with the output back on the CPU ' +
      '(ours: assign + data(); ORT: CPU tensors in and out). CPU: call → result. Implementations of a shape are timed ' +
      'interleaved (round-robin), slow ones stop after minReps once budgetMs is spent. ' +
      'FLOPs: matmul 2MNK; attention 4·B·H·Tq·Tk·dh counted dense even when causal. Every output is checked against a ' +
      'reference (engine CPU matmul, float64 attention) once. All ratios come from this one run.',
    settings,
    seed: settings.seed,
    date: started.toISOString(),
    durationSeconds: Math.round(seconds),
    environment: {
      node: process.version,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
      cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
      nodeAdapter: node?.adapter ?? null,
      nodeWasmThreads: node?.wasmThreads ?? null,
      nodeOrtWasmThreads: node?.ortWasmThreads ?? null,
      nodeAdapterLimits: node?.info.limits ?? null,
      browser: browser ? `Chromium ${browser.browserVersion} (${CHROMIUM}, headless, ${CHROMIUM_ARGS.join(' ')})` : null,
      ...(browser ? { chromium: browser.environment } : {}),
    },
    cases: cases.map((c) => ({ ...c, shape: shapeLabel(c), flop: flops(c), defaultVariant: defaults[c.id] ?? null })),
    ratios: rs,
    target:
      'issue 2 item 7: our kernels >= 2x ORT-web WebGPU on the same adapter (ratio bestOverOrt / defaultOverOrt >= 2); ' +
      'issue 13: our wasm matmul >= 0.7x ORT-web wasm at equal threads (wasmOverOrtWasm, Node, 1 thread)',
    problems,
    measurements,
    dispatchOverhead: node?.dispatchOverhead ?? [],
    dispatchTarget: 'issue 14: host time per dispatch <= 30 µs batched',
  };

  fs.mkdirSync(args.out, { recursive: true });
  fs.writeFileSync(path.join(args.out, 'bench-kernels.json'), JSON.stringify(result, null, 2) + '\n');
  const md = [
    `# bench:kernels — ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${args.quick ? ' (quick)' : ''}`,
    '',
    `Generated by \`npm run bench:kernels${args.quick ? ' -- --quick' : ''}\`; method in docs/bench-kernels.md. ` +
      `Warm-up ${settings.warmup}, median of ${settings.reps} (CPU reference ${settings.cpuReps}); ${Math.round(seconds)} s in all.`,
    '',
    `- Chromium adapter (ours): ${browser?.environment.ourAdapter ?? 'n/a'}`,
    `- ORT-web's device adapter: ${browser ? JSON.stringify(browser.environment.ortAdapter) : 'n/a'}; ORT ${browser?.environment.ortVersion ?? 'n/a'}, wasm threads ${browser?.environment.ortWasmThreads ?? 'n/a'}`,
    `- Browser: ${result.environment.browser ?? 'n/a'}`,
    `- Node: ${process.version}, adapter ${node?.adapter ?? 'n/a'}; CPU ${result.environment.cpus}; load average (1/5/15 min) ${loadAtStart.join(' ')} at start, ${result.environment.loadAverageAtEnd.join(' ')} at end`,
    '',
    table,
    ...(problems.length ? ['Problems:', '', ...problems.map((p) => `- ${p}`), ''] : []),
  ].join('\n');
  fs.writeFileSync(path.join(args.out, 'bench-kernels.md'), md);
  console.log('\n' + table);
  if (problems.length) console.log(problems.map((p) => `- ${p}`).join('\n'));
  console.log(`wrote ${path.relative(ROOT, path.join(args.out, 'bench-kernels.json'))} and bench-kernels.md (${seconds.toFixed(0)} s)`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench:kernels: ${(e as Error).message}`);
    process.exit(1);
  },
);
