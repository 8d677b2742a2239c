// The tokenizer run cache (`higr tokenizers --run-cache <dir>`, committed as docs/results/tokenizer-runs/): one JSON
// file per finished (method, backend, seed) run, so seeds accumulate across invocations and a comparison over many seeds
// (bench:tokenizer-parity) can be regenerated without retraining. A record is reused only when its key matches, and the
// key covers everything the run's figures depend on:
//   - the method (label, kind, λ2) and the seed,
//   - every training setting (the full TrainConfig of the run),
//   - the backend kind that trained it (cpu / wasm / webgpu; the wasm thread count is recorded, not keyed: the kernels
//     give the same bits on 1 and 2 threads, docs/tokenizers.md), and where RQ-KMeans ran on a software adapter,
//   - the data: hashes of the feature matrix, the category labels and this seed's train / held-out / inductive pairs,
//   - the code version: a hash of the training code (the import closure of src/tokenizer/train.ts, which holds the
//     engine, its kernels, the models and the metrics) plus, for the wasm backend, the C sources and build script of
//     the wasm kernels (src/cli/code-version.ts). Any edit to those files (comments included) starts a new version.
// A run made elsewhere (another checkout, an earlier command without --run-cache) can be imported with
// `--import-runs <tokenizers.json> --import-commit <sha>`: it is accepted only if the training code at that commit has
// this code version and its settings and pair counts equal this run's. When the commit is not known (a result file
// from a checkout that is gone), `--import-verify` accepts a method's runs only after this command has seen a run of
// that method under this code version (trained, or already cached) on a seed the file also holds, and the two agree
// bit for bit on every figure (metrics, per-source consistencies, SID collisions, re-seeded codewords, loss and metric
// curves); until then the command trains (list that seed first), after a disagreement importing is an error. Either way the record says where it came from and what vouched for it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fnv1a } from '../data/fingerprint';
import { canonJson, seedRunKey } from '../eval/table1';
import { codeVersion, fsReader, gitReader, type RepoReader } from './code-version';
import { jsonRunCache } from './run-cache';

/** The repository root (this file is src/cli/tokenizer-runs.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Code version of tokenizer training on `backend` in the repository `read` gives (working tree or a commit). */
export function tokenizerCodeVersion(backend: string, read: RepoReader = fsReader(REPO_ROOT)): string {
  return codeVersion(['src/tokenizer/train.ts'], backend === 'wasm' ? ['wasm/', 'scripts/build-wasm.mjs'] : [], read).version;
}

/** FNV-1a of the bytes of each typed array (feature matrix, labels, pair lists), joined. */
export function arrayHash(...arrays: ArrayBufferView[]): string {
  return arrays.map((a) => fnv1a(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))).join('.');
}

/** Per-method file-name stem: rq-kmeans, rq-vae, crq-vae, crq-vae-l2-0 (the λ2 = 0 ablation). */
export function methodSlug(kind: string, lambda2: number | undefined, label: string): string {
  return label.includes('ablation') ? `${kind}-l2-${lambda2}` : kind;
}

export interface TokenizerRunRecord<R = unknown> {
  key: string;
  method: string;
  kind: string;
  lambda2: number;
  seed: number;
  backend: string;
  codeVersion: string;
  /** what the key was computed from besides the method and seed */
  settings: unknown;
  context: Record<string, unknown>;
  createdAt: string;
  /** 'trained' (by this command, in this checkout) or where an imported run came from */
  provenance: 'trained' | { importedFrom: string; commit: string | null; verifiedBy?: string; importedAt: string };
  environment: Record<string, unknown>;
  /** the run's figures, exactly as in tokenizers.json `results[].seeds[]` (plus label/kind/lambda2) */
  run: R;
}

export function tokenizerRunKey(method: string, seed: number, settings: unknown, context: Record<string, unknown>): string {
  return seedRunKey(method, seed, settings as Record<string, unknown>, context);
}

export function tokenizerRunCache<R>(dir: string) {
  const c = jsonRunCache<TokenizerRunRecord<R>>(dir);
  const name = (r: { method: string; kind: string; lambda2: number; backend: string; seed: number; key: string }) => `${methodSlug(r.kind, r.lambda2, r.method)}-${r.backend}-s${r.seed}-${r.key}`;
  return {
    dir,
    file: (r: Parameters<typeof name>[0]) => path.join(dir, `${name(r)}.json`),
    get: (r: Parameters<typeof name>[0]) => c.get(name(r), r.key),
    put: (r: TokenizerRunRecord<R>) => c.put(name(r), r),
  };
}

/** An earlier `higr tokenizers` result file whose per-seed runs may be imported (checked against this run). */
export interface ImportSource {
  file: string;
  /** the commit the file was made at (code-version check), or null: --import-verify (reproduction check) */
  commit: string | null;
  json: {
    settings: { backend: string; items: number; featureDim: number; train: { seed: number } & Record<string, unknown>; rqKmeansBackend?: string };
    pairs: ({ seed: number } & Record<string, unknown>)[];
    environment: Record<string, unknown>;
    results: { method: string; kind: string; lambda2?: number; seeds: ({ seed: number } & Record<string, unknown>)[] }[];
  };
  /** the code version of the training code at `commit` for the file's backend (null without a commit) */
  codeVersion: string | null;
  /** --import-verify: per method, the seed whose run this command reproduced bit for bit (or why it could not) */
  verified: Map<string, { seed: number } | { refuted: string }>;
}

