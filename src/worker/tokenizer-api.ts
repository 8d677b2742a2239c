// Tokenizer functions of the pipeline worker (spread into its Comlink api by one line in pipeline.worker.ts).
// The worker loads the item catalogue itself (bundled KuaiRec side tables + co-occurrence, or the planted demo set),
// trains on the backend the worker selected (the app's backend setting: auto = WebGPU on a hardware adapter, wasm otherwise), keeps the full results here and returns summaries:
// metrics, loss curves, code usage, explorer projections, prefix contents. Only plain data crosses the boundary.
import { browserFetchLike, loadBundledDataset } from '../data/bundled';
import { DEFAULT_FEATURE_SPEC, FEATURE_BLOCKS, loadEmbeddingBytes, selectFeatureSpec } from '../data/item-features';
import { captionText } from '../data/features/caption';
import { encodeTexts, fetchTextEncoder, type TextEncoderSource } from '../data/features/text-encoder';
import type { DataWorkspace } from '../data/workspace';
import type { CaptionTable, ItemCategoryTable } from '../data/tables';
import { catalogueFromWorkspace } from '../tokenizer/catalogue';
import { itemsUnderPrefix, pca2, subsampleRows, sunburstData, umap2, type Sunburst } from '../tokenizer/explore';
import type { TokenizerMetrics } from '../tokenizer/metrics';
import { cooccurrencePairs, semanticPairs, splitPairs, unionPairs } from '../tokenizer/pairs';
import { plantedItems } from '../tokenizer/planted';
import { trainTokenizer, type FeatureMatrix, type LossCurves, type PairSets, type Progress, type TokenizerKind, type TokenizerResult, type DeepPartial, type TrainConfig } from '../tokenizer/train';

export interface TokenizerRequest {
  source: 'kuairec' | 'planted';
  /** URL of the bundled data folder (kuairec) */
  dataBase?: string;
  /** first N catalogue items (0 = all) */
  maxItems: number;
  /** local feature blocks to combine (default: all) */
  features?: string[];
  /** precomputed item embeddings dropped by the user (.npy / .safetensors / CSV), added as feature blocks */
  embeddings?: { name: string; bytes: Uint8Array<ArrayBuffer> }[];
  /** opt-in: caption embeddings from a Hub sentence encoder (downloaded once, cached by the browser) */
  textEncoder?: TextEncoderSource;
  kinds: TokenizerKind[];
  config: DeepPartial<TrainConfig>;
}

export interface TokenizerRunSummary {
  kind: TokenizerKind;
  metrics: TokenizerMetrics;
  curves: LossCurves;
  collisions: { items: number; groups: number; maxGroup: number; rate: number };
  reseeded: number[];
  steps: number;
  stoppedEarly: boolean;
  seconds: number;
  backend: string;
}

export interface TokenizerDataInfo {
  source: string;
  items: number;
  dim: number;
  blocks: string;
  trainPairs: number;
  heldOutPairs: number;
}

export interface ExplorerData {
  kind: TokenizerKind;
  method: 'pca' | 'umap';
  x: number[];
  y: number[];
  /** level-1 code of each projected point */
  s1: number[];
  /** item ids of the projected points */
  ids: number[];
  explained?: [number, number];
  sunburst: Sunburst;
  levels: number;
}

export interface PrefixItem {
  id: number;
  sid: number[];
  caption: string;
  category: string;
  tags: string;
}

interface Catalog {
  key: string;
  features: FeatureMatrix;
  labels: Int32Array;
  pairs: PairSets;
  info: TokenizerDataInfo;
  captions?: CaptionTable;
  categories?: ItemCategoryTable;
  planted?: Int32Array;
}

let catalog: Catalog | null = null;
const results = new Map<TokenizerKind, TokenizerResult>();
let abort: AbortController | null = null;

