// Stage entry: item tokenizer (CRQ-VAE / RQ-VAE / RQ-KMeans, paper §3.1). One run = one tokenizer kind.
// Settings schema (UI, URL, CLI), the input assembler (catalogue, features, anchor-positive pairs from the current
// dataset — used by the browser stage, `higr run tokenizer` and `higr tokenizers`) and the run/summary adapters.
import { DEFAULT_FEATURE_SPEC, loadEmbeddingBytes, selectFeatureSpec, type ItemFeatureSpec } from '../data/item-features';
import { captionText } from '../data/features/caption';
import { DEFAULT_TEXT_ENCODER, encodeTexts, fetchTextEncoder, type TextEncoderSource } from '../data/features/text-encoder';
import type { DataWorkspace } from '../data/workspace';
import type { Dataset } from '../data/dataset';
import { catalogueFromWorkspace } from '../tokenizer/catalogue';
import { capNeighbours, cooccurrencePairs, splitPairs, unionPairs, type Neighbours } from '../tokenizer/pairs';
import { semanticNeighboursOnEngine } from '../tokenizer/neighbours';
import { plantedItems } from '../tokenizer/planted';
import { trainConfig, trainTokenizer, type FeatureMatrix, type PairSets, type LossTerms4, type TokenizerResult, type TrainCheckpoint, type TrainConfig } from '../tokenizer/train';
import type { ConfigSchema, FieldError } from './schema';
import { TOKENIZER_SCHEMA, type TokenizerStageConfig } from './tokenizer-config';

export { TOKENIZER_SCHEMA, type TokenizerStageConfig } from './tokenizer-config';
import type { StageData, StageEntry } from './types';

/** The training-loop settings a stage config maps to (the one place the browser's and `higr run`'s loops are set). */
export function tokenizerTrainConfig(c: TokenizerStageConfig, seed: number): TrainConfig {
  return trainConfig({
    seed,
    steps: c.steps,
    batchSize: c.batchSize,
    pairsPerBatch: Math.max(1, Math.floor(c.batchSize / 4)),
    lr: c.lr,
    logEvery: 1,
    validEvery: c.validEvery,
    initBatch: Math.max(512, 4 * c.codebookSize),
    model: { codebookSize: c.codebookSize, levels: c.levels, latentDim: c.latentDim, hidden: [128], eta: c.eta, lambda1: c.lambda1, lambda2: c.lambda2, w: c.w, tau: c.tau, deadAfter: 25 },
    kmeans: { iters: 10 },
  });
}

/** Anchor-positive pair construction (semantic neighbours ∪ co-occurrence, each split train / held out). */
export const PAIR_SETTINGS = { threshold: 0.8, maxPerItem: 4, heldOut: 0.2, window: 3, minCount: 5 };

export interface TokenizerDataInfo {
  source: string;
  items: number;
  dim: number;
  blocks: string;
  trainPairs: number;
  heldOutPairs: number;
}

export interface TokenizerInputs {
  features: FeatureMatrix & { blocks: { name: string; from: number; to: number }[] };
  /** first-level category per item (−1 unknown): concentration */
  labels: Int32Array;
  pairs: PairSets;
  /** the two pair sources separately (consistency per source) */
  semantic: PairSets;
  cooccurrence: PairSets;
  /** every co-occurrence pair before the split (the CLI's multi-seed / inductive splits re-split it per seed) */
  cooccurrenceAll: Int32Array;
  /** every qualifying semantic neighbour (cos ≥ threshold, before the per-item cap; the CLI re-caps it per seed) */
  neighbours: Neighbours;
  /** wall milliseconds of the assembler's phases: features, semantic neighbours, co-occurrence pairs + splits */
  timings: { featuresMs: number; neighboursMs: number; pairsMs: number };
  cooccurrenceSource: string;
  info: TokenizerDataInfo;
  /** per item (feature rows): caption, category path, tag ids — the prefix explorer's item table */
  meta: { caption: string[]; category: string[]; tags: string[] };
}

