// Inputs of the slate-decoder stage from a loaded data workspace (same code in the worker and the CLI):
//   - the reference protocol of the evaluation issue: users with >= 10 effective views; test target = the last 5,
//     test input = everything before them; validation target = the 5 before the test slate, input = everything before
//     it; training slates = every (history seq[0, cut), next 5) window that ends before the validation slate;
//   - semantic IDs for the dataset's items from a tokenizer trained on the fly on the item features (the tokenizer
//     stage's code), with the collision level and the prefix trie (src/models/sid-table.ts).
import type { Dataset } from '../data/dataset';
import type { DataWorkspace } from '../data/workspace';
import { DEFAULT_FEATURE_SPEC, type ItemFeatureSpec } from '../data/item-features';
import { catalogueFromWorkspace } from '../tokenizer/catalogue';
import { trainTokenizer, type DeepPartial, type TokenizerKind, type TrainConfig } from '../tokenizer/train';
import { buildSidTable, type SidTableData } from '../models/sid-table';
import { rng } from '../engine/random';
import type { SlateTrainConfig, SlateTrainInputs, Slates } from './slate-decoder';
import type { HsdConfig } from '../models/slate-decoder';

/** Item features the SID tokenizers see on the bundled KuaiRec data (category, caption n-grams, big-matrix co-occurrence). */
export const REAL_DATA_FEATURES: ItemFeatureSpec = { ...DEFAULT_FEATURE_SPEC, caption: { weight: 1, dims: 128 }, cooccurrence: { weight: 1, dims: 32, powerIters: 2 } };

/**
 * The bundled default of the hierarchical slate decoder on the real data (`higr train` without size flags and HiGR's
 * Table 1 row), chosen on validation recall@5 only (docs/slate-decoder.md, "Ablations").
 */
export const HSD_REAL_DATA: { model: Partial<HsdConfig>; train: Partial<SlateTrainConfig> } = {
  // issue 18 (run m of the ablation log): each user's 20 most recent training windows, input-embedding dropout 0.4,
  // history 50, 4 epochs; before it (run e): every window, no dropout, history 20, 6 epochs
  model: { dim: 32, heads: 2, ffn: 64, encoderLayers: 1, slateLayers: 2, itemLayers: 1, maxHistory: 50, slateSize: 5, maxSlate: 10, itemIdEmbedding: true, dropout: 0.4 },
  train: { epochs: 4, stepsPerEpoch: 600, batchSize: 32, lr: 4e-3, warmup: 100, patience: 0, beam: 20, validUsers: 0, decodeBatch: 128, logEvery: 10, recentWindows: 20 },
};
/** `--quick`: a few minutes on a 2-core machine. */
export const HSD_REAL_DATA_QUICK: { model: Partial<HsdConfig>; train: Partial<SlateTrainConfig> } = {
  model: { ...HSD_REAL_DATA.model, slateLayers: 1 },
  train: { ...HSD_REAL_DATA.train, epochs: 2, stepsPerEpoch: 30, lr: 2e-3, warmup: 10, validUsers: 100, patience: 3 },
};

export interface ReferenceSplit {
  /** users kept (>= minItems effective views) */
  users: number;
  train: Slates;
  valid: Slates;
  test: Slates;
  minItems: number;
  slateSize: number;
}

/** The reference leave-five-out protocol over a dataset's sequences (see the file header). */
export function referenceSplit(ds: Dataset, opts: { slateSize?: number; minItems?: number; stride?: number } = {}): ReferenceSplit {
  const M = opts.slateSize ?? 5;
  const minItems = opts.minItems ?? 2 * M;
  const stride = Math.max(1, opts.stride ?? 1);
  const tu: number[] = [], tc: number[] = [], vu: number[] = [], vc: number[] = [], su: number[] = [], sc: number[] = [];
  let users = 0;
  for (let u = 0; u + 1 < ds.seqOffsets.length; u++) {
    const n = ds.seqOffsets[u + 1] - ds.seqOffsets[u];
    if (n < minItems) continue;
    users++;
    su.push(u), sc.push(n - M);
    const vcut = n - 2 * M;
    if (vcut >= 1) vu.push(u), vc.push(vcut);
    for (let cut = 1; cut + M <= vcut; cut += stride) tu.push(u), tc.push(cut);
  }
  const s = (u: number[], c: number[]): Slates => ({ user: Int32Array.from(u), cut: Int32Array.from(c) });
  return { users, train: s(tu, tc), valid: s(vu, vc), test: s(su, sc), minItems, slateSize: M };
}

export interface SlateTokenizerSettings {
  kind: TokenizerKind;
  levels: number;
  codebookSize: number;
  steps: number;
  seed: number;
  features: ItemFeatureSpec;
}

