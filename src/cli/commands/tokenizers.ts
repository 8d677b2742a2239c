// `npm run higr -- tokenizers [--data <file|dir>...] [--out dir] [--seed N] [--quick] [--backend webgpu|cpu]
//                             [--steps N] [--K N] [--levels D] [--items N] [--lambda2 x] [--no-ablation]`
// Trains CRQ-VAE, RQ-VAE and RQ-KMeans on the KuaiRec item catalogue (bundled side tables + big-matrix co-occurrence,
// or --data files) with the same seed, features, pairs and held-out pairs, on WebGPU (Dawn) when available else on
// the CPU reference, and prints the paper's Table 2 analogue. Also trains "CRQ-VAE, λ2 = 0" (global quantisation
// without the contrastive term) unless --no-ablation, to isolate the effect of Eq. 4.
import fs from 'node:fs';
import path from 'node:path';
import { CpuBackend, setBackend, WebGPUBackend } from '../../engine';
import { loadBundledDataset } from '../../data/bundled';
import { DEFAULT_FEATURE_SPEC, FEATURE_BLOCKS, loadEmbeddingBytes, selectFeatureSpec, type ItemFeatureSpec } from '../../data/item-features';
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
import { catalogueFromWorkspace } from '../../tokenizer/catalogue';
import { pairPrefixAgreement } from '../../tokenizer/metrics';
import { cooccurrencePairs, semanticPairs, splitPairs, unionPairs } from '../../tokenizer/pairs';
import { trainConfig, trainTokenizer, type TokenizerKind, type TokenizerResult, type TrainConfig } from '../../tokenizer/train';
import type { CrqVaeConfig } from '../../models/crq-vae';
import { CliError, cliGpu, mdTable, numFlag, type CliArgs, type Command } from '../result';

const num = numFlag;

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

export async function chooseBackend(pref: string): Promise<string> {
  if (pref !== 'cpu') {
    try {
      const ctx = await cliGpu();
      setBackend(new WebGPUBackend(ctx));
      return 'webgpu';
    } catch (e) {
      if (pref === 'webgpu') throw new CliError(`--backend webgpu: no WebGPU device (${(e as Error).message})`);
      process.stderr.write(`tokenizers: WebGPU unavailable (${(e as Error).message}); using the CPU reference backend\n`);
    }
  }
  setBackend(new CpuBackend());
  return 'cpu';
}

const f3 = (v: number | null) => (v === null ? 'n/a' : Number(v.toFixed(4)));

