// `npm run bench:tokenizer [-- --seeds 1] [--backends cpu,auto] [--threads N] [--quick] [--out dir] [--keep]`
//
// The tokenizer comparison end to end on two backends in one run: `higr tokenizers` (CRQ-VAE, RQ-VAE, RQ-KMeans on
// all 10,728 KuaiRec items, default schedule, no λ2 = 0 ablation) as a separate process per backend, one after the
// other, on the same seeds. Writes <out>/bench-tokenizer.json and .md: wall seconds per backend (the whole process:
// data loading, pairs, training, metrics), the speed ratio of the first backend over the others (issue 13 target:
// auto >= 5x the CPU reference), and every method's metrics side by side with their difference and a noise figure —
// the std over the seeds of this run when there are several, else the per-seed std of the parity run
// (docs/results/tokenizer-parity.json, >= 10 seeds per backend), "within noise" meaning |difference| <= 1.96·√(2/n)·std
// for means over n seeds per backend (the spread of a difference of two such means). The statistical verdict over many
// seeds is bench:tokenizer-parity's (Welch CI); this table is a quick look at the seeds of one timing run. Both processes run with `--no-cache`
// (the semantic-neighbour disk cache would hand the second process what the first computed; `--cache` keeps it and
// says so), and every backend's phase times (tokenizers.json `phases`) are tabled side by side. Benchmarks never assert timings.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAverage, machineEnvironment } from './machine';
import { backendsProblem, parseBenchFlags, runTokenizersProcess } from './tokenizers-process';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const METRICS = ['collisionRate', 'consistencyKappa', 'consistency', 'concentration'] as const;

interface Args {
  seeds: string;
  backends: string[];
  threads?: string;
  quick: boolean;
  out: string;
  keep: boolean;
  /** let the runs use the semantic-neighbour disk cache (default off: each process computes its own) */
  cache: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { seeds: '1', backends: ['cpu', 'auto'], quick: false, out: path.join(ROOT, 'docs/results'), keep: false, cache: false };
  const f = parseBenchFlags(argv, ['--seeds', '--backends', '--threads', '--out'], ['--quick', '--keep', '--cache'], 'usage: npm run bench:tokenizer -- [--seeds 1|0,1,2] [--backends cpu,auto] [--threads N] [--quick] [--out dir] [--keep] [--cache]', fail);
  const v = (k: string) => f.get(k) as string | undefined;
  if (v('--seeds')) a.seeds = v('--seeds')!;
  if (v('--backends')) a.backends = v('--backends')!.split(',').filter(Boolean);
  if (v('--threads')) a.threads = v('--threads');
  if (v('--out')) a.out = path.resolve(v('--out')!);
  a.quick = f.has('--quick');
  a.keep = f.has('--keep');
  a.cache = f.has('--cache');
  const problem = backendsProblem(a.backends);
  if (problem) fail(problem);
  return a;
}

function fail(msg: string): never {
  console.error(`bench:tokenizer: ${msg}`);
  process.exit(2);
}

interface MethodResult {
  method: string;
  summary: Record<string, { mean: number; std: number; n: number }>;
}
interface Phases {
  load: number;
  features: number;
  neighbours: number;
  pairs: number;
  train: Record<string, number>;
  metrics: number;
  other: number;
  total: number;
}
interface TokenizersJson {
  wallSeconds: number;
  phases?: Phases;
  environment: { backend: string; backendReason: string; backendDetail: string; threads?: number; fallbacks?: unknown[] };
  results: MethodResult[];
  settings?: { semanticNeighbourCache?: string };
}

/** Run `higr tokenizers` on one backend in its own process; resolves to its JSON and the process's wall seconds. */
function runTokenizers(backend: string, a: Args, out: string): Promise<{ json: TokenizersJson; processSeconds: number }> {
  const args = ['--backend', backend, '--seeds', a.seeds, '--no-ablation'];
  if (a.quick) args.push('--quick');
  if (a.threads) args.push('--threads', a.threads);
  if (!a.cache) args.push('--no-cache');
  return runTokenizersProcess<TokenizersJson>(ROOT, `bench:tokenizer: [${backend}]`, args, out);
}

/**
 * The seed noise per (method, metric) for a comparison with few seeds: the larger sample std (n − 1) of the backends in
 * docs/results/tokenizer-parity.json (npm run bench:tokenizer-parity, >= 10 seeds per backend for the VAEs), else the
 * committed multi-seed run's std (docs/results/tokenizers.json, 3 seeds: understates the noise, docs/tokenizers.md).
 */
