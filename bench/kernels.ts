// `npm run bench:kernels [-- --quick] [--out <dir>] [--cases id,id] [--no-browser] [--no-node] [--reps N]
//                        [--wasm-threads 1,2] [--wasm-only]`
//
// Our WGSL matmul and attention kernels on the HiGR slate decoder's real shapes, against onnxruntime-web's WebGPU EP
// on the same adapter in the same browser, ORT-web's wasm EP, our TypeScript CPU reference, and our kernels under
// Node + Dawn. Prints a markdown table; writes <out>/bench-kernels.json and <out>/bench-kernels.md (default docs/results).
// Method and current figures: docs/bench-kernels.md. Benchmarks never assert timings.
//
// Steps: (1) vite-build bench/browser/ (imports src/engine) into a temp dir, (2) serve it on 127.0.0.1 with
// onnxruntime-web's dist at ./ort/ (COOP/COEP headers so ORT's wasm may use threads), (3) run the page in headless
// Debian chromium (SwiftShader WebGPU) via playwright-core, (4) run our kernels in this Node process on Dawn, and our
// wasm SIMD backend beside onnxruntime-web's wasm EP at equal thread counts on the CPU (--wasm-threads, default 1,2:
// 1 in this process, every other count in a child process of its own, because ORT-web fixes its thread count when its
// wasm module first loads; in Chromium likewise one fresh page per further thread count, our pool on Web Workers over
// SharedArrayBuffer, the page cross-origin isolated). --wasm-only skips the WebGPU rows
// (Dawn in Node, WebGPU + ORT's WebGPU EP in Chromium): just the CPU rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { register } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ALL_CASES, type BenchSettings, type Measurement, defaultSettings, flops, selectCases, shapeLabel } from './cases';
import { markdownTables, ratios } from './report';
import { CHROMIUM, CHROMIUM_ARGS, ROOT, runInChromium } from './browser-host';
import type { PageConfig, PageResult } from './browser/main';
import type { AttentionModule, Engine } from './runners';
import { spawnSync } from 'node:child_process';
import { loadAverage, machineEnvironment, nodeDispatchClock, writeBenchReport } from './machine';