/** What a finished tokenizer run keeps (RunStore.putResult): its codes per item, for the slate decoder's SIDs. */
export interface TokenizerKept {
  kind: string;
  /** item ids (features order), (n, depth) codes, codebook size per level */
  itemIds: Int32Array;
  codes: Int32Array;
  depth: number;
  codebookSizes: number[];
}

export interface TokenizerExtras {
  /** precomputed item embeddings (.npy / .safetensors / CSV) added as feature blocks */
  embeddings?: { name: string; bytes: Uint8Array<ArrayBuffer> }[];
  /** base feature spec (block sizes; the CLI's --quick uses smaller blocks) */
  spec?: ItemFeatureSpec;
  textEncoder?: TextEncoderSource;
}

/** The loss terms as named scalars (no `cont` when the loss has no contrastive term). */
const lossScalars = (l: LossTerms4): Record<string, number> => ({ total: l.total, recon: l.recon, quant: l.quant, ...(l.cont === null ? {} : { cont: l.cont }) });

const noPairs = (): PairSets => ({ train: new Int32Array(0), test: new Int32Array(0) });

/** Caption embeddings from a Hub sentence encoder for the given item ids. */
async function textEncoderBlock(ws: DataWorkspace, src: TextEncoderSource, ids: Int32Array) {
  const caps = ws.sideTables().captions;
  if (!caps) throw new Error('the text encoder needs kuairec_caption_category.csv');
  const keep = new Set(ids);
  const rows = [...caps.videoIds.keys()].filter((r) => keep.has(caps.videoIds[r]));
  const files = await fetchTextEncoder(src);
  const enc = await encodeTexts(files, rows.map((r) => captionText(caps, r)), { prefix: src.prefix });
  const name = `text-encoder ${src.repo}`;
  return { name, weight: 1, features: { ids: Int32Array.from(rows, (r) => caps.videoIds[r]), dim: enc.dim, data: enc.data, blocks: [{ name, from: 0, to: enc.dim }] } };
}

/** Catalogue ids the features will have (same rule as catalogueFromWorkspace), for the text-encoder block. */
function catalogueIds(ws: DataWorkspace, dataset: Dataset | undefined, maxItems: number): Int32Array {
  const side = ws.sideTables();
  const base = dataset?.itemIds ?? side.categories?.videoIds ?? side.captions?.videoIds ?? new Int32Array(0);
  const ids = Int32Array.from(new Set(base)).sort();
  return maxItems && ids.length > maxItems ? ids.slice(0, maxItems) : ids;
}

/**
 * Tokenizer inputs from a workspace: the catalogue is the side-table items (bundled source) or the items of the
 * dropped source's dataset; features = the selected blocks (+ embedding files); pairs seeded by `seed`.
 */