function committedNoise(): { source: string; std: Map<string, number> } | null {
  const parity = path.join(ROOT, 'docs/results/tokenizer-parity.json');
  if (fs.existsSync(parity)) {
    const j = JSON.parse(fs.readFileSync(parity, 'utf8')) as { comparisons: { method: string; metric: string; backends: { n: number; sd: number }[] }[] };
    const std = new Map<string, number>();
    for (const c of j.comparisons) std.set(`${c.method}|${c.metric}`, Math.max(...c.backends.map((b) => b.sd)));
    if (std.size) return { source: 'the larger sample std of the backends in docs/results/tokenizer-parity.json (seeds per method and backend listed there)', std };
  }
  const file = path.join(ROOT, 'docs/results/tokenizers.json');
  if (!fs.existsSync(file)) return null;
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as TokenizersJson;
  const std = new Map<string, number>();
  for (const r of j.results) for (const m of METRICS) if (r.summary[m] && r.summary[m].n > 1) std.set(`${r.method}|${m}`, r.summary[m].std);
  if (!std.size) return null;
  const n = j.results[0]?.summary[METRICS[0]]?.n ?? 0;
  return { source: `std over the ${n} seeds of docs/results/tokenizers.json (${j.environment.backend})`, std };
}

const f4 = (x: number | null) => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(4));

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const started = new Date();
  const loadAtStart = loadAverage();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'higr-bench-tokenizer-'));
  const runs: { backend: string; json: TokenizersJson; processSeconds: number }[] = [];
  try {
    for (const b of a.backends) {
      const out = path.join(tmp, b);
      fs.mkdirSync(out, { recursive: true });
      runs.push({ backend: b, ...(await runTokenizers(b, a, out)) });
      console.log(`bench:tokenizer: [${b}] ${runs[runs.length - 1].processSeconds.toFixed(1)} s end to end`);
    }
  } finally {
    if (!a.keep) fs.rmSync(tmp, { recursive: true, force: true });
  }
  const base = runs[0];
  const multiSeed = (base.json.results[0]?.summary[METRICS[0]]?.n ?? 1) > 1;
  const committed = multiSeed ? null : committedNoise();
  const noiseSource = multiSeed ? 'the larger std over this run’s seeds of the two backends' : (committed?.source ?? 'none available');
  const rows = runs.map((r) => ({
    backend: r.backend,
    kind: r.json.environment.backend,
    backendDetail: r.json.environment.backendDetail,
    backendReason: r.json.environment.backendReason,
    threads: r.json.environment.threads ?? 1,
    fallbacks: r.json.environment.fallbacks ?? [],
    processSeconds: Math.round(r.processSeconds * 10) / 10,
    commandWallSeconds: Math.round(r.json.wallSeconds * 10) / 10,
    speedupOverFirst: Math.round((base.processSeconds / r.processSeconds) * 100) / 100,
    semanticNeighbourCache: r.json.settings?.semanticNeighbourCache ?? 'unknown',
    phases: r.json.phases ?? null,
  }));
  // phase by phase, every backend side by side (seconds; train per method, summed over seeds)
  const methods = [...new Set(rows.flatMap((r) => Object.keys(r.phases?.train ?? {})))];
  const phaseRows: [string, (p: Phases) => number][] = [
    ['load', (p) => p.load],
    ['features', (p) => p.features],
    ['semantic neighbours', (p) => p.neighbours],
    ['pairs', (p) => p.pairs],
    ...methods.map((m): [string, (p: Phases) => number] => [`train ${m}`, (p) => p.train[m] ?? NaN]),
    ['metrics', (p) => p.metrics],
    ['other', (p) => p.other],
    ['total (command)', (p) => p.total],
  ];
  const phaseTable = [
    `| phase | ${rows.map((r) => `${r.backend} (s)`).join(' | ')} | ${rows.slice(1).map((r) => `${base.backend} / ${r.backend}`).join(' | ')} |`,
    `|---|${rows.map(() => '---:').join('|')}|${rows.slice(1).map(() => '---:').join('|')}|`,
    ...phaseRows.map(([label, get]) => {
      const v = rows.map((r) => (r.phases ? get(r.phases) : NaN));
      const ratio = v.slice(1).map((x) => (Number.isFinite(v[0]) && Number.isFinite(x) && x > 0 ? `${(v[0] / x).toFixed(2)}×` : '—'));
      return `| ${label} | ${v.map((x) => (Number.isFinite(x) ? x.toFixed(1) : '—')).join(' | ')} | ${ratio.join(' | ')} |`;
    }),
  ].join('\n');
  const metrics: { method: string; metric: string; backend: string; first: number; other: number; diff: number; noise: number | null; withinNoise: boolean | null }[] = [];
  for (const r of runs.slice(1)) {
    for (const m0 of base.json.results) {
      const m1 = r.json.results.find((x) => x.method === m0.method);
      if (!m1) continue;
      for (const k of METRICS) {
        const x = m0.summary[k]?.mean, y = m1.summary[k]?.mean;
        if (x === undefined || y === undefined) continue;
        const noise = multiSeed ? Math.max(m0.summary[k].std, m1.summary[k].std) : (committed?.std.get(`${m0.method}|${k}`) ?? null);
        const diff = y - x;
        const nSeeds = Math.min(m0.summary[k].n ?? 1, m1.summary[k].n ?? 1);
        metrics.push({ method: m0.method, metric: k, backend: r.backend, first: x, other: y, diff, noise, withinNoise: noise === null ? null : Math.abs(diff) <= 1.96 * Math.sqrt(2 / nSeeds) * noise });
      }
    }
  }
  const timeTable = [
    '| backend | selected | threads | end to end (s) | command wall (s) | speed vs ' + base.backend + ' |',
    '|---|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.backend} | ${r.backendDetail} | ${r.threads} | ${r.processSeconds.toFixed(1)} | ${r.commandWallSeconds.toFixed(1)} | ${r.speedupOverFirst.toFixed(2)}× |`),
  ].join('\n');
  const metricTable = [
    `| method | metric | ${base.backend} | other | backend | difference | noise (std) | within 1.96·√(2/n)·std |`,
    '|---|---|---:|---:|---|---:|---:|---|',
    ...metrics.map((m) => `| ${m.method} | ${m.metric} | ${f4(m.first)} | ${f4(m.other)} | ${m.backend} | ${f4(m.diff)} | ${f4(m.noise)} | ${m.withinNoise === null ? '—' : m.withinNoise ? 'yes' : 'NO'} |`),
  ].join('\n');
  const result = {
    command: 'bench:tokenizer',
    protocol:
      'Each backend runs `higr tokenizers --no-ablation` (all items, default schedule, the same seeds) in its own Node ' +
      'process, one after the other; end-to-end seconds = the whole process (data loading, pair mining, training of ' +
      'CRQ-VAE, RQ-VAE and RQ-KMeans, metrics); command wall = the command’s own wallSeconds. Speed = first backend’s ' +
      `seconds / this backend’s. Metrics: mean over seeds; noise: ${noiseSource}; within noise = |difference| <= 1.96·√(2/n)·std (n seeds per backend; the verdict over many seeds: npm run bench:tokenizer-parity).`,
    settings: {
      seeds: a.seeds,
      backends: a.backends,
      threads: a.threads ?? 'default (hardwareConcurrency, capped at 8)',
      quick: a.quick,
      ablation: false,
      semanticNeighbourCache: a.cache ? 'allowed (--cache): a later process may reuse what an earlier one wrote; see rows[].semanticNeighbourCache' : 'off: every process runs with --no-cache and computes its own semantic neighbours',
    },
    date: started.toISOString(),
    environment: {
      ...machineEnvironment(loadAtStart),
    },
    rows,
    target: 'issue 13: `higr tokenizers` on all 10,728 items >= 5x faster end to end on auto than on the CPU reference, same metrics within seed noise',
    speedup: rows.length > 1 ? rows[rows.length - 1].speedupOverFirst : null,
    noiseSource,
    metrics,
  };
  fs.mkdirSync(a.out, { recursive: true });
  fs.writeFileSync(path.join(a.out, 'bench-tokenizer.json'), JSON.stringify(result, null, 2) + '\n');
  const md = [
    `# bench:tokenizer — ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${a.quick ? ' (quick)' : ''}`,
    '',
    `Generated by \`npm run bench:tokenizer${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`. ${result.protocol}`,
    '',
    `Node ${process.version}; CPU ${result.environment.cpus}; load average (1/5/15 min) ${loadAtStart.join(' ')} at start, ${result.environment.loadAverageAtEnd.join(' ')} at end.`,
    '',
    timeTable,
    '',
    'Phases (wall seconds, from each run’s tokenizers.json `phases`; train = per method, summed over seeds; metrics = every catalogue evaluation):',
    '',
    phaseTable,
    '',
    metricTable,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(a.out, 'bench-tokenizer.md'), md);
  console.log('\n' + timeTable + '\n\n' + phaseTable + '\n\n' + metricTable);
  console.log(`wrote ${path.relative(ROOT, path.join(a.out, 'bench-tokenizer.json'))} and bench-tokenizer.md`);
}

main().catch((e) => {
  console.error(`bench:tokenizer: ${(e as Error).message}`);
  process.exit(1);
});
