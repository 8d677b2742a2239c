// `npm run bench:tokenizer-parity [-- --seeds 0-9] [--seeds-for 'rq-kmeans=0-2;crq-vae@cpu=0-4'] [--backends cpu,wasm] [--methods rq-kmeans,rq-vae,crq-vae]
//                                    [--cache docs/results/tokenizer-runs] [--out docs/results] [--cached-only] [--render] [--no-doc]`
//
// Issue 13's "same metrics within seed noise" between backends, as a statistical comparison over many seeds. For every
// backend and method, `higr tokenizers --run-cache <cache>` (full catalogue, default schedule, no λ2 = 0 ablation) is run
// in its own process on the method's seeds: seeds already in the run cache (same method, seed, settings, data, backend
// and code version) are reused, the others trained and added, so seeds accumulate across invocations. Then per method
// and metric: mean ± sample std (n − 1) per backend, the difference (each other backend − the first) with its 95%
// Welch confidence interval (unequal variances, Welch–Satterthwaite df) and a verdict: "identical on every seed" (the
// same value on every shared seed, no spread between backends), "within seed noise" (the CI contains 0) or
// "systematic: +x (CI …)". Writes <out>/tokenizer-parity.json (per-seed values, the comparison, the cache files used)
// and tokenizer-parity.md, and the table into docs/tokenizers.md between <!-- bench:tokenizer-parity --> markers.
// `--render` rebuilds the markdown and the docs section from the JSON alone (no run); `--cached-only` trains nothing.
// `--seeds-for` overrides the seeds of a method (`m=list`) or of a method on one backend (`m@backend=list`); RQ-KMeans
// defaults to seeds 0-2 (its runs are identical seed by seed on both backends, and cost more on the CPU reference).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleMeanSd, welchTTest } from '../src/eval/significance';
import { writeDocSection } from './doc-section';
import { loadAverage, machineEnvironment } from './machine';
import { backendsProblem, parseBenchFlags, runTokenizersProcess } from './tokenizers-process';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const METHODS = { 'rq-kmeans': 'RQ-Kmeans', 'rq-vae': 'RQ-VAE', 'crq-vae': 'CRQ-VAE' } as const;
type MethodId = keyof typeof METHODS;
/** the compared figures: Table 2's three columns, the chance-corrected and inductive consistency, reconstruction */
export const PARITY_METRICS = [
  { id: 'collisionRate', label: 'collision' },
  { id: 'consistencyKappa', label: 'consistency κ' },
  { id: 'consistency', label: 'consistency (s1)' },
  { id: 'consistencyInductiveKappa', label: 'inductive κ' },
  { id: 'concentration', label: 'concentration' },
  { id: 'reconRel', label: 'recon (rel.)' },
] as const;

interface Args {
  seeds: number[];
  /** per method, or per `method@backend`: seeds other than --seeds */
  seedsFor: Record<string, number[]>;
  backends: string[];
  methods: MethodId[];
  cache: string;
  out: string;
  cachedOnly: boolean;
  render: boolean;
  doc: boolean;
  threads?: string;
  /** why some method/backend has fewer seeds (printed under the table) */
  note?: string;
}