export async function assembleTokenizerData(
  ws: DataWorkspace,
  o: {
    blocks: readonly string[];
    maxItems: number;
    seed: number;
    dataset?: Dataset;
    sourceLabel: string;
    extras?: TokenizerExtras;
    textEncoder?: boolean;
    /** embedding blocks already loaded (the CLI reads them from files) */
    precomputed?: NonNullable<ItemFeatureSpec['precomputed']>;
    /** the qualifying semantic neighbours of the features (default: blocked matmuls on the current backend; the CLI adds a disk cache) */
    neighbours?: (x: Float32Array, n: number, d: number, threshold: number) => Promise<Neighbours>;
  },
): Promise<TokenizerInputs & { spec: ItemFeatureSpec }> {
  const ex = o.extras ?? {};
  const precomputed = [...(o.precomputed ?? []), ...(await Promise.all((ex.embeddings ?? []).map(async (e) => ({ name: e.name, weight: 1, features: await loadEmbeddingBytes(e.name, e.bytes) }))))];
  if (o.textEncoder) precomputed.push(await textEncoderBlock(ws, ex.textEncoder ?? DEFAULT_TEXT_ENCODER, catalogueIds(ws, o.dataset, o.maxItems)));
  const spec = selectFeatureSpec(ex.spec ?? DEFAULT_FEATURE_SPEC, o.blocks, precomputed);
  const t0 = performance.now();
  const cat = catalogueFromWorkspace(ws, spec, { maxItems: o.maxItems || undefined, dataset: o.dataset });
  const f = cat.features;
  const n = f.ids.length;
  const P = PAIR_SETTINGS;
  const t1 = performance.now();
  const neighbours = await (o.neighbours ?? semanticNeighboursOnEngine)(f.data, n, f.dim, P.threshold);
  const t2 = performance.now();
  const semantic = splitPairs(capNeighbours(neighbours, n, P.maxPerItem, o.seed), P.heldOut, o.seed);
  const cooccurrenceAll = cat.sequences
    ? cooccurrencePairs(cat.sequences.offsets, cat.sequences.items, n, { window: P.window, minCount: P.minCount, maxPerItem: P.maxPerItem })
    : new Int32Array(0);
  const cooccurrence = cooccurrenceAll.length ? splitPairs(cooccurrenceAll, P.heldOut, o.seed + 1) : noPairs();
  const pairs = { train: unionPairs(n, semantic.train, cooccurrence.train), test: unionPairs(n, semantic.test, cooccurrence.test) };
  const timings = { featuresMs: t1 - t0, neighboursMs: t2 - t1, pairsMs: performance.now() - t2 };
  const side = ws.sideTables();
  const meta = itemMeta(f.ids, side);
  return {
    spec,
    features: f,
    labels: cat.labels,
    pairs,
    semantic,
    cooccurrence,
    cooccurrenceAll,
    neighbours,
    timings,
    cooccurrenceSource: cat.cooccurrenceSource,
    meta,
    info: {
      source: `${o.sourceLabel}; co-occurrence: ${cat.cooccurrenceSource}`,
      items: n,
      dim: f.dim,
      blocks: f.blocks.map((b) => `${b.name} ${b.to - b.from}`).join(', '),
      trainPairs: pairs.train.length / 2,
      heldOutPairs: pairs.test.length / 2,
    },
  };
}

export function itemMeta(ids: Int32Array, side: ReturnType<DataWorkspace['sideTables']>): TokenizerInputs['meta'] {
  const cap = side.captions;
  const cats = side.categories;
  const capRow = new Map<number, number>();
  cap?.videoIds.forEach((id, i) => capRow.set(id, i));
  const catRow = new Map<number, number>();
  cats?.videoIds.forEach((id, i) => catRow.set(id, i));
  const known = (s: string | undefined) => (s && s !== 'UNKNOWN' ? s : '');
  const caption: string[] = [];
  const category: string[] = [];
  const tags: string[] = [];
  for (const id of ids) {
    const c = capRow.get(id);
    const t = catRow.get(id);
    caption.push(c !== undefined ? known(cap!.caption[c]) || known(cap!.coverText[c]) || '(no caption)' : '(no caption)');
    category.push(c !== undefined ? [cap!.cat1Name[c], cap!.cat2Name[c], cap!.cat3Name[c]].filter((s) => known(s)).join(' › ') : '');
    tags.push(t !== undefined && cats ? Array.from(cats.tags.subarray(cats.tagOffsets[t], cats.tagOffsets[t + 1])).join(', ') : '');
  }
  return { caption, category, tags };
}

function plantedInputs(maxItems: number, seed: number): TokenizerInputs {
  const p = plantedItems({ items: maxItems || 512, seed: seed + 1, a: 1 });
  const pairs = splitPairs(p.pairs, 0.2, seed);
  const n = p.features.ids.length;
  return {
    features: { ...p.features, blocks: [{ name: 'planted', from: 0, to: p.features.dim }] },
    labels: p.group,
    pairs,
    semantic: pairs,
    cooccurrence: noPairs(),
    cooccurrenceAll: new Int32Array(0),
    neighbours: { offsets: new Int32Array(n + 1), nbrs: new Int32Array(0) },
    timings: { featuresMs: 0, neighboursMs: 0, pairsMs: 0 },
    cooccurrenceSource: 'none',
    meta: { caption: Array.from(p.group, (g) => `planted item (group ${g})`), category: Array.from(p.group, (g) => `group ${g}`), tags: new Array(n).fill('') },
    info: { source: 'planted demo items (8 groups × 8 nuisance clusters)', items: n, dim: p.features.dim, blocks: 'group 8, nuisance 8', trainPairs: pairs.train.length / 2, heldOutPairs: pairs.test.length / 2 },
  };
}

