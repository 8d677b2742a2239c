// `npm run bench:dispatch [-- --quick] [--out <dir>] [--reps N] [--warmup N] [--n N] [--workloads add-chain,block-step]
//                          [--no-browser] [--no-node]`
//
// The engine's host cost per kernel dispatch, batched vs unbatched, in Node/Dawn (this process) and in headless
// Chromium (the same engine code bundled into bench/browser/, SwiftShader WebGPU): the measurement of bench/dispatch.ts
// on its own, without the kernel tables of bench:kernels (which runs the same rows). Prints a markdown table; writes
// <out>/bench-dispatch.json and bench-dispatch.md (default docs/results). Never asserts timings.
import path from 'node:path';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS, ROOT, runInChromium } from './browser-host';
import type { DispatchPageConfig } from './browser/main';
import { type DispatchOverhead, type Workload, dispatchTable, logDispatch, measureDispatchOverhead } from './dispatch';
import { loadAverage, machineEnvironment, nodeDispatchClock, writeBenchReport } from './machine';

interface Args {
  quick: boolean;
  out: string;
  reps: number | null;
  warmup: number | null;
  n: number | null;
  workloads: Workload[];
  browser: boolean;
  node: boolean;
}

const WORKLOADS: Workload[] = ['add-chain', 'block-step'];

function fail(msg: string): never {
  console.error(`bench:dispatch: ${msg}`);
  process.exit(1);
}

function positive(flag: string, v: string | undefined): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 1) fail(`${flag} needs a positive integer (got "${v ?? ''}")`);
  return x;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, out: path.join(ROOT, 'docs/results'), reps: null, warmup: null, n: null, workloads: WORKLOADS, browser: true, node: true };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--quick') a.quick = true;
    else if (x === '--out') a.out = path.resolve(argv[++i] ?? '');
    else if (x === '--reps') a.reps = positive('--reps', argv[++i]);
    else if (x === '--warmup') a.warmup = positive('--warmup', argv[++i]);
    else if (x === '--n') a.n = positive('--n', argv[++i]);
    else if (x === '--workloads') {
      a.workloads = (argv[++i] ?? '').split(',').filter(Boolean) as Workload[];
      const bad = a.workloads.filter((w) => !WORKLOADS.includes(w));
      if (bad.length || !a.workloads.length) fail(`--workloads: unknown workload "${bad.join(',')}" (${WORKLOADS.join(', ')})`);
    } else if (x === '--no-browser') a.browser = false;
    else if (x === '--no-node') a.node = false;
    else if (x === '--help' || x === '-h') {
      console.log('usage: npm run bench:dispatch -- [--quick] [--out dir] [--reps N] [--warmup N] [--n N] [--workloads add-chain,block-step] [--no-browser] [--no-node]');
      process.exit(0);
    } else fail(`unknown argument "${x}" (try --help)`);
  }
  return a;
}