const command: Command = {
  name: 'tokenizers',
  describe:
    'train CRQ-VAE, RQ-VAE and RQ-KMeans on the KuaiRec items; collision / concentration / consistency (Table 2). --features category,caption,cooccurrence (any subset), --embeddings f.npy|f.safetensors|f.csv',
  usage: [
    'flags: --backend webgpu|cpu (default: webgpu when available)  --steps N  --K N (codebook size)  --levels D',
    '       --items N (first N catalogue items)  --lambda2 x  --batch N  --lr x  --no-ablation (full) / --ablation (quick)',
    '       --kmeans-backend same (run RQ-KMeans on the GPU even on a software adapter)',
  ].join('\n'),
  async run(args) {
    const quick = args.quick;
    const flags = args.flags;
    const t0 = performance.now();
    const log = (s: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${s}\n`);
    const { ws, source } = await loadWorkspace(args);
    log(`loaded ${source}`);
    const baseSpec: ItemFeatureSpec = quick ? { ...DEFAULT_FEATURE_SPEC, caption: { weight: 1, dims: 128 }, cooccurrence: { weight: 1, dims: 32, powerIters: 2 } } : DEFAULT_FEATURE_SPEC;
    // --features category,caption,cooccurrence (any subset); --embeddings file.npy|.safetensors|.csv (repeatable via commas)
    const blocks = typeof flags.features === 'string' ? flags.features.split(',').map((b) => b.trim()).filter(Boolean) : [...FEATURE_BLOCKS];
    const precomputed = typeof flags.embeddings === 'string' ? await Promise.all(flags.embeddings.split(',').map(loadEmbeddingFile)) : [];
    let spec: ItemFeatureSpec;
    try {
      spec = selectFeatureSpec(baseSpec, blocks, precomputed);
    } catch (e) {
      throw new CliError(`--features: ${(e as Error).message}`);
    }
    const maxItems = num(flags, 'items', quick ? 1500 : 0);
    let cat;
    try {
      cat = catalogueFromWorkspace(ws, spec, { maxItems: maxItems || undefined });
    } catch (e) {
      throw new CliError(`${source}: ${(e as Error).message}`);
    }
    const f = cat.features;
    const n = f.ids.length;
    log(`features: ${n} items × ${f.dim} (${f.blocks.map((b) => `${b.name} ${b.to - b.from}`).join(', ')})`);

    const cfg: TrainConfig = trainConfig({
      seed: args.seed,
      steps: num(flags, 'steps', quick ? 20 : 200),
      // On a software adapter (SwiftShader) a step costs about the same for any batch up to ~1k rows (per-dispatch
      // overhead dominates), so the full run uses fewer, larger batches.
      batchSize: num(flags, 'batch', quick ? 256 : 512),
      pairsPerBatch: quick ? 64 : 128,
      lr: num(flags, 'lr', 2e-3),
      initBatch: quick ? 1024 : 2048,
      logEvery: quick ? 5 : 10,
      model: {
        hidden: [128],
        latentDim: 32,
        levels: num(flags, 'levels', 3),
        codebookSize: num(flags, 'K', quick ? 32 : 128),
        lambda2: num(flags, 'lambda2', 0.01),
        ...(typeof flags['contrast-grad'] === 'string' ? { contrastGrad: flags['contrast-grad'] as CrqVaeConfig['contrastGrad'] } : {}),
        deadAfter: quick ? 10 : 50,
      },
      kmeans: { iters: quick ? 5 : 12 },
    });
    // anchor-positive pairs: semantic neighbours (cos ≥ 0.8) ∪ co-occurrence; each source split 80/20, seeded
    const sem = splitPairs(semanticPairs(f.data, n, f.dim, { threshold: cfg.pairs.threshold, maxPerItem: cfg.pairs.maxPerItem, seed: cfg.seed }), cfg.pairs.heldOut, cfg.seed);
    log(`semantic pairs (cos ≥ ${cfg.pairs.threshold}): ${sem.train.length / 2} train / ${sem.test.length / 2} held out`);
    const coo = cat.sequences
      ? splitPairs(cooccurrencePairs(cat.sequences.offsets, cat.sequences.items, n, { window: 3, minCount: 5, maxPerItem: cfg.pairs.maxPerItem }), cfg.pairs.heldOut, cfg.seed + 1)
      : { train: new Int32Array(0), test: new Int32Array(0) };
    log(`co-occurrence pairs (window 3, ≥ 5 users): ${coo.train.length / 2} train / ${coo.test.length / 2} held out`);
    const pairs = { train: unionPairs(n, sem.train, coo.train), test: unionPairs(n, sem.test, coo.test) };
    if (pairs.train.length === 0) throw new CliError(`${source}: no anchor-positive pairs (no item has a neighbour with cos ≥ ${cfg.pairs.threshold} and no co-occurrence)`);

    const backend = await chooseBackend(typeof flags.backend === 'string' ? flags.backend : quick ? 'webgpu' : 'webgpu');
    log(`backend: ${backend}`);
    const runs: { label: string; kind: TokenizerKind; cfg: TrainConfig }[] = [
      { label: 'RQ-Kmeans', kind: 'rq-kmeans', cfg },
      { label: 'RQ-VAE', kind: 'rq-vae', cfg },
      { label: 'CRQ-VAE', kind: 'crq-vae', cfg },
    ];
    if (quick ? flags.ablation === true : flags['no-ablation'] !== true) runs.push({ label: 'CRQ-VAE, λ2 = 0 (ablation)', kind: 'crq-vae', cfg: { ...cfg, model: { ...cfg.model, lambda2: 0 } } });
    // RQ-KMeans is one big nearestCode per Lloyd iteration: on a software adapter (SwiftShader) the WGSL kernel is far
    // slower than the op's CPU reference, so by default it runs on the CPU backend there (--kmeans-backend same: GPU).
    const gpuBackend = backend === 'webgpu' ? (await import('../../engine')).getBackend() : null;
    const software = gpuBackend instanceof WebGPUBackend && gpuBackend.info.isSoftware;
    const kmeansOnCpu = backend === 'webgpu' && flags['kmeans-backend'] !== 'same' && software;
    const results: { label: string; r: TokenizerResult }[] = [];
    for (const run of runs) {
      if (gpuBackend) setBackend(run.kind === 'rq-kmeans' && kmeansOnCpu ? new CpuBackend() : gpuBackend);
      log(`training ${run.label} (${run.kind === 'rq-kmeans' && kmeansOnCpu ? 'cpu: software adapter' : backend}) ...`);
      let last = 0;
      const r = await trainTokenizer(run.kind, f, run.cfg, {
        pairs,
        labels: cat.labels,
        onProgress: (p) => {
          if (p.elapsedMs - last < 15000) return;
          last = p.elapsedMs;
          const l = p.losses;
          log(`  ${run.label} step ${p.step}/${p.steps} total ${l.total.toFixed(4)} recon ${l.recon.toFixed(4)} quant ${l.quant.toFixed(4)}${l.cont === null ? '' : ` cont ${l.cont.toFixed(4)}`} util ${p.utilisation.map((u) => u.toFixed(2)).join('/')}`);
        },
      });
      log(`  ${run.label}: ${(r.ms / 1000).toFixed(1)} s, collision ${r.metrics.collisionRate.toFixed(4)}, consistency ${r.metrics.consistency.toFixed(4)}`);
      results.push({ label: run.label, r });
    }

    const D = cfg.model.levels;
    const bySource = (r: TokenizerResult, p: Int32Array) => (p.length ? pairPrefixAgreement(r.codes, D, p)[0] : null);
    const rows = results.map(({ label, r }) => {
      const m = r.metrics;
      return [
        label,
        f3(m.collisionRate),
        f3(m.concentration),
        f3(m.consistency),
        f3(m.consistencyPrefix),
        f3(m.consistencyChance),
        f3(bySource(r, sem.test)),
        f3(bySource(r, coo.test)),
        m.levels.map((l) => l.utilisation.toFixed(2)).join(' / '),
        m.levels.map((l) => l.entropyNorm.toFixed(2)).join(' / '),
        f3(m.reconRel),
        Number((r.ms / 1000).toFixed(1)),
      ];
    });
    const headers = [
      'method',
      'collision ↓',
      'concentration ↑',
      'consistency ↑ (s1)',
      `consistency (s1..s${D - 1})`,
      'chance (s1)',
      'consistency, semantic pairs',
      'consistency, co-occurrence pairs',
      'utilisation per level',
      'norm. entropy per level',
      'recon (rel.)',
      'seconds',
    ];
    const table = [
      mdTable(headers, rows),
      '',
      `${n} items × ${f.dim} features; K = ${cfg.model.codebookSize}, D = ${D}; ${cfg.steps} steps × batch ${cfg.batchSize} on ${backend}; seed ${cfg.seed}.`,
      `Consistency is measured on ${pairs.test.length / 2} held-out pairs (${sem.test.length / 2} semantic, ${coo.test.length / 2} co-occurrence) never used by the contrastive loss.`,
      `Concentration = purity of level-1 prefixes w.r.t. the KuaiRec first-level category. Definitions: docs/tokenizers.md.`,
      `Paper Table 2 (industrial data, K = 1024): ${Object.entries(PAPER_TABLE2).map(([k, v]) => `${k} ${v.collision}/${v.concentration}/${v.consistency}`).join('; ')} (collision/concentration/consistency).`,
    ].join('\n');
    const json = {
        protocol: {
          items: 'every video of the KuaiRec side tables (item_categories / kuairec_caption_category)',
          features: f.blocks,
          cooccurrence: cat.cooccurrenceSource,
          pairs: `semantic neighbours (cos ≥ ${cfg.pairs.threshold} of the input features, ≤ ${cfg.pairs.maxPerItem} per item) ∪ co-occurrence (window 3, ≥ 5 users, ≤ ${cfg.pairs.maxPerItem} per item); ${cfg.pairs.heldOut * 100}% of each held out for consistency`,
          metrics: 'docs/tokenizers.md',
          quick,
        },
        settings: { backend, rqKmeansBackend: kmeansOnCpu ? 'cpu (the adapter is a software rasteriser)' : backend, items: n, featureDim: f.dim, featureSpec: spec, train: cfg },
        data: source,
        pairs: { semantic: { train: sem.train.length / 2, heldOut: sem.test.length / 2 }, cooccurrence: { train: coo.train.length / 2, heldOut: coo.test.length / 2 } },
        paperTable2: PAPER_TABLE2,
        results: results.map(({ label, r }) => ({
          method: label,
          kind: r.kind,
          lambda2: r.checkpoint.config.model.lambda2,
          metrics: r.metrics,
          consistencySemanticPairs: bySource(r, sem.test),
          consistencyCooccurrencePairs: bySource(r, coo.test),
          sidCollisions: r.sids.collisions,
          reseededCodewords: r.reseeded,
          steps: r.steps,
          seconds: r.ms / 1000,
          backend: r.backend,
          lossCurves: downsample(r.lossCurves, 60),
        })),
    };
    // the markdown twin of the JSON (docs/results/tokenizers.md), generated here, never typed by hand
    fs.mkdirSync(args.out, { recursive: true });
    fs.writeFileSync(
      path.join(args.out, 'tokenizers.md'),
      `# Tokenizers on KuaiRec (generated by \`npm run higr -- tokenizers${process.argv.slice(3).length ? ' ' + process.argv.slice(3).join(' ') : ''}\`)\n\n${table}\n\nGenerated ${new Date().toISOString()}; settings, loss curves and environment: tokenizers.json. Definitions: docs/tokenizers.md.\n`,
    );
    return { table, json };
  },
};

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