export const tokenizerStage: StageEntry<TokenizerStageConfig & Record<string, unknown>, TokenizerInputs, TokenizerResult, TrainCheckpoint> = {
  id: 'tokenizer',
  title: 'Item tokenizer',
  schema: TOKENIZER_SCHEMA as unknown as ConfigSchema,
  async assemble(data: StageData, cfg, extras) {
    const seed = Number((cfg as { seed?: number }).seed ?? 0);
    if (cfg.source === 'planted') return plantedInputs(cfg.maxItems, seed);
    const dropped = data.source && !data.source.bundled ? data.dataset : undefined;
    const { spec: _spec, ...inputs } = await assembleTokenizerData(data.workspace, {
      blocks: cfg.features,
      maxItems: cfg.maxItems,
      seed,
      dataset: dropped,
      sourceLabel: dropped ? `items of ${data.source!.name}` : 'bundled KuaiRec catalogue',
      extras: extras as TokenizerExtras | undefined,
      textEncoder: cfg.textEncoder,
    });
    return inputs;
  },
  describeInputs: (i) => ({ items: i.info.items, dim: i.info.dim, source: i.info.source, blocks: i.info.blocks, trainPairs: i.info.trainPairs, heldOutPairs: i.info.heldOutPairs }),
  transferables: (i) => [i.features.data.buffer as ArrayBuffer, i.labels.buffer as ArrayBuffer],
  checkInputs(i, cfg) {
    const e: FieldError[] = [];
    if (i.info.items < cfg.codebookSize) e.push({ field: 'codebookSize', message: `K = ${cfg.codebookSize} codewords but only ${i.info.items} items: choose K ≤ ${i.info.items}` });
    if (i.info.items < 2) e.push({ field: 'maxItems', message: `only ${i.info.items} item(s) to tokenize` });
    return e;
  },
  async run(inputs, cfg, ctx) {
    return trainTokenizer(cfg.kind, inputs.features, tokenizerTrainConfig(cfg, cfg.seed), {
      pairs: inputs.pairs,
      labels: inputs.labels,
      signal: ctx.signal,
      checkpoint: ctx.checkpoint,
      onProgress: (p) =>
        ctx.onProgress({
          step: p.step,
          total: p.steps,
          scalars: { ...lossScalars(p.losses), ...Object.fromEntries(p.utilisation.map((u, d) => [`util${d + 1}`, u])) },
          ...(p.valid ? { valid: lossScalars(p.valid) } : {}),
          detail: { usage: p.usage, reseeded: p.reseeded },
        }),
    });
  },
  keep: (r): TokenizerKept => ({ kind: r.kind, itemIds: r.sids.itemIds, codes: r.codes, depth: r.sids.depth, codebookSizes: r.sids.widths.slice(0, r.sids.depth) }),
  summarise(r) {
    const m = r.metrics;
    return {
      metrics: {
        collision: m.collisionRate,
        concentration: m.concentration,
        consistency: m.consistency,
        consistencyChance: m.consistencyChance,
        reconRel: m.reconRel,
        ...Object.fromEntries(m.levels.map((l, d) => [`utilisation${d + 1}`, l.utilisation])),
        steps: r.steps,
      },
      extra: { kind: r.kind, metrics: m, stoppedEarly: r.stoppedEarly, reseeded: r.reseeded, collisions: r.sids.collisions, backend: r.backend },
    };
  },
};
