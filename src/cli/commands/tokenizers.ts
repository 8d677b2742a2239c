// `npm run higr -- tokenizers [--data <file|dir>...] [--out dir] [--seed N] [--seeds 3|0,1,2] [--quick] [--backend auto|webgpu|wasm|cpu]
//                             [--steps N] [--K N] [--levels D] [--items N] [--lambda2 x] [--no-ablation] ...` (see usage)
// Trains CRQ-VAE, RQ-VAE and RQ-KMeans on the KuaiRec item catalogue (bundled side tables + big-matrix co-occurrence,
// or --data files) for every seed, each seed with the same features, pairs and held-out pairs for all methods, on
// WebGPU (Dawn) when available else on the CPU reference, and prints the paper's Table 2 analogue as mean ± std over the
// seeds. Also trains "CRQ-VAE, λ2 = 0" (global quantisation without the contrastive term) unless --no-ablation.
import fs from 'node:fs';
import path from 'node:path';
import { CpuBackend, setBackend, WebGPUBackend } from '../../engine';
import { loadBundledDataset } from '../../data/bundled';
import { DEFAULT_FEATURE_SPEC, FEATURE_BLOCKS, loadEmbeddingBytes, type ItemFeatureSpec } from '../../data/item-features';
import { readFile } from 'node:fs/promises';

/** A precomputed embedding file (.npy/.safetensors with a video_id order, or CSV `video_id,f0,...`) as a feature block. */
async function loadEmbeddingFile(path: string): Promise<NonNullable<ItemFeatureSpec['precomputed']>[number]> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch {
    throw new CliError(`${path}: no such file or directory`);
  }
  try {
    return { name: path, weight: 1, features: await loadEmbeddingBytes(path, bytes) };
  } catch (e) {
    const m = (e as Error).message;
    throw new CliError(m.startsWith(path) ? m : `${path}: ${m}`);
  }
}
import { bundledDataDir, expandPaths, fromPath, nodeFetchLike } from '../../data/node-file';
import { DataWorkspace } from '../../data/workspace';
import { assembleTokenizerData, PAIR_SETTINGS } from '../../stages/tokenizer';
import { pairPrefixAgreement } from '../../tokenizer/metrics';
import { capNeighbours, heldOutItems, splitPairsInductive, unionPairs, type Neighbours } from '../../tokenizer/pairs';
import { semanticNeighboursOnEngine } from '../../tokenizer/neighbours';
import { trainConfig, trainTokenizer, type PairSets, type TokenizerKind, type TokenizerResult, type TrainConfig } from '../../tokenizer/train';
import type { CrqVaeConfig } from '../../models/crq-vae';
import { CliError, cliBackend, environment, mdTable, numFlag, type CliArgs, type Command } from '../result';
import { arrayHash, importedRun, importSource, noteReproduction, tokenizerCodeVersion, tokenizerRunCache, tokenizerRunKey, type ImportSource, type TokenizerRunRecord } from '../tokenizer-runs';

const num = numFlag;

// the full run's schedule (chosen by the runs described in docs/tokenizers.md)
const DEFAULT_STEPS = 200;
/** default warm-up and λ2 ramp as shares of --steps (33 and 67 of the default 200) */
const WARMUP_SHARE = 1 / 6;
const RAMP_SHARE = 1 / 3;
const DEFAULT_CODEBOOK_UPDATE: TrainConfig['codebookUpdate'] = 'ema';
const DEFAULT_EVAL_EVERY = 60;

const PAPER_TABLE2 = {
  'RQ-Kmeans': { collision: 0.2126, concentration: 0.83, consistency: 0.4533 },
  'RQ-VAE': { collision: 0.0298, concentration: 0.75, consistency: 0.5577 },
  'CRQ-VAE': { collision: 0.0237, concentration: 0.93, consistency: 0.6647 },
};

export async function loadWorkspace(args: CliArgs): Promise<{ ws: DataWorkspace; source: string }> {
  if (!args.data.length) {
    const r = await loadBundledDataset(nodeFetchLike(bundledDataDir()), {});
    return { ws: r.workspace, source: 'bundled KuaiRec (public/data)' };
  }
  const ws = new DataWorkspace();
  let paths: string[];
  try {
    paths = await expandPaths(args.data);
  } catch (e) {
    throw new CliError(`${(e as NodeJS.ErrnoException).path ?? args.data.join(', ')}: no such file or directory`);
  }
  for (const p of paths) {
    const r = await ws.add(await fromPath(p));
    const err = r.issues.find((i) => i.severity === 'error');
    if (err) throw new CliError(err.message.startsWith(err.file) ? err.message.replace(err.file, p) : `${p}: ${err.message}`);
  }
  return { ws, source: paths.join(', ') };
}