export function importSource(file: string, json: ImportSource['json'], commit: string | null): ImportSource {
  if (!json?.settings?.train || !Array.isArray(json.results) || !Array.isArray(json.pairs)) throw new Error(`${file}: not a higr tokenizers result (settings.train, pairs, results)`);
  return { file, commit, json, codeVersion: commit === null ? null : tokenizerCodeVersion(json.settings.backend, gitReader(REPO_ROOT, commit)), verified: new Map() };
}

/** The figures a reproduced run must match bit for bit (everything but timings and the backend label). */
const REPRODUCED = ['metrics', 'consistencySemanticPairs', 'consistencyCooccurrencePairs', 'consistencySemanticInductive', 'consistencyCooccurrenceInductive', 'sidCollisions', 'reseededCodewords', 'steps', 'lossCurves', 'metricCurve'];

/**
 * --import-verify: a run of (method, seed) by this code version was seen (trained or cached); if the file holds the same
 * (method, seed), compare every figure and record the method as verified (or refuted, with the first differing field).
 */
export function noteReproduction(src: ImportSource, method: string, seed: number, run: Record<string, unknown>): void {
  if (src.commit !== null || src.verified.has(method)) return;
  const theirs = src.json.results.find((r) => r.method === method)?.seeds.find((s) => s.seed === seed);
  if (!theirs) return;
  const diff = REPRODUCED.find((k) => k in theirs && canonJson(theirs[k]) !== canonJson(run[k]));
  src.verified.set(method, diff === undefined ? { seed } : { refuted: `seed ${seed}: ${diff} differs from this code version's run` });
}

/**
 * The imported run of (method, seed) if the source holds one, else null. Throws (naming the file and what differs)
 * when it holds one that this run could not have produced: other code version, backend, settings, items or pairs.
 */
export function importedRun(
  src: ImportSource,
  want: {
    method: string;
    seed: number;
    backend: string;
    codeVersion: string;
    train: Record<string, unknown>;
    /** the current defaults of the training settings: a setting added since the file was written counts at its default */
    defaults?: Record<string, unknown>;
    items: number;
    featureDim: number;
    pairCounts: Record<string, unknown>;
    rqKmeansBackend: string;
  },
): Record<string, unknown> | null {
  const res = src.json.results.find((r) => r.method === want.method);
  const run = res?.seeds.find((s) => s.seed === want.seed);
  if (!res || !run) return null;
  const s = src.json.settings;
  const bad = (what: string) => new Error(`--import-runs ${src.file}: ${want.method} seed ${want.seed}: ${what}; not imported`);
  if (s.backend !== want.backend) throw bad(`trained on ${s.backend}, this run is on ${want.backend}`);
  if (src.commit !== null && src.codeVersion !== want.codeVersion) throw bad(`the training code at commit ${src.commit} has code version ${src.codeVersion}, this checkout ${want.codeVersion}`);
  if (src.commit === null) {
    const v = src.verified.get(want.method);
    if (!v) throw bad(`--import-verify: no run of this code version on a seed the file holds came before it (list such a seed first in --seeds, e.g. one already in the run cache)`);
    if ('refuted' in v) throw bad(`--import-verify: not reproduced (${v.refuted})`);
  }
  if (s.items !== want.items || s.featureDim !== want.featureDim) throw bad(`${s.items} items × ${s.featureDim} features there, ${want.items} × ${want.featureDim} here`);
  if ((s.rqKmeansBackend ?? s.backend) !== want.rqKmeansBackend && want.method === 'RQ-Kmeans') throw bad(`RQ-KMeans ran on ${s.rqKmeansBackend}, here on ${want.rqKmeansBackend}`);
  const withDefaults = (d: unknown, x: unknown): unknown =>
    d && typeof d === 'object' && !Array.isArray(d) && x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries([...new Set([...Object.keys(d), ...Object.keys(x)])].map((k) => [k, k in (x as object) ? withDefaults((d as Record<string, unknown>)[k], (x as Record<string, unknown>)[k]) : (d as Record<string, unknown>)[k]]))
      : x;
  const filled = withDefaults(want.defaults ?? {}, s.train) as Record<string, unknown>;
  const theirs = { ...filled, seed: want.seed, model: { ...(filled.model as object), lambda2: res.lambda2 } };
  const ours = { ...want.train, model: { ...(want.train.model as object), lambda2: res.lambda2 } };
  if (canonJson(theirs) !== canonJson(ours)) throw bad('its training settings differ from this run’s');
  const pc = src.json.pairs.find((p) => p.seed === want.seed);
  if (!pc || canonJson(pc) !== canonJson(want.pairCounts)) throw bad('its pair counts differ from this run’s (other data or pair split)');
  return { label: res.method, kind: res.kind, lambda2: res.lambda2, ...run };
}