export interface SlateSids {
  table: SidTableData;
  /** tokenizer settings and its own metrics (collisions) */
  tokenizer: { kind: TokenizerKind; levels: number; codebookSize: number; steps: number; collisionRate: number; maxGroup: number; featureDim: number; ms: number };
}

/** Train a tokenizer on the features of the dataset's items (dense order) and return their SID table. */
export async function sidsForDataset(ws: DataWorkspace, ds: Dataset, s: SlateTokenizerSettings, signal?: AbortSignal): Promise<SlateSids> {
  const cat = catalogueFromWorkspace(ws, s.features);
  const row = new Map<number, number>();
  cat.features.ids.forEach((id, i) => row.set(id, i));
  const n = ds.itemIds.length;
  const F = cat.features.dim;
  const data = new Float32Array(n * F);
  const missing: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = row.get(ds.itemIds[i]);
    if (r === undefined) missing.push(ds.itemIds[i]);
    else data.set(cat.features.data.subarray(r * F, (r + 1) * F), i * F);
  }
  if (missing.length) throw new Error(`item features: ${missing.length} dataset items have no side-table row (e.g. video_id ${missing[0]})`);
  const cfg: DeepPartial<TrainConfig> = {
    seed: s.seed,
    steps: s.steps,
    model: { levels: s.levels, codebookSize: s.codebookSize, hidden: [128], latentDim: 32 },
    kmeans: { iters: 10 },
    logEvery: 25,
  };
  const labels = cat.labels.length ? Int32Array.from({ length: n }, (_, i) => cat.labels[row.get(ds.itemIds[i])!]) : undefined;
  const r = await trainTokenizer(s.kind, { ids: Int32Array.from({ length: n }, (_, i) => i), dim: F, data }, cfg, { signal, labels });
  return {
    table: r.sids,
    tokenizer: {
      kind: s.kind,
      levels: s.levels,
      codebookSize: s.codebookSize,
      steps: s.kind === 'rq-kmeans' ? 0 : r.steps,
      collisionRate: r.sids.collisions.rate,
      maxGroup: r.sids.collisions.maxGroup,
      featureDim: F,
      ms: r.ms,
    },
  };
}

/** Training inputs from a dataset, its split and SID table. */
export function slateInputs(ds: Dataset, split: ReferenceSplit, table: SidTableData): SlateTrainInputs {
  return {
    numItems: ds.itemIds.length,
    sidCodes: table.sids,
    widths: table.widths,
    trie: table.trie,
    sequences: { offsets: ds.seqOffsets, items: ds.seqItems },
    train: split.train,
    valid: split.valid,
  };
}

/**
 * Planted sequences (learning tests, the browser demo): N items on a cycle, each user walks it with a user-specific
 * stride (1, 7 or 13) from a random start, so the next five items follow from the last two; popularity is flat.
 * SIDs: (i mod 8, floor(i / 8)) + the collision level. Slates: history seq[0, cut) -> next M, like the reference split.
 */
export function plantedSlateData(users: number, N: number, len: number, seed: number, M = 5): { inputs: SlateTrainInputs; test: Slates; table: SidTableData } {
  const r = rng(seed);
  const offsets = new Int32Array(users + 1);
  const items: number[] = [];
  for (let u = 0; u < users; u++) {
    const stride = [1, 7, 13][u % 3];
    let cur = Math.floor(r() * N);
    for (let t = 0; t < len; t++) {
      items.push(cur);
      cur = (cur + stride) % N;
    }
    offsets[u + 1] = items.length;
  }
  const codes = Int32Array.from({ length: N * 2 }, (_, k) => (k % 2 === 0 ? Math.floor(k / 2) % 8 : Math.floor(Math.floor(k / 2) / 8)));
  const table = buildSidTable(Int32Array.from({ length: N }, (_, i) => i), codes, 2, [8, Math.ceil(N / 8)]);
  const tu: number[] = [], tc: number[] = [];
  for (let u = 0; u < users; u++) for (let cut = 2; cut + M <= len - 2 * M; cut++) tu.push(u), tc.push(cut);
  const all = Int32Array.from({ length: users }, (_, u) => u);
  return {
    inputs: {
      numItems: N,
      sidCodes: table.sids,
      widths: table.widths,
      trie: table.trie,
      sequences: { offsets, items: Int32Array.from(items) },
      train: { user: Int32Array.from(tu), cut: Int32Array.from(tc) },
      valid: { user: all, cut: new Int32Array(users).fill(len - 2 * M) },
    },
    test: { user: all, cut: new Int32Array(users).fill(len - M) },
    table,
  };
}