/** `0-9`, `0,1,2` or `0-2,5`. */
export function parseSeedList(v: string, flag: string): number[] {
  const out: number[] = [];
  for (const part of v.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) fail(`${flag}: "${part}" is not a seed or a range a-b (e.g. 0-9 or 0,1,2)`);
    for (let s = Number(m[1]); s <= Number(m[2] ?? m[1]); s++) if (!out.includes(s)) out.push(s);
  }
  if (!out.length) fail(`${flag}: no seeds`);
  return out;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { seeds: parseSeedList('0-9', '--seeds'), seedsFor: { 'rq-kmeans': parseSeedList('0-2', '--seeds-for') }, backends: ['cpu', 'wasm'], methods: ['rq-kmeans', 'rq-vae', 'crq-vae'], cache: path.join(ROOT, 'docs/results/tokenizer-runs'), out: path.join(ROOT, 'docs/results'), cachedOnly: false, render: false, doc: true };
  const usage = 'usage: npm run bench:tokenizer-parity -- [--seeds 0-9] [--seeds-for "rq-kmeans=0-2;crq-vae@cpu=0-4"] [--backends cpu,wasm] [--methods rq-kmeans,rq-vae,crq-vae] [--cache dir] [--out dir] [--threads N] [--note "why fewer seeds"] [--cached-only] [--render] [--no-doc]';
  const f = parseBenchFlags(argv, ['--seeds', '--seeds-for', '--backends', '--methods', '--cache', '--out', '--threads', '--note'], ['--cached-only', '--render', '--no-doc'], usage, fail);
  const v = (k: string) => f.get(k) as string | undefined;
  if (v('--seeds')) a.seeds = parseSeedList(v('--seeds')!, '--seeds');
  for (const part of (v('--seeds-for') ?? '').split(';').map((x) => x.trim()).filter(Boolean)) {
    const m = /^([a-z-]+)(?:@([a-z]+))?=(.+)$/.exec(part);
    if (!m || !(m[1] in METHODS)) fail(`--seeds-for: "${part}" is not <method>[@<backend>]=<seeds> with a method of ${Object.keys(METHODS).join(', ')}`);
    a.seedsFor[m[2] ? `${m[1]}@${m[2]}` : m[1]] = parseSeedList(m[3], '--seeds-for');
  }
  if (v('--backends')) a.backends = v('--backends')!.split(',').filter(Boolean);
  if (v('--methods')) a.methods = v('--methods')!.split(',').filter(Boolean) as MethodId[];
  if (v('--cache')) a.cache = path.resolve(v('--cache')!);
  if (v('--out')) a.out = path.resolve(v('--out')!);
  a.threads = v('--threads');
  a.note = v('--note');
  a.cachedOnly = f.has('--cached-only');
  a.render = f.has('--render');
  a.doc = !f.has('--no-doc');
  const problem = backendsProblem(a.backends);
  if (problem) fail(problem);
  const badM = a.methods.find((m) => !(m in METHODS));
  if (badM) fail(`--methods: "${badM}" is not one of ${Object.keys(METHODS).join(', ')}`);
  return a;
}

function fail(msg: string): never {
  console.error(`bench:tokenizer-parity: ${msg}`);
  process.exit(2);
}

interface SeedFigures {
  seed: number;
  metrics: Record<string, number | null>;
}
interface TokenizersJson {
  environment: { backend: string; backendDetail: string; threads?: number };
  settings: { train: Record<string, unknown>; items: number; featureDim: number };
  runCache: { dir: string; codeVersion: string; cachedRuns: { method: string; seed: number; file: string }[]; files: string[] } | null;
  results: { method: string; seeds: { seed: number; seconds: number; metrics: Record<string, unknown> }[] }[];
}

/** One `higr tokenizers` process: this backend, these methods and seeds, through the run cache. */
async function runTokenizers(backend: string, methods: MethodId[], seeds: number[], a: Args, out: string): Promise<TokenizersJson> {
  const args = ['--backend', backend, '--methods', methods.join(','), ...(seeds.length === 1 ? ['--seed', String(seeds[0]), '--seeds', '1'] : ['--seeds', seeds.join(',')]), '--no-ablation', '--run-cache', a.cache];
  if (a.threads) args.push('--threads', a.threads);
  if (a.cachedOnly) args.push('--cached-only');
  return (await runTokenizersProcess<TokenizersJson>(ROOT, `bench:tokenizer-parity: [${backend}]`, args, out)).json;
}

export interface Comparison {
  method: string;
  metric: string;
  label: string;
  backends: { backend: string; n: number; seeds: number[]; mean: number; sd: number }[];
  /** against the first backend */
  versus: { backend: string; diff: number; ci95: [number, number]; df: number; p: number; identicalSeeds: number; sharedSeeds: number; verdict: string }[];
}