const T0 = Date.now();
const log = (m: string) => console.log(`${((Date.now() - T0) / 1000).toFixed(1).padStart(6)} s  ${m}`);

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const options = { n: args.n ?? 400, reps: args.reps ?? (args.quick ? 15 : 40), warmup: args.warmup ?? 10, workloads: args.workloads };
  const loadAtStart = loadAverage();
  const started = new Date();
  const problems: string[] = [];
  const rows: DispatchOverhead[] = [];
  let nodeAdapter: string | null = null;
  let clockSource: string | null = null;
  if (args.node) {
    try {
      register(pathToFileURL(path.join(ROOT, 'bench/raw-hooks.mjs')).href, import.meta.url);
      const engine = await import('../src/engine/index');
      const nn = await import('../src/models/nn');
      const gpu = await engine.initWebGPU();
      nodeAdapter = engine.describeAdapter(gpu.info);
      log(`[node] adapter: ${nodeAdapter}`);
      const clock = nodeDispatchClock();
      clockSource = clock.source;
      const r = await measureDispatchOverhead(engine, gpu, { ...options, clock, nn, host: 'node-dawn' });
      r.forEach((d) => logDispatch((x) => log(`[node] ${x}`), d));
      rows.push(...r);
    } catch (e) {
      problems.push(`node/Dawn half failed: ${(e as Error).message.split('\n')[0]}`);
      log(`[node] FAILED: ${(e as Error).stack}`);
    }
  }
  let browser: { environment: Record<string, unknown>; browserVersion: string } | null = null;
  if (args.browser) {
    try {
      const cfg: DispatchPageConfig = { options };
      const r = await runInChromium<DispatchPageConfig, { environment: Record<string, unknown>; dispatchOverhead: DispatchOverhead[] }>({ html: 'index.html', fn: '__runDispatch', config: cfg, log });
      rows.push(...r.result.dispatchOverhead);
      browser = { environment: r.result.environment, browserVersion: r.browserVersion };
    } catch (e) {
      problems.push(`chromium half failed: ${(e as Error).message.split('\n')[0]}`);
      log(`[browser] FAILED: ${(e as Error).stack}`);
    }
  }
  const seconds = (Date.now() - T0) / 1000;
  const table = dispatchTable(rows);
  const result = {
    command: 'bench:dispatch',
    protocol:
      'Per row: `warmup` untimed rounds, then `reps` timed rounds of one workload on a fresh WebGPUBackend sharing the device ' +
      '(batched: the default engine; unbatched: { batching: false }, one submit per dispatch). A round records the workload ' +
      'with nothing pending (add-chain: n elementwise adds of 256 floats; block-step: forward + loss + backward + fused ' +
      'clip/AdamW of a d=32 decoder block, batch 2 x 8), then reads the result back. Per dispatch, medians over rounds: host = ' +
      'wall time of the synchronous recording; run-queue wait of the recording thread from /proc/self/task/<pid>/schedstat ' +
      '(Node on Linux only) and its on-CPU time = host - wait; process CPU = process.cpuUsage (all threads); wall = until ' +
      'the result is on the CPU. The ' +
      'host-time target (issue 14: <= 30 us per dispatch batched) is judged on the median; on a loaded machine the ' +
      'run-queue wait column says how much of it is time not spent running.',
    settings: options,
    seed: 5,
    date: started.toISOString(),
    durationSeconds: Math.round(seconds),
    environment: {
      ...machineEnvironment(loadAtStart),
      nodeAdapter,
      threadClock: clockSource,
      browser: browser ? `Chromium ${browser.browserVersion} (${CHROMIUM}, headless, ${CHROMIUM_ARGS.join(' ')})` : null,
      ...(browser ? { chromium: browser.environment } : {}),
    },
    target: 'issue 14: host time per dispatch <= 30 µs batched',
    problems,
    dispatchOverhead: rows,
  };
  writeBenchReport({
    out: args.out,
    name: 'bench-dispatch',
    result,
    header: [
      `# bench:dispatch — ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${args.quick ? ' (quick)' : ''}`,
      '',
      `Generated by \`npm run bench:dispatch${args.quick ? ' -- --quick' : ''}\`; method in bench/dispatch.ts and docs/engine.md. ` +
        `Warm-up ${options.warmup} rounds, median of ${options.reps}; ${Math.round(seconds)} s in all.`,
      '',
      `- Node: ${process.version}, adapter ${nodeAdapter ?? 'n/a'}; thread clock ${clockSource ?? 'n/a'}; CPU ${result.environment.cpus}`,
      `- Browser: ${result.environment.browser ?? 'n/a'}`,
      `- Load average (1/5/15 min): ${loadAtStart.join(' ')} at start, ${result.environment.loadAverageAtEnd.join(' ')} at end`,
    ],
    table,
    problems,
    seconds,
  });
  if (!rows.length) process.exit(1);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench:dispatch: ${(e as Error).message}`);
    process.exit(1);
  },
);