/** Caption embeddings of the catalogue's items (the same first-N sorted video ids as catalogueFromWorkspace). */
async function textEncoderBlock(side: ReturnType<DataWorkspace['sideTables']>, src: TextEncoderSource, maxItems: number) {
  const caps = side.captions;
  if (!caps) throw new Error('the text encoder needs kuairec_caption_category.csv');
  let ids = Int32Array.from(new Set(side.categories?.videoIds ?? caps.videoIds)).sort();
  if (maxItems && ids.length > maxItems) ids = ids.slice(0, maxItems);
  const keep = new Set(ids);
  const rows = [...caps.videoIds.keys()].filter((r) => keep.has(caps.videoIds[r]));
  const files = await fetchTextEncoder(src);
  const enc = await encodeTexts(files, rows.map((r) => captionText(caps, r)), { prefix: src.prefix });
  const name = `text-encoder ${src.repo}`;
  return { name, weight: 1, features: { ids: Int32Array.from(rows, (r) => caps.videoIds[r]), dim: enc.dim, data: enc.data, blocks: [{ name, from: 0, to: enc.dim }] } };
}

async function loadCatalog(req: TokenizerRequest, seed: number): Promise<Catalog> {
  const key = JSON.stringify([req.source, req.dataBase, req.maxItems, req.features, req.embeddings?.map((e) => [e.name, e.bytes.length]), req.textEncoder, seed]);
  if (catalog?.key === key) return catalog;
  if (req.source === 'planted') {
    const p = plantedItems({ items: req.maxItems || 512, seed: seed + 1, a: 1 });
    const pairs = splitPairs(p.pairs, 0.2, seed);
    catalog = {
      key,
      features: p.features,
      labels: p.group,
      pairs,
      planted: p.group,
      info: { source: 'planted demo items (8 groups × 8 nuisance clusters)', items: p.features.ids.length, dim: p.features.dim, blocks: 'group 8, nuisance 8', trainPairs: pairs.train.length / 2, heldOutPairs: pairs.test.length / 2 },
    };
    return catalog;
  }
  const r = await loadBundledDataset(browserFetchLike(req.dataBase ?? './data/'), {});
  const precomputed = await Promise.all((req.embeddings ?? []).map(async (e) => ({ name: e.name, weight: 1, features: await loadEmbeddingBytes(e.name, e.bytes) })));
  if (req.textEncoder) precomputed.push(await textEncoderBlock(r.workspace.sideTables(), req.textEncoder, req.maxItems));
  const spec = selectFeatureSpec(DEFAULT_FEATURE_SPEC, req.features ?? [...FEATURE_BLOCKS], precomputed);
  const cat = catalogueFromWorkspace(r.workspace, spec, { maxItems: req.maxItems || undefined });
  const f = cat.features;
  const n = f.ids.length;
  const sem = splitPairs(semanticPairs(f.data, n, f.dim, { threshold: 0.8, maxPerItem: 4, seed }), 0.2, seed);
  const coo = cat.sequences ? splitPairs(cooccurrencePairs(cat.sequences.offsets, cat.sequences.items, n, { window: 3, minCount: 5, maxPerItem: 4 }), 0.2, seed + 1) : { train: new Int32Array(0), test: new Int32Array(0) };
  const pairs = { train: unionPairs(n, sem.train, coo.train), test: unionPairs(n, sem.test, coo.test) };
  const side = r.workspace.sideTables();
  catalog = {
    key,
    features: f,
    labels: cat.labels,
    pairs,
    captions: side.captions,
    categories: side.categories,
    info: { source: `bundled KuaiRec; co-occurrence: ${cat.cooccurrenceSource}`, items: n, dim: f.dim, blocks: f.blocks.map((b) => `${b.name} ${b.to - b.from}`).join(', '), trainPairs: pairs.train.length / 2, heldOutPairs: pairs.test.length / 2 },
  };
  return catalog;
}