/** Per (method, metric): both backends' mean ± sample std, Welch difference and CI, and the verdict. */
export function compare(perSeed: Record<string, Record<string, SeedFigures[]>>, backends: string[]): Comparison[] {
  const out: Comparison[] = [];
  for (const method of Object.keys(perSeed)) {
    for (const m of PARITY_METRICS) {
      const vals = (b: string) => (perSeed[method][b] ?? []).filter((s) => typeof s.metrics[m.id] === 'number' && Number.isFinite(s.metrics[m.id]));
      if (backends.some((b) => vals(b).length < 2)) continue;
      const bs = backends.map((b) => {
        const st = sampleMeanSd(vals(b).map((s) => s.metrics[m.id] as number));
        return { backend: b, n: st.n, seeds: vals(b).map((s) => s.seed), mean: st.mean, sd: st.sd };
      });
      const first = vals(backends[0]);
      const versus = backends.slice(1).map((b) => {
        const other = vals(b);
        const w = welchTTest(first.map((s) => s.metrics[m.id] as number), other.map((s) => s.metrics[m.id] as number));
        const shared = first.filter((s) => other.some((o) => o.seed === s.seed));
        const identical = shared.filter((s) => other.find((o) => o.seed === s.seed)!.metrics[m.id] === s.metrics[m.id]).length;
        const verdict =
          shared.length === first.length && shared.length === other.length && identical === shared.length
            ? 'identical on every seed'
            : w.ci[0] <= 0 && 0 <= w.ci[1]
              ? 'within seed noise'
              : `systematic: ${w.diff > 0 ? '+' : ''}${w.diff.toFixed(4)} (CI ${w.ci[0].toFixed(4)} … ${w.ci[1].toFixed(4)})`;
        return { backend: b, diff: w.diff, ci95: w.ci, df: w.df, p: w.p, identicalSeeds: identical, sharedSeeds: shared.length, verdict };
      });
      out.push({ method, metric: m.id, label: m.label, backends: bs, versus });
    }
  }
  return out;
}

const f4 = (x: number) => x.toFixed(4);
const seedRange = (s: number[]) => {
  const sorted = [...s].sort((a, b) => a - b);
  const contiguous = sorted.every((x, i) => i === 0 || x === sorted[i - 1] + 1);
  return contiguous && sorted.length > 2 ? `${sorted[0]}–${sorted[sorted.length - 1]}` : sorted.join(', ');
};

export interface ParityResult {
  command: string;
  protocol: string;
  settings: Record<string, unknown>;
  date: string;
  environment: Record<string, unknown>;
  backends: { backend: string; kind: string; detail: string; threads: number; codeVersion: string | null }[];
  perSeed: Record<string, Record<string, SeedFigures[]>>;
  cacheFiles: string[];
  comparisons: Comparison[];
  target: string;
}