interface Args {
  quick: boolean;
  out: string;
  cases?: string[];
  browser: boolean;
  node: boolean;
  reps?: number;
  wasmThreads: number[];
  wasmOnly: boolean;
  /** internal: run only the CPU rows at this thread count and write them to childOut */
  wasmChild?: number;
  childOut?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, out: path.join(ROOT, 'docs/results'), browser: true, node: true, wasmThreads: [1, 2], wasmOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--quick') a.quick = true;
    else if (x === '--out') a.out = path.resolve(argv[++i] ?? '');
    else if (x === '--cases') a.cases = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (x === '--no-browser') a.browser = false;
    else if (x === '--no-node') a.node = false;
    else if (x === '--reps') a.reps = Number(argv[++i]);
    else if (x === '--wasm-threads') a.wasmThreads = (argv[++i] ?? '').split(',').filter(Boolean).map(Number);
    else if (x === '--wasm-only') a.wasmOnly = true;
    else if (x === '--wasm-child') a.wasmChild = Number(argv[++i]);
    else if (x === '--child-out') a.childOut = argv[++i];
    else if (x === '--help' || x === '-h') {
      console.log('usage: npm run bench:kernels -- [--quick] [--out dir] [--cases id,id] [--no-browser] [--no-node] [--reps N] [--wasm-threads 1,2] [--wasm-only]');
      process.exit(0);
    } else {
      console.error(`bench:kernels: unknown argument "${x}" (try --help)`);
      process.exit(2);
    }
  }
  if (!a.wasmThreads.length || a.wasmThreads.some((t) => !Number.isInteger(t) || t < 1 || t > 64)) {
    console.error('bench:kernels: --wasm-threads needs a comma list of thread counts in 1..64, e.g. 1,2');
    process.exit(2);
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

/**
 * The Chromium half: one full page (WebGPU rows, and the CPU rows at the first of `threads`), then a fresh page per
 * further thread count with the CPU rows only (ORT-web fixes its thread count when its wasm module first loads).
 */
async function runBrowser(s: BenchSettings, caseIds: string[], threads: number[], cpuOnly: boolean): Promise<PageResult & { browserVersion: string; cpuThreads: Record<string, unknown>[] }> {
  const page = (cfg: PageConfig) =>
    runInChromium<PageConfig, PageResult>({ html: 'index.html', fn: '__runBench', config: cfg, log, mounts: { '/ort/': path.join(ROOT, 'node_modules/onnxruntime-web/dist') } });
  const first = await page({ settings: s, caseIds, wasmThreads: threads[0], cpuOnly });
  const out = { ...first.result, browserVersion: first.browserVersion, cpuThreads: [pageThreads(threads[0], first.result)] };
  for (const t of threads.slice(1)) {
    log(`[browser] CPU rows at ${t} threads (a fresh page)`);
    try {
      const r = (await page({ settings: s, caseIds, wasmThreads: t, cpuOnly: true })).result;
      out.measurements.push(...r.measurements);
      out.errors.push(...r.errors.map((e) => `${t} threads: ${e}`));
      out.cpuThreads.push(pageThreads(t, r));
    } catch (e) {
      out.errors.push(`the ${t}-thread page failed: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return out;
}

/** What one page says about its CPU rows' threads (environment.chromium.cpuThreads[]). */
function pageThreads(threads: number, r: PageResult): Record<string, unknown> {
  const e = r.environment;
  return { threads, wasmThreads: e.wasmThreads, wasmDetail: e.wasmDetail, ortWasmThreads: e.ortWasmThreads, crossOriginIsolated: e.crossOriginIsolated };
}

// ---------------------------------------------------------------- node half

async function loadEngine(): Promise<Engine> {
  // `import src from '...wgsl?raw'` in the engine: a loader hook gives Node vite's behaviour. The npm script already
  // registers scripts/wgsl-hooks.mjs; this one keeps `npx tsx bench/kernels.ts` working too (whichever runs first wins).
  register(pathToFileURL(path.join(ROOT, 'bench/raw-hooks.mjs')).href, import.meta.url);
  return (await import('../src/engine/index')) as Engine;
}

/** The CPU rows at `threads` threads: our wasm backend's pool and ORT-web's wasm EP with numThreads = threads. */
async function runCpuRows(engine: Engine, s: BenchSettings, caseIds: string[], threads: number, attn: AttentionModule | null) {
  const { benchInputs, degradedRows, logMeasurement, prepareOrt, prepareOurs, referenceOutput, timeInterleaved } = await import('./runners');
  const wasm = new engine.WasmBackend(await engine.loadWasm(undefined, { threads }));
  if (wasm.threads !== threads) throw new Error(`our wasm backend runs ${wasm.threads} threads, not ${threads}: ${wasm.describe()}`);
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  const measurements: Measurement[] = [];
  for (const c of selectCases(s.quick, caseIds)) {
    const inputs = benchInputs(c, s.seed);
    const ref = referenceOutput(engine, c, inputs);
    const preps = [await prepareOurs(engine, wasm, c, undefined, 'wasm', 'node', s, inputs, ref, attn), await prepareOrt(ort, c, 'ort-wasm', s, inputs, ref, 'node')];
    const results = degradedRows(wasm, threads, (await timeInterleaved(c, preps, s)).map((m) => ({ ...m, threads })));
    results.forEach((m) => logMeasurement((x) => log(`[node ${threads}t] ${x}`), m));
    measurements.push(...results);
  }
  wasm.close();
  return { measurements, wasmThreads: wasm.threads, ortWasmThreads: ort.env.wasm.numThreads ?? threads };
}

/** The CPU rows at `threads` threads in a child process (a fresh ORT-web module with that thread count). */
function cpuRowsInChild(args: Args, caseIds: string[], threads: number): Measurement[] {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'higr-bench-cpu-')), 'rows.json');
  const argv = [...process.execArgv, fileURLToPath(import.meta.url), '--wasm-child', String(threads), '--child-out', out, '--cases', caseIds.join(',')];
  if (args.quick) argv.push('--quick');
  if (args.reps) argv.push('--reps', String(args.reps));
  const r = spawnSync(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`the ${threads}-thread CPU rows failed (child exit ${r.status})`);
  const rows = JSON.parse(fs.readFileSync(out, 'utf8')) as Measurement[];
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  return rows;
}

async function runNode(args: Args, s: BenchSettings, caseIds: string[]) {
  const engine = await loadEngine();
  const { adaptAttention, benchInputs, defaultVariant, logMeasurement, prepareOursCase, referenceOutput, timeInterleaved } = await import('./runners');
  const attn: AttentionModule | null = adaptAttention(engine as unknown as Record<string, unknown>);
  const measurements: Measurement[] = [];
  const defaults: Record<string, string | null> = {};
  let gpu: Awaited<ReturnType<Engine['initWebGPU']>> | null = null;
  if (!args.wasmOnly) {
    gpu = await engine.initWebGPU();
    log(`[node] adapter: ${engine.describeAdapter(gpu.info)}`);
    for (const c of selectCases(s.quick, caseIds)) {
      log(`[node] case ${c.id}`);
      defaults[c.id] = defaultVariant(engine, gpu, c, attn);
      const inputs = benchInputs(c, s.seed);
      const ref = referenceOutput(engine, c, inputs);
      const results = await timeInterleaved(c, await prepareOursCase(engine, gpu, c, s, 'node-dawn', attn, inputs, ref), s);
      results.forEach((m) => logMeasurement((x) => log(`[node] ${x}`), m));
      measurements.push(...results);
    }
  }
  // CPU side at equal threads: our wasm SIMD backend and onnxruntime-web's wasm EP, 1 thread here, others in children
  const threadRows: { threads: number; wasmThreads: number; ortWasmThreads: number }[] = [];
  for (const t of args.wasmThreads) {
    if (t === 1) {
      const r = await runCpuRows(engine, s, caseIds, 1, attn);
      measurements.push(...r.measurements);
      threadRows.push({ threads: 1, wasmThreads: r.wasmThreads, ortWasmThreads: r.ortWasmThreads });
    } else {
      log(`[node] CPU rows at ${t} threads (child process)`);
      measurements.push(...cpuRowsInChild(args, caseIds, t));
      threadRows.push({ threads: t, wasmThreads: t, ortWasmThreads: t });
    }
  }
  const { measureDispatchOverhead, logDispatch } = await import('./dispatch');
  const nn = await import('../src/models/nn');
  const dispatchOverhead = gpu ? await measureDispatchOverhead(engine as never, gpu as never, { reps: s.quick ? 15 : 30, clock: nodeDispatchClock(), nn }) : [];
  dispatchOverhead.forEach((d) => logDispatch((x) => log(`[node] ${x}`), d));
  return {
    adapter: gpu ? engine.describeAdapter(gpu.info) : null,
    info: gpu?.info ?? null,
    defaults,
    measurements,
    attentionModule: !!attn,
    wasmThreads: threadRows.find((r) => r.threads === 1)?.wasmThreads ?? null,
    ortWasmThreads: threadRows.find((r) => r.threads === 1)?.ortWasmThreads ?? null,
    threadRows,
    dispatchOverhead,
  };
}

// ---------------------------------------------------------------- main

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const settings = defaultSettings(args.quick);
  if (args.reps) settings.reps = args.reps;
  if (args.wasmChild) {
    const engine = await loadEngine();
    const { adaptAttention } = await import('./runners');
    const ids = selectCases(args.quick, args.cases).map((c) => c.id);
    const r = await runCpuRows(engine, settings, ids, args.wasmChild, adaptAttention(engine as unknown as Record<string, unknown>));
    fs.writeFileSync(args.childOut!, JSON.stringify(r.measurements));
    return;
  }
  const unknown = (args.cases ?? []).filter((id) => !ALL_CASES.some((c) => c.id === id));
  if (unknown.length) {
    console.error(`bench:kernels: --cases: unknown case ${unknown.join(', ')} (cases: ${ALL_CASES.map((c) => c.id).join(', ')})`);
    process.exit(2);
  }
  const cases = selectCases(args.quick, args.cases);
  if (!cases.length) {
    console.error(`bench:kernels: no case matches --cases ${args.cases?.join(',')}`);
    process.exit(2);
  }
  const ids = cases.map((c) => c.id);
  const started = new Date();
  // the machine is shared (2 cores): the load average is part of the environment
  const loadAtStart = loadAverage();
  const t0 = Date.now();
  log(`bench:kernels ${args.quick ? '(quick) ' : ''}— ${cases.length} shapes, warm-up ${settings.warmup}, median of ${settings.reps} (CPU reference: ${settings.cpuReps})`);

  const problems: string[] = [];
  let browser: Awaited<ReturnType<typeof runBrowser>> | null = null;
  if (args.browser) {
    try {
      browser = await runBrowser(settings, ids, args.wasmThreads, args.wasmOnly);
      problems.push(...browser.errors.map((e) => `chromium: ${e}`));
    } catch (e) {
      problems.push(`chromium half failed: ${(e as Error).message.split('\n')[0]}`);
      log(`[browser] FAILED: ${(e as Error).stack}`);
    }
  }
  let node: Awaited<ReturnType<typeof runNode>> | null = null;
  if (args.node) {
    try {
      node = await runNode(args, settings, ids);
      if (!node.attentionModule) problems.push('node: the engine exports no attention op: no attention figures for our kernels');
    } catch (e) {
      problems.push(`node/Dawn half failed: ${(e as Error).message.split('\n')[0]}`);
      log(`[node] FAILED: ${(e as Error).stack}`);
    }
  }

  const measurements = [...(browser?.measurements ?? []), ...(node?.measurements ?? [])];
  const defaults = { ...(node?.defaults ?? {}), ...(browser?.defaults ?? {}) };
  const { dispatchTable } = await import('./dispatch');
  const dispatchRows = [...(node?.dispatchOverhead ?? []), ...(browser?.dispatchOverhead ?? [])];
  const dispatchMd = dispatchRows.length
    ? '\n\nHost cost per dispatch (method in bench/dispatch.ts; batched = one command encoder submitted at the readback, unbatched = one submit per dispatch; ' +
      'Chromium has no thread CPU clock):\n\n' +
      dispatchTable(dispatchRows) +
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
      ...machineEnvironment(loadAtStart),
      nodeAdapter: node?.adapter ?? null,
      nodeWasmThreads: node?.wasmThreads ?? null,
      nodeOrtWasmThreads: node?.ortWasmThreads ?? null,
      /** every thread count of the CPU rows (ours = our wasm pool, ORT = numThreads): ratios[].byThreads */
      nodeCpuThreads: node?.threadRows ?? [],
      nodeAdapterLimits: node?.info?.limits ?? null,
      browser: browser ? `Chromium ${browser.browserVersion} (${CHROMIUM}, headless, ${CHROMIUM_ARGS.join(' ')})` : null,
      /** chromium.cpuThreads[]: one entry per page thread count (ratios[].chromiumByThreads) */
      ...(browser ? { chromium: { ...browser.environment, cpuThreads: browser.cpuThreads } } : {}),
    },
    cases: cases.map((c) => ({ ...c, shape: shapeLabel(c), flop: flops(c), defaultVariant: defaults[c.id] ?? null })),
    ratios: rs,
    target:
      'issue 2 item 7: our kernels >= 2x ORT-web WebGPU on the same adapter (ratio bestOverOrt / defaultOverOrt >= 2); ' +
      'issue 13: our wasm matmul >= 0.7x ORT-web wasm at equal threads, transposed operands included (wasmOverOrtWasm at 1 thread; ' +
      'byThreads[].wasmOverOrtWasm per thread count in Node, chromiumByThreads[].wasmOverOrtWasm in Chromium)',
    problems,
    measurements,
    dispatchOverhead: dispatchRows,
    dispatchTarget: 'issue 14: host time per dispatch <= 30 µs batched',
  };

  writeBenchReport({
    out: args.out,
    name: 'bench-kernels',
    result,
    header: [
      `# bench:kernels — ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${args.quick ? ' (quick)' : ''}`,
      '',
      `Generated by \`npm run bench:kernels${args.quick ? ' -- --quick' : ''}\`; method in docs/bench-kernels.md. ` +
        `Warm-up ${settings.warmup}, median of ${settings.reps} (CPU reference ${settings.cpuReps}); ${Math.round(seconds)} s in all.`,
      '',
      `- Chromium adapter (ours): ${browser?.environment.ourAdapter ?? 'n/a'}`,
      `- ORT-web's device adapter: ${browser ? JSON.stringify(browser.environment.ortAdapter) : 'n/a'}; ORT ${browser?.environment.ortVersion ?? 'n/a'}`,
      `- CPU rows at threads ${args.wasmThreads.join(', ')} on both sides (Node: ${node?.threadRows.map((r) => `${r.threads}t ours ${r.wasmThreads} / ORT ${r.ortWasmThreads}`).join(', ') ?? 'n/a'}; ` +
        `Chromium, cross-origin isolated ${browser?.environment.crossOriginIsolated ?? 'n/a'}: ${browser?.cpuThreads.map((r) => `${r.threads}t ours ${r.wasmThreads ?? 'n/a'} / ORT ${r.ortWasmThreads ?? 'n/a'}`).join(', ') ?? 'n/a'})`,
      `- Browser: ${result.environment.browser ?? 'n/a'}`,
      `- Node: ${process.version}, adapter ${node?.adapter ?? 'n/a'}; CPU ${result.environment.cpus}; load average (1/5/15 min) ${loadAtStart.join(' ')} at start, ${result.environment.loadAverageAtEnd.join(' ')} at end`,
    ],
    table,
    problems,
    seconds,
  });
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench:kernels: ${(e as Error).message}`);
    process.exit(1);
  },
);