/** `useBackend` makes the pipeline's chosen backend current (the worker's backend setting) and returns its kind. */
export function tokenizerApi(useBackend: () => Promise<string>) {
  return {
    /** Train the requested tokenizers one after the other; progress (≤ 4/s) goes to `onProgress`. */
    async tokenizerTrain(
      req: TokenizerRequest,
      onProgress?: (p: Progress & { info?: TokenizerDataInfo }) => unknown,
      onResult?: (r: TokenizerRunSummary) => unknown,
    ): Promise<{ info: TokenizerDataInfo; runs: TokenizerRunSummary[] }> {
      abort?.abort();
      const ac = new AbortController();
      abort = ac;
      const seed = Number(req.config.seed ?? 0);
      const cat = await loadCatalog(req, seed);
      await useBackend();
      const runs: TokenizerRunSummary[] = [];
      for (const kind of req.kinds) {
        if (ac.signal.aborted) break;
        let last = 0;
        const r = await trainTokenizer(kind, cat.features, req.config, {
          pairs: cat.pairs,
          labels: cat.labels,
          signal: ac.signal,
          onProgress: (p) => {
            const now = performance.now();
            if (now - last < 250 && p.step < p.steps - 1) return;
            last = now;
            void onProgress?.({ ...p, info: cat.info });
          },
        });
        results.set(kind, r);
        const s: TokenizerRunSummary = {
          kind,
          metrics: r.metrics,
          curves: r.lossCurves,
          collisions: r.sids.collisions,
          reseeded: r.reseeded,
          steps: r.steps,
          stoppedEarly: r.stoppedEarly,
          seconds: r.ms / 1000,
          backend: r.backend,
        };
        runs.push(s);
        void onResult?.(s);
      }
      if (abort === ac) abort = null;
      return { info: cat.info, runs };
    },

    /** Stop the running training: the current tokenizer finishes with its weights so far; the rest are skipped. */
    tokenizerStop(): boolean {
      if (!abort) return false;
      abort.abort();
      return true;
    },

    /** Projection of a trained tokenizer's item latents + its prefix sunburst. */
    async tokenizerExplorer(kind: TokenizerKind, method: 'pca' | 'umap', maxPoints = 2000): Promise<ExplorerData> {
      const r = results.get(kind);
      if (!r) throw new Error(`${kind} has not been trained in this session (runs restored after a reload keep their metrics and curves; train again to explore their prefixes)`);
      const n = r.sids.itemIds.length;
      const rows = subsampleRows(n, method === 'umap' ? Math.min(maxPoints, 1500) : maxPoints, 7);
      const p = method === 'pca' ? pca2(r.latents, n, r.latentDim, rows) : await umap2(r.latents, n, r.latentDim, rows, 7);
      const D = r.sids.depth;
      return {
        kind,
        method,
        x: Array.from(p.x),
        y: Array.from(p.y),
        s1: Array.from(p.rows, (i) => r.codes[i * D]),
        ids: Array.from(p.rows, (i) => r.sids.itemIds[i]),
        explained: p.explained,
        sunburst: sunburstData(r.sids, 2),
        levels: D,
      };
    },

    /** Items under a prefix, with caption and categories. */
    tokenizerPrefixItems(kind: TokenizerKind, prefix: number[], limit = 50): { total: number; items: PrefixItem[] } {
      const r = results.get(kind);
      if (!r || !catalog) throw new Error(`${kind} has not been trained in this session (runs restored after a reload keep their metrics and curves; train again to explore their prefixes)`);
      const { rows, total } = itemsUnderPrefix(r.sids, prefix, limit);
      const W = r.sids.depth + 1;
      const cap = catalog.captions;
      const capRow = new Map<number, number>();
      cap?.videoIds.forEach((id, i) => capRow.set(id, i));
      const catRow = new Map<number, number>();
      catalog.categories?.videoIds.forEach((id, i) => catRow.set(id, i));
      const items = rows.map((i) => {
        const id = r.sids.itemIds[i];
        const c = capRow.get(id);
        const t = catRow.get(id);
        const cats = catalog!.categories;
        return {
          id,
          sid: Array.from(r.sids.sids.subarray(i * W, i * W + W)),
          caption: c !== undefined ? cap!.caption[c] || cap!.coverText[c] || '' : catalog!.planted ? `planted item (group ${catalog!.planted[i]})` : '',
          category: c !== undefined ? [cap!.cat1Name[c], cap!.cat2Name[c], cap!.cat3Name[c]].filter((s) => s && s !== 'UNKNOWN').join(' › ') : catalog!.planted ? `group ${catalog!.planted[i]}` : '',
          tags: t !== undefined && cats ? Array.from(cats.tags.subarray(cats.tagOffsets[t], cats.tagOffsets[t + 1])).join(', ') : '',
        };
      });
      return { total, items };
    },
  };
}