/** The markdown table of a result (also what `--render` rebuilds from the JSON). */
export function renderParity(r: ParityResult): string {
  const bs = r.backends.map((b) => b.backend);
  const head = `| method | metric | ${bs.map((b) => `${b}: seeds, mean ± sd`).join(' | ')} | ${bs.slice(1).map((b) => `${b} − ${bs[0]} [95% CI]`).join(' | ')} | Welch p | verdict |`;
  const rows = r.comparisons.map((c) => {
    const v = c.versus;
    return `| ${c.method} | ${c.label} | ${c.backends.map((b) => `${seedRange(b.seeds)} (n = ${b.n}): ${f4(b.mean)} ± ${f4(b.sd)}`).join(' | ')} | ${v.map((x) => `${x.diff >= 0 ? '+' : ''}${f4(x.diff)} [${f4(x.ci95[0])}, ${f4(x.ci95[1])}]`).join(' | ')} | ${v.map((x) => (x.identicalSeeds === x.sharedSeeds && x.sharedSeeds > 0 && x.verdict.startsWith('identical') ? '—' : x.p.toFixed(3))).join(' / ')} | ${v.map((x) => (x.verdict.startsWith('systematic') ? `**${x.verdict}**` : x.verdict)).join(' / ')} |`;
  });
  const n = r.comparisons.length;
  const sys = r.comparisons.filter((c) => c.versus.some((x) => x.verdict.startsWith('systematic')));
  return [
    head,
    `|---|---|${bs.map(() => '---:').join('|')}|${bs.slice(1).map(() => '---:').join('|')}|---:|---|`,
    ...rows,
    '',
    `Backends: ${r.backends.map((b) => `${b.backend} = ${b.detail} (code version ${b.codeVersion ?? '?'})`).join('; ')}. ` +
      `Sample std (n − 1) over seeds; difference = ${bs.slice(1).join(', ')} − ${bs[0]}; 95% CI and p of Welch's t-test (unequal variances, Welch–Satterthwaite df). ` +
      `"identical on every seed": the same value on every seed on both backends. ${n} comparisons at 95%: about ${(n * 0.05).toFixed(1)} would come out "systematic" by chance alone if no figure differed` +
      (sys.length ? `; ${sys.length} did (${sys.map((c) => `${c.method} ${c.label}`).join(', ')}).` : '; none did.'),
    ...(r.settings.note ? [`Seeds: ${String(r.settings.note)}`] : []),
    `Generated by \`npm run bench:tokenizer-parity\` on ${r.date.slice(0, 16).replace('T', ' ')} UTC from the per-seed runs in \`${path.relative(ROOT, String(r.settings.cache))}\` (${r.cacheFiles.length} files; JSON: \`docs/results/tokenizer-parity.json\`).`,
  ].join('\n');
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const jsonFile = path.join(a.out, 'tokenizer-parity.json');
  let result: ParityResult;
  if (a.render) {
    if (!fs.existsSync(jsonFile)) fail(`--render: ${jsonFile} does not exist (run without --render first)`);
    result = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as ParityResult;
  } else {
    const started = new Date();
    const loadAtStart = loadAverage();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'higr-tok-parity-'));
    const perSeed: ParityResult['perSeed'] = {};
    const backends: ParityResult['backends'] = [];
    const cacheFiles = new Set<string>();
    try {
      for (const b of a.backends) {
        // one process per seed list (RQ-KMeans may use fewer seeds)
        const groups = new Map<string, MethodId[]>();
        for (const m of a.methods) {
          const s = (a.seedsFor[`${m}@${b}`] ?? a.seedsFor[m] ?? a.seeds).join(',');
          groups.set(s, [...(groups.get(s) ?? []), m]);
        }
        let env: TokenizersJson['environment'] | null = null, codeVersion: string | null = null;
        for (const [s, methods] of groups) {
          const out = path.join(tmp, `${b}-${methods.join('-')}`);
          fs.mkdirSync(out, { recursive: true });
          const j = await runTokenizers(b, methods, s.split(',').map(Number), a, out);
          env = j.environment;
          codeVersion = j.runCache?.codeVersion ?? null;
          for (const f of j.runCache?.files ?? []) cacheFiles.add(path.relative(ROOT, path.resolve(ROOT, f)));
          for (const r of j.results) {
            perSeed[r.method] ??= {};
            perSeed[r.method][b] = r.seeds.map((x) => ({ seed: x.seed, metrics: Object.fromEntries(PARITY_METRICS.map((m) => [m.id, (x.metrics[m.id] as number | null | undefined) ?? null])) }));
          }
        }
        backends.push({ backend: b, kind: env!.backend, detail: env!.backendDetail, threads: env!.threads ?? 1, codeVersion });
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    result = {
      command: 'bench:tokenizer-parity',
      protocol:
        'Per backend and method, `higr tokenizers --no-ablation --run-cache <cache>` (all 10,728 items, default schedule) on the listed seeds; ' +
        'seeds found in the run cache (same method, seed, settings, data, backend and code version) are reused, the others trained. ' +
        'Per metric: mean and sample std (n − 1) per backend; difference to the first backend with a 95% Welch CI; verdict: identical on every seed / within seed noise (CI contains 0) / systematic.',
      settings: { seeds: a.seeds, seedsFor: a.seedsFor, backends: a.backends, methods: a.methods, cache: a.cache, threads: a.threads ?? 'default', cachedOnly: a.cachedOnly, note: a.note ?? null },
      date: started.toISOString(),
      environment: machineEnvironment(loadAtStart),
      backends,
      perSeed,
      cacheFiles: [...cacheFiles].sort(),
      comparisons: compare(perSeed, a.backends),
      target: 'issue 13: `higr tokenizers` on auto ≥ 5× faster end to end than on the CPU reference, same metrics within seed noise',
    };
    fs.mkdirSync(a.out, { recursive: true });
    fs.writeFileSync(jsonFile, JSON.stringify(result, null, 2) + '\n');
  }
  const table = renderParity(result);
  fs.writeFileSync(path.join(a.out, 'tokenizer-parity.md'), `# Tokenizer metrics: backend parity over seeds (issue 13)\n\n${table}\n`);
  if (a.doc) writeDocSection(path.join(ROOT, 'docs/tokenizers.md'), 'tokenizer-parity', table);
  console.log('\n' + table);
  console.log(`wrote ${path.relative(ROOT, path.join(a.out, 'tokenizer-parity.md'))}${a.render ? '' : ` and ${path.relative(ROOT, jsonFile)}`}${a.doc ? ' and the section of docs/tokenizers.md' : ''}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`bench:tokenizer-parity: ${(e as Error).message}`);
    process.exit(1);
  });
}