const command: Command = {
  name: 'tokenizers',
  describe:
    'train CRQ-VAE, RQ-VAE and RQ-KMeans on the KuaiRec items; collision / concentration / consistency (Table 2). --features category,caption,cooccurrence (any subset), --embeddings f.npy|f.safetensors|f.csv',
  usage: [
    'flags: --backend auto|webgpu|wasm|cpu (default auto)  --seeds 3 | 0,1,2 (default 3 from --seed; quick: 1)',
    '       --steps N (200)  --warmup N (steps/6)  --ramp N (λ2 ramp, steps/3)  --codebook-update ema|grad (ema)  --ema-decay x',
    '       --sampler pairs|uniform  --pairs-per-batch N (64)  --batch N (256)  --lr x  --init-batch N  --dead-after N',
    '       --eval-every N (metrics vs steps, 60)  --inductive x (share of items held out of all training pairs, 0.2)',
    '       --K N (codebook size)  --levels D  --items N (first N items)  --lambda2 x  --tau x  --contrast-grad codebook|codebook+encoder|encoder',
    '       --methods rq-kmeans,rq-vae,crq-vae,ablation  --no-ablation (full) / --ablation (quick)  --no-cache (semantic neighbours)',
    '       --kmeans-backend same (run RQ-KMeans on the GPU even on a software adapter)',
    '       --run-cache <dir> (finished (method, backend, seed) runs reused when method, seed, settings, data, backend and code version match;',
    '         written after each run; docs/results/tokenizer-runs is the committed one)  --fresh (retrain and replace cached runs)',
    '       --cached-only (with --run-cache: train nothing; a run missing from the cache is an error)',
    '       --import-runs <tokenizers.json> --import-commit <sha> (with --run-cache: take the runs of an earlier result file made at',
    '         that commit, when its training code has this checkout\'s code version and its settings and pairs equal this run\'s)',
    '       --import-runs <tokenizers.json> --import-verify (commit unknown: a method\'s runs are taken once this command reproduced',
    '         one of the file\'s seeds of that method bit for bit, trained or from the cache; list that seed first in --seeds)',
  ].join('\n'),
  async run(args) {
    const quick = args.quick;
    const flags = args.flags;
    const t0 = performance.now();
    const log = (s: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${s}\n`);
    // the backend first: the semantic neighbours (and any other op-based preparation) run on it too
    const sel = await cliBackend(args);
    const backend = sel.kind;
    log(`backend: ${sel.backend.describe()} (${sel.reason})`);
    // the run cache (--run-cache dir) and runs imported into it (--import-runs file --import-commit sha)
    if (flags['run-cache'] === true) throw new CliError('--run-cache needs a directory (e.g. docs/results/tokenizer-runs)');
    const runCache = typeof flags['run-cache'] === 'string' ? tokenizerRunCache<SeedRun>(path.resolve(flags['run-cache'])) : null;
    if (flags.fresh === true && !runCache) throw new CliError('--fresh retrains cached runs: it needs --run-cache <dir>');
    if (flags['cached-only'] === true && (!runCache || flags.fresh === true)) throw new CliError('--cached-only reports cached runs only: it needs --run-cache <dir> and no --fresh');
    const importFile = flags['import-runs'], importCommit = flags['import-commit'], importVerify = flags['import-verify'] === true;
    if (importFile === true || importCommit === true || (importFile === undefined) !== (importCommit === undefined && !importVerify) || (importCommit !== undefined && importVerify))
      throw new CliError('--import-runs <tokenizers.json> goes with exactly one of --import-commit <sha> (the commit it was made at) or --import-verify (check by reproducing one of its seeds)');
    if (importFile !== undefined && !runCache) throw new CliError('--import-runs writes into the run cache: it needs --run-cache <dir>');
    let imports: ImportSource | null = null;
    if (typeof importFile === 'string') {
      let j;
      try {
        j = JSON.parse(fs.readFileSync(importFile, 'utf8'));
      } catch (e) {
        throw new CliError(`--import-runs ${importFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
      try {
        imports = importSource(importFile, j, typeof importCommit === 'string' ? importCommit : null);
      } catch (e) {
        throw new CliError(`--import-runs ${importFile}${typeof importCommit === 'string' ? ` / --import-commit ${importCommit}` : ''}: ${(e as Error).message}`);
      }
    }
    const codeVersion = runCache ? tokenizerCodeVersion(backend) : null;
    let cpuCodeVersion: string | null = null; // RQ-KMeans's, when it runs on the CPU reference: hashed once, not per method and seed
    if (runCache) log(`run cache: ${runCache.dir} (code version ${codeVersion}${flags.fresh === true ? ', --fresh: retraining every run' : ''})`);
    const tLoad = performance.now();
    const { ws, source } = await loadWorkspace(args);
    /** wall seconds per phase (tokenizers.json `phases`): where a run's time goes, on every backend */
    const phases = { load: (performance.now() - tLoad) / 1000, features: 0, neighbours: 0, pairs: 0, train: {} as Record<string, number>, metrics: 0, other: 0, total: 0 };
    log(`loaded ${source}`);
    const baseSpec: ItemFeatureSpec = quick ? { ...DEFAULT_FEATURE_SPEC, caption: { weight: 1, dims: 128 }, cooccurrence: { weight: 1, dims: 32, powerIters: 2 } } : DEFAULT_FEATURE_SPEC;
    // --features category,caption,cooccurrence (any subset); --embeddings file.npy|.safetensors|.csv (repeatable via commas)
    const blocks = typeof flags.features === 'string' ? flags.features.split(',').map((b) => b.trim()).filter(Boolean) : [...FEATURE_BLOCKS];
    const precomputed = typeof flags.embeddings === 'string' ? await Promise.all(flags.embeddings.split(',').map(loadEmbeddingFile)) : [];
    const maxItems = num(flags, 'items', quick ? 1500 : 0);
    // catalogue, features and anchor-positive pairs: the stage layer's one assembler (src/stages/tokenizer.ts)
    let inputs;
    // semantic neighbours (cos ≥ threshold): the O(n²·F) part, seed-independent, cached on disk between runs (--no-cache: off)
    let nbCache = '';
    const neighbours = async (x: Float32Array, n: number, d: number, threshold: number) => {
      const r = await cachedNeighbours(x, n, d, threshold, flags['no-cache'] !== true);
      nbCache = r.cache;
      return r.nb;
    };
    try {
      inputs = await assembleTokenizerData(ws, { blocks, maxItems, seed: args.seed, sourceLabel: source, extras: { spec: baseSpec, embeddings: [] }, precomputed, neighbours });
    } catch (e) {
      const m = (e as Error).message;
      throw new CliError(/^unknown feature block|^no item features selected/.test(m) ? `--features: ${m}` : `${source}: ${m}`);
    }
    const f = inputs.features;
    const n = f.ids.length;
    const spec = inputs.spec;
    const cat = { labels: inputs.labels, cooccurrenceSource: inputs.cooccurrenceSource };
    phases.features = inputs.timings.featuresMs / 1000;
    phases.neighbours = inputs.timings.neighboursMs / 1000;
    phases.pairs = inputs.timings.pairsMs / 1000;
    log(`features: ${n} items × ${f.dim} (${f.blocks.map((b) => `${b.name} ${b.to - b.from}`).join(', ')}) (${phases.features.toFixed(1)} s)`);
    log(`semantic neighbours (cos ≥ ${PAIR_SETTINGS.threshold}): ${inputs.neighbours.nbrs.length / 2} pairs, ${nbCache} (${phases.neighbours.toFixed(1)} s); co-occurrence pairs ${inputs.cooccurrenceAll.length / 2} (${phases.pairs.toFixed(1)} s)`);

    const seeds = parseSeeds(flags.seeds, args.seed, quick ? 1 : 3);
    const enumFlag = <T extends string>(key: string, allowed: readonly T[], dflt: T): T => {
      const v = flags[key];
      if (v === undefined) return dflt;
      if (typeof v !== 'string' || !allowed.includes(v as T)) throw new CliError(`--${key} must be one of ${allowed.join(', ')}, got "${String(v)}"`);
      return v as T;
    };
    const steps = num(flags, 'steps', quick ? 20 : DEFAULT_STEPS);
    const cfg: TrainConfig = trainConfig({
      seed: seeds[0],
      steps,
      batchSize: num(flags, 'batch', 256),
      pairsPerBatch: num(flags, 'pairs-per-batch', 64),
      lr: num(flags, 'lr', 2e-3),
      initBatch: num(flags, 'init-batch', quick ? 1024 : 4096),
      warmupSteps: num(flags, 'warmup', Math.round(steps * WARMUP_SHARE)),
      lambda2RampSteps: num(flags, 'ramp', Math.round(steps * RAMP_SHARE)),
      codebookUpdate: enumFlag('codebook-update', ['grad', 'ema'] as const, DEFAULT_CODEBOOK_UPDATE),
      emaDecay: num(flags, 'ema-decay', 0.95),
      sampler: enumFlag('sampler', ['pairs', 'uniform'] as const, 'pairs'),
      evalEvery: num(flags, 'eval-every', quick ? 0 : DEFAULT_EVAL_EVERY),
      logEvery: quick ? 5 : 10,
      pairs: { inductiveItems: num(flags, 'inductive', 0.2) },
      model: {
        hidden: [128],
        latentDim: 32,
        levels: num(flags, 'levels', 3),
        codebookSize: num(flags, 'K', quick ? 32 : 128),
        lambda2: num(flags, 'lambda2', 0.01),
        tau: num(flags, 'tau', 0.1),
        ...(typeof flags['contrast-grad'] === 'string' ? { contrastGrad: enumFlag('contrast-grad', ['codebook', 'codebook+encoder', 'encoder'] as const, 'codebook+encoder') } : {}),
        deadAfter: num(flags, 'dead-after', quick ? 10 : 50),
      },
      kmeans: { iters: quick ? 5 : 12 },
    });
    if (!(cfg.steps >= 1) || !Number.isInteger(cfg.steps)) throw new CliError(`--steps must be a positive integer, got ${cfg.steps}`);
    if (cfg.warmupSteps < 0 || cfg.warmupSteps >= cfg.steps) throw new CliError(`--warmup must be in [0, steps), got ${cfg.warmupSteps} with ${cfg.steps} steps`);
    if (!(cfg.pairs.inductiveItems >= 0 && cfg.pairs.inductiveItems < 1)) throw new CliError(`--inductive (share of items held out of every training pair) must be in [0, 1), got ${cfg.pairs.inductiveItems}`);
    const nb = { nb: inputs.neighbours, cache: nbCache };
    const cooAll = inputs.cooccurrenceAll;
    const methods: { label: string; kind: TokenizerKind; lambda2?: number }[] = [
      { label: 'RQ-Kmeans', kind: 'rq-kmeans' },
      { label: 'RQ-VAE', kind: 'rq-vae' },
      { label: 'CRQ-VAE', kind: 'crq-vae' },
    ];
    if (quick ? flags.ablation === true : flags['no-ablation'] !== true) methods.push({ label: 'CRQ-VAE, λ2 = 0 (ablation)', kind: 'crq-vae', lambda2: 0 });
    if (typeof flags.methods === 'string') {
      const want = flags.methods.split(',').map((m) => m.trim());
      const bad = want.filter((w) => !['rq-kmeans', 'rq-vae', 'crq-vae', 'ablation'].includes(w));
      if (bad.length) throw new CliError(`--methods: unknown method(s) ${bad.join(', ')} (rq-kmeans, rq-vae, crq-vae, ablation)`);
      for (let i = methods.length - 1; i >= 0; i--) if (!want.includes(methods[i].lambda2 === 0 ? 'ablation' : methods[i].kind)) methods.splice(i, 1);
    }
    // RQ-KMeans is one big nearestCode per Lloyd iteration: on a software adapter (SwiftShader) the WGSL kernel is far
    // slower than the op's CPU kernel, so by default it runs on the CPU backend there (--kmeans-backend same: GPU).
    const gpuBackend = backend === 'webgpu' ? (await import('../../engine')).getBackend() : null;
    const software = gpuBackend instanceof WebGPUBackend && gpuBackend.info.isSoftware;
    const kmeansOnCpu = backend === 'webgpu' && flags['kmeans-backend'] !== 'same' && software;

    const perSeed: SeedRun[] = [];
    const pairCounts: Record<string, unknown>[] = [];
    /** runs taken from the run cache instead of trained (file, when and how they were made) */
    const cachedRuns: { method: string; seed: number; file: string; createdAt: string; provenance: TokenizerRunRecord['provenance'] }[] = [];
    /** the cache file of every run of this command (reused or trained), relative to the working directory */
    const runFiles: string[] = [];
    const dataHash = runCache ? { features: arrayHash(f.data), labels: arrayHash(cat.labels) } : null;
    const rqKmeansBackend = kmeansOnCpu ? 'cpu (the adapter is a software rasteriser)' : backend;
    for (const seed of seeds) {
      const scfg: TrainConfig = { ...cfg, seed };
      const tPairs = performance.now();
      // pairs of this seed: the same held-out items for both sources; pairs touching exactly one of them are dropped
      const mask = heldOutItems(n, cfg.pairs.inductiveItems, seed);
      const sem = splitPairsInductive(capNeighbours(nb.nb, n, cfg.pairs.maxPerItem, seed), mask, cfg.pairs.heldOut, seed);
      const coo = splitPairsInductive(cooAll, mask, cfg.pairs.heldOut, seed + 1);
      const pairs: PairSets = { train: unionPairs(n, sem.train, coo.train), test: unionPairs(n, sem.test, coo.test), inductive: unionPairs(n, sem.inductive, coo.inductive) };
      if (pairs.train.length === 0) throw new CliError(`${source}: no anchor-positive pairs (no item has a neighbour with cos ≥ ${cfg.pairs.threshold} and no co-occurrence)`);
      const pc = {
        seed,
        semantic: { train: sem.train.length / 2, heldOut: sem.test.length / 2, inductive: sem.inductive.length / 2, dropped: sem.dropped },
        cooccurrence: { train: coo.train.length / 2, heldOut: coo.test.length / 2, inductive: coo.inductive.length / 2, dropped: coo.dropped },
        transductiveShare: transductiveShare(pairs, n),
      };
      pairCounts.push(pc);
      phases.pairs += (performance.now() - tPairs) / 1000;
      log(`seed ${seed}: pairs train ${pairs.train.length / 2}, held out ${pairs.test.length / 2} (transductive), ${pairs.inductive!.length / 2} inductive; ${sem.dropped + coo.dropped} dropped (one held-out item)`);
      for (const m of methods) {
        const mcfg: TrainConfig = m.lambda2 === undefined ? scfg : { ...scfg, model: { ...scfg.model, lambda2: m.lambda2 } };
        let id: { method: string; kind: string; lambda2: number; backend: string; seed: number; key: string } | null = null;
        let context: Record<string, unknown> = {};
        if (runCache) {
          const mb = m.kind === 'rq-kmeans' ? rqKmeansBackend : backend;
          context = { backend: mb, codeVersion: mb === backend ? codeVersion : (cpuCodeVersion ??= tokenizerCodeVersion('cpu')), items: n, featureDim: f.dim, ...dataHash, pairs: arrayHash(sem.train, sem.test, sem.inductive, coo.train, coo.test, coo.inductive) };
          id = { method: m.label, kind: m.kind, lambda2: mcfg.model.lambda2, backend, seed, key: tokenizerRunKey(m.label, seed, mcfg, context) };
          let rec = flags.fresh === true ? null : await runCache.get(id);
          // --import-verify: until one of the file's runs of this method is reproduced, train (that run is the check)
          if (!rec && imports && (imports.commit !== null || imports.verified.has(m.label))) {
            let run;
            try {
              run = importedRun(imports, { method: m.label, seed, backend, codeVersion: context.codeVersion as string, train: mcfg as unknown as Record<string, unknown>, defaults: trainConfig() as unknown as Record<string, unknown>, items: n, featureDim: f.dim, pairCounts: pc, rqKmeansBackend });
            } catch (e) {
              throw new CliError((e as Error).message);
            }
            if (run) {
              const v = imports.verified.get(m.label);
              const verifiedBy = v && 'seed' in v ? `seed ${v.seed} of the file reproduced bit for bit by this code version (${context.codeVersion})` : undefined;
              rec = { ...id, codeVersion: context.codeVersion as string, settings: mcfg, context, createdAt: String(imports.json.environment?.date ?? ''), provenance: { importedFrom: relOrAbs(imports.file), commit: imports.commit, ...(verifiedBy ? { verifiedBy } : {}), importedAt: new Date().toISOString() }, environment: imports.json.environment ?? {}, run: run as unknown as SeedRun };
              await runCache.put(rec);
            }
          }
          if (rec) {
            if (imports && rec.provenance === 'trained') noteReproduction(imports, m.label, seed, rec.run as unknown as Record<string, unknown>);
            perSeed.push(rec.run);
            cachedRuns.push({ method: m.label, seed, file: path.relative(process.cwd(), runCache.file(id)), createdAt: rec.createdAt, provenance: rec.provenance });
            runFiles.push(path.relative(process.cwd(), runCache.file(id)));
            const mm = rec.run.metrics;
            log(`seed ${seed}: ${m.label} from the run cache (${typeof rec.provenance === 'string' ? rec.provenance : `imported from ${rec.provenance.importedFrom} ${rec.provenance.commit ? `@ ${rec.provenance.commit}` : '(verified by reproduction)'}`}, ${rec.createdAt}): collision ${mm.collisionRate.toFixed(4)}, κ ${mm.consistencyKappa.toFixed(4)}`);
            continue;
          }
          if (flags['cached-only'] === true) throw new CliError(`--cached-only: ${m.label} seed ${seed} on ${backend} is not in the run cache ${runCache.dir} (code version ${context.codeVersion}, key ${id.key}); run without --cached-only to train it`);
        }
        if (gpuBackend) setBackend(m.kind === 'rq-kmeans' && kmeansOnCpu ? new CpuBackend() : gpuBackend);
        log(`seed ${seed}: training ${m.label} (${m.kind === 'rq-kmeans' && kmeansOnCpu ? 'cpu: software adapter' : backend}) ...`);
        let last = 0;
        const r = await trainTokenizer(m.kind, f, mcfg, {
          pairs,
          labels: cat.labels,
          onProgress: (p) => {
            if (p.elapsedMs - last < 15000) return;
            last = p.elapsedMs;
            const l = p.losses;
            log(`  ${m.label} step ${p.step}/${p.steps} total ${l.total.toFixed(4)} recon ${l.recon.toFixed(4)} quant ${l.quant.toFixed(4)}${l.cont === null ? '' : ` cont ${l.cont.toFixed(4)}`} util ${p.utilisation.map((u) => u.toFixed(2)).join('/')}`);
          },
        });
        const mm = r.metrics;
        phases.train[m.label] = (phases.train[m.label] ?? 0) + (r.ms - r.metricsMs) / 1000;
        phases.metrics += r.metricsMs / 1000;
        log(`  ${m.label}: ${(r.ms / 1000).toFixed(1)} s, collision ${mm.collisionRate.toFixed(4)}, consistency ${mm.consistency.toFixed(4)} (chance ${mm.consistencyChance.toFixed(4)}, κ ${mm.consistencyKappa.toFixed(4)}), inductive ${mm.consistencyInductive?.toFixed(4) ?? 'n/a'}`);
        const D = cfg.model.levels;
        const by = (p: Int32Array) => (p.length ? pairPrefixAgreement(r.codes, D, p)[0] : null);
        const run: SeedRun = {
          label: m.label,
          kind: m.kind,
          lambda2: mcfg.model.lambda2,
          seed,
          metrics: mm,
          consistencySemanticPairs: by(sem.test),
          consistencyCooccurrencePairs: by(coo.test),
          consistencySemanticInductive: by(sem.inductive),
          consistencyCooccurrenceInductive: by(coo.inductive),
          sidCollisions: r.sids.collisions,
          reseededCodewords: r.reseeded,
          steps: r.steps,
          seconds: r.ms / 1000,
          backend: r.backend,
          lossCurves: downsample(r.lossCurves, 60),
          metricCurve: r.metricCurve,
        };
        perSeed.push(run);
        if (imports) noteReproduction(imports, m.label, seed, run as unknown as Record<string, unknown>);
        if (runCache && id) {
          await runCache.put({ ...id, codeVersion: context.codeVersion as string, settings: mcfg, context, createdAt: new Date().toISOString(), provenance: 'trained', environment: { ...(await environment()) }, run });
          runFiles.push(path.relative(process.cwd(), runCache.file(id)));
        }
        // a long multi-seed run leaves what it has measured so far (removed when the command finishes)
        fs.mkdirSync(args.out, { recursive: true });
        fs.writeFileSync(path.join(args.out, 'tokenizers.partial.json'), JSON.stringify({ seeds, pairs: pairCounts, runs: perSeed.map(({ lossCurves: _c, ...x }) => x) }));
      }
    }
    fs.rmSync(path.join(args.out, 'tokenizers.partial.json'), { force: true });

    const D = cfg.model.levels;
    const results = methods.map((m) => {
      const runs = perSeed.filter((x) => x.label === m.label);
      const pick = (fn: (x: SeedRun) => number | null) => meanStd(runs.map(fn));
      const summary = {
        collisionRate: pick((x) => x.metrics.collisionRate),
        consistency: pick((x) => x.metrics.consistency),
        consistencyChance: pick((x) => x.metrics.consistencyChance),
        consistencyKappa: pick((x) => x.metrics.consistencyKappa),
        consistencyInductive: pick((x) => x.metrics.consistencyInductive),
        consistencyInductiveKappa: pick((x) => x.metrics.consistencyInductiveKappa),
        consistencyPrefix: pick((x) => x.metrics.consistencyPrefix),
        consistencySemanticPairs: pick((x) => x.consistencySemanticPairs),
        consistencyCooccurrencePairs: pick((x) => x.consistencyCooccurrencePairs),
        concentration: pick((x) => x.metrics.concentration),
        concentrationChance: pick((x) => x.metrics.concentrationChance),
        top10PrefixShare: pick((x) => x.metrics.top10PrefixShare),
        entropyNormLevel1: pick((x) => x.metrics.levels[0]?.entropyNorm ?? null),
        reseededLevel1: pick((x) => x.reseededCodewords[0] ?? 0),
        reconRel: pick((x) => x.metrics.reconRel),
        seconds: pick((x) => x.seconds),
      };
      return { method: m.label, kind: m.kind, lambda2: runs[0]?.lambda2, seeds: runs.map(({ label: _l, kind: _k, lambda2: _x, ...rest }) => rest), summary };
    });
    const pm = (v: MeanStd) => (v.mean === null ? 'n/a' : `${v.mean.toFixed(4)} ± ${(v.std ?? 0).toFixed(4)}`);
    const rows = results.map(({ method, summary: s }) => [
      method,
      pm(s.collisionRate),
      pm(s.consistencyKappa),
      pm(s.consistency),
      pm(s.consistencyChance),
      pm(s.consistencyInductive),
      pm(s.consistencyInductiveKappa),
      pm(s.consistencySemanticPairs),
      pm(s.consistencyCooccurrencePairs),
      pm(s.concentration),
      pm(s.entropyNormLevel1),
      pm(s.reconRel),
      pm(s.seconds),
    ]);
    const headers = [
      'method',
      'collision ↓',
      'consistency κ ↑ (chance-corrected, s1)',
      'consistency (s1)',
      'chance (s1)',
      'inductive consistency (s1)',
      'inductive κ',
      'consistency, semantic pairs',
      'consistency, co-occurrence pairs',
      'concentration* (category purity of s1)',
      'norm. entropy, level 1',
      'recon (rel.)',
      'seconds',
    ];
    const pc0 = pairCounts[0] as { semantic: { heldOut: number; inductive: number }; cooccurrence: { heldOut: number; inductive: number }; transductiveShare: number };
    const wallSeconds = (performance.now() - t0) / 1000;
    phases.total = wallSeconds;
    phases.other = wallSeconds - phases.load - phases.features - phases.neighbours - phases.pairs - phases.metrics - Object.values(phases.train).reduce((a, b) => a + b, 0);
    const r2 = (x: number) => Math.round(x * 100) / 100;
    const phasesOut = { ...phases, load: r2(phases.load), features: r2(phases.features), neighbours: r2(phases.neighbours), pairs: r2(phases.pairs), metrics: r2(phases.metrics), other: r2(phases.other), total: r2(phases.total), train: Object.fromEntries(Object.entries(phases.train).map(([m, x]) => [m, r2(x)])) };
    log(`phases (s): load ${phasesOut.load}, features ${phasesOut.features}, neighbours ${phasesOut.neighbours}, pairs ${phasesOut.pairs}, train ${Object.entries(phasesOut.train).map(([m, x]) => `${m} ${x}`).join(' / ')}, metrics ${phasesOut.metrics}, other ${phasesOut.other}, total ${phasesOut.total}`);
    const table = [
      mdTable(headers, rows),
      '',
      `Mean ± std over seeds ${seeds.join(', ')} (population std, n = ${seeds.length}). ${n} items × ${f.dim} features; K = ${cfg.model.codebookSize}, D = ${D}; ${cfg.steps} steps × batch ${cfg.batchSize} (warm-up ${cfg.warmupSteps}, λ2 ramp ${cfg.lambda2RampSteps}, codebooks ${cfg.codebookUpdate}, sampler ${cfg.sampler}) on ${backend}. Wall time ${wallSeconds.toFixed(0)} s.`,
      `Consistency: held-out pairs never used by the contrastive loss (seed ${seeds[0]}: ${pc0.semantic.heldOut} semantic + ${pc0.cooccurrence.heldOut} co-occurrence, ${(pc0.transductiveShare * 100).toFixed(0)}% with both items in training pairs); inductive: ${pc0.semantic.inductive} + ${pc0.cooccurrence.inductive} pairs among ${Math.round(cfg.pairs.inductiveItems * 100)}% held-out items that are in no training pair. κ = (consistency − chance) / (1 − chance), chance = Σ_k p_k².`,
      `*Concentration = purity of level-1 prefixes w.r.t. the KuaiRec first-level category; the category multi-hot is ${f.blocks.find((b) => b.name === 'category') ? f.blocks.find((b) => b.name === 'category')!.to - f.blocks.find((b) => b.name === 'category')!.from : 0} of the ${f.dim} input dimensions, so RQ-KMeans (k-means on the features) is favoured by construction. Definitions: docs/tokenizers.md.`,
      ...(cachedRuns.length ? [`Reused from the run cache ${runCache!.dir} (same method, seed, settings, data, backend and code version; trained earlier, timings from then): ${cachedRuns.map((c) => `${c.method} seed ${c.seed}`).join(', ')}.`] : []),
      `Paper Table 2 (industrial data, K = 1024): ${Object.entries(PAPER_TABLE2).map(([k, v]) => `${k} ${v.collision}/${v.concentration}/${v.consistency}`).join('; ')} (collision/concentration/consistency).`,
    ].join('\n');
    const json = {
      protocol: {
        items: 'every video of the KuaiRec side tables (item_categories / kuairec_caption_category)',
        features: f.blocks,
        cooccurrence: cat.cooccurrenceSource,
        pairs: `semantic neighbours (cos ≥ ${cfg.pairs.threshold} of the input features, ≤ ${cfg.pairs.maxPerItem} per item) ∪ co-occurrence (window 3, ≥ 5 users, ≤ ${cfg.pairs.maxPerItem} per item); per seed, ${cfg.pairs.inductiveItems * 100}% of the items are held out of every training pair (pairs among them = inductive test, pairs touching one of them dropped), and ${cfg.pairs.heldOut * 100}% of the remaining pairs of each source are held out (transductive test)`,
        seeds,
        summary: 'mean and population std over seeds',
        metrics: 'docs/tokenizers.md',
        quick,
      },
      settings: { backend, rqKmeansBackend, items: n, featureDim: f.dim, featureSpec: spec, train: cfg, semanticNeighbourCache: nb.cache },
      data: source,
      wallSeconds,
      phases: phasesOut,
      runCache: runCache ? { dir: path.relative(process.cwd(), runCache.dir), codeVersion, fresh: flags.fresh === true, cachedRuns, files: runFiles } : null,
      pairs: pairCounts,
      paperTable2: PAPER_TABLE2,
      results,
    };
    // the markdown twin of the JSON (docs/results/tokenizers.md), generated here, never typed by hand
    fs.mkdirSync(args.out, { recursive: true });
    fs.writeFileSync(
      path.join(args.out, 'tokenizers.md'),
      `# Tokenizers on KuaiRec (generated by \`npm run higr -- tokenizers${process.argv.slice(3).length ? ' ' + process.argv.slice(3).join(' ') : ''}\`)\n\n${table}\n\nGenerated ${new Date().toISOString()}; settings, per-seed figures, loss and metric curves, environment: tokenizers.json. Definitions: docs/tokenizers.md.\n`,
    );
    return { table, json };
  },
};

interface SeedRun {
  label: string;
  kind: TokenizerKind;
  lambda2: number;
  seed: number;
  metrics: TokenizerResult['metrics'];
  consistencySemanticPairs: number | null;
  consistencyCooccurrencePairs: number | null;
  consistencySemanticInductive: number | null;
  consistencyCooccurrenceInductive: number | null;
  sidCollisions: TokenizerResult['sids']['collisions'];
  reseededCodewords: number[];
  steps: number;
  seconds: number;
  backend: string;
  lossCurves: TokenizerResult['lossCurves'];
  metricCurve: TokenizerResult['metricCurve'];
}

interface MeanStd {
  mean: number | null;
  std: number | null;
  n: number;
}

/** Mean and population std of the non-null values. */
export function meanStd(values: (number | null)[]): MeanStd {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  if (!v.length) return { mean: null, std: null, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, n: v.length };
}

/** `--seeds 0,1,2` (list) or `--seeds 3` (count, starting at --seed); default `dflt` seeds from --seed. */
function parseSeeds(v: string | boolean | undefined, first: number, dflt: number): number[] {
  if (v === undefined) return Array.from({ length: dflt }, (_, i) => first + i);
  if (typeof v !== 'string' || !/^\d+(,\d+)*$/.test(v.trim())) throw new CliError(`--seeds needs a count (3) or a list (0,1,2), got "${String(v)}"`);
  const parts = v.split(',').map(Number);
  if (parts.length === 1) {
    if (parts[0] < 1) throw new CliError(`--seeds needs at least one seed, got "${v}"`);
    return Array.from({ length: parts[0] }, (_, i) => first + i);
  }
  return parts;
}

/** A path relative to the working directory when it is inside it, else absolute. */
function relOrAbs(p: string): string {
  const r = path.relative(process.cwd(), path.resolve(p));
  return r.startsWith('..') ? path.resolve(p) : r;
}

/** Share of held-out (transductive) pairs whose two items both appear in training pairs. */
function transductiveShare(p: PairSets, n: number): number {
  const inTrain = new Uint8Array(n);
  for (const i of p.train) inTrain[i] = 1;
  let both = 0;
  for (let k = 0; k < p.test.length; k += 2) if (inTrain[p.test[k]] && inTrain[p.test[k + 1]]) both++;
  return p.test.length ? both / (p.test.length / 2) : 0;
}

/**
 * Semantic neighbours of these features (blocked matmuls on the current backend, exactly the host reference's pairs),
 * from node_modules/.cache/higr when the same features were seen before.
 */
async function cachedNeighbours(x: Float32Array, n: number, d: number, threshold: number, useCache: boolean): Promise<{ nb: Neighbours; cache: string }> {
  let h = 0x811c9dc5;
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length);
  for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i], 0x01000193) >>> 0;
  const key = `semantic-${n}x${d}-t${threshold}-${h.toString(16)}`;
  const dir = path.join(process.cwd(), 'node_modules', '.cache', 'higr');
  const file = path.join(dir, `${key}.bin`);
  if (useCache && fs.existsSync(file)) {
    try {
      const buf = fs.readFileSync(file);
      const all = new Int32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      if (all.length >= n + 1 && all[n] === all.length - (n + 1)) return { nb: { offsets: all.slice(0, n + 1), nbrs: all.slice(n + 1) }, cache: `hit (${file})` };
    } catch {
      // unreadable cache: recompute below
    }
  }
  const nb = await semanticNeighboursOnEngine(x, n, d, threshold);
  if (useCache) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      const all = new Int32Array(n + 1 + nb.nbrs.length);
      all.set(nb.offsets, 0);
      all.set(nb.nbrs, n + 1);
      fs.writeFileSync(file, new Uint8Array(all.buffer));
    } catch {
      return { nb, cache: 'miss (cache not writable)' };
    }
  }
  return { nb, cache: useCache ? `miss (written to ${file})` : 'off (--no-cache)' };
}

/** Keep at most `k` evenly spaced points of each curve (result JSON stays small). */
function downsample<T extends { step: number[] }>(c: T, k: number): T {
  const n = c.step.length;
  if (n <= k) return c;
  const keep = Array.from({ length: k }, (_, i) => Math.round((i * (n - 1)) / (k - 1)));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(c)) out[key] = Array.isArray(v) ? keep.map((i) => v[i]) : v;
  return out as T;
}

export default command;
