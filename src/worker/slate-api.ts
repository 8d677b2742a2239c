// Slate-model + decoding functions of the pipeline worker (spread into its Comlink api by one line in
// pipeline.worker.ts). The worker prepares the data (bundled KuaiRec under the reference protocol with SIDs from an
// RQ-KMeans tokenizer trained here, or the planted demo sequences), trains the HSD with the same `run` as the CLI,
// keeps the model, and answers decoding requests with GSBI traces turned into plain views for the Decoding stepper.
import type { GpuContext } from '../engine/device';
import { CpuBackend, noGrad, setBackend, tensor, tidyAsync, WebGPUBackend, cosineSim, reshape } from '../engine';
import { browserFetchLike, loadBundledDataset } from '../data/bundled';
import { DEFAULT_FEATURE_SPEC } from '../data/item-features';
import type { CaptionTable } from '../data/tables';
import { historyBatch } from '../models/context-encoder';
import { gsbi, type SidLookup } from '../models/gsbi';
import { countParameters, hsdConfig, type HierarchicalSlateDecoder, type HsdConfig } from '../models/slate-decoder';
import { plantedSlateData, referenceSplit, sidsForDataset, slateInputs } from '../train/slate-data';
import { run, type Curves, type SlateTrainConfig, type SlateTrainInputs, type Slates } from '../train/slate-decoder';

export interface SlateTrainRequest {
  source: 'kuairec' | 'planted';
  dataBase?: string;
  backend: 'webgpu' | 'cpu';
  model: Partial<HsdConfig>;
  train: Partial<SlateTrainConfig>;
}

export interface SlateTrainProgress {
  step: number;
  total: number;
  epoch: number;
  loss?: number;
  validRecall5?: number;
}

export interface SlateTrainSummary {
  source: string;
  backend: string;
  users: number;
  items: number;
  widths: number[];
  params: number;
  config: HsdConfig;
  curves: Curves;
  bestEpoch: number;
  stoppedEarly: boolean;
  seconds: number;
  /** test slates that can be decoded (index -> user label) */
  testUsers: { index: number; user: number; history: number }[];
}

export interface ItemView {
  item: number;
  id: number;
  caption: string;
  category: string;
  sid: number[];
}

export interface StepView {
  position: number;
  /** items whose preference embedding is closest (cosine) to the planner's î_m */
  nearest: (ItemView & { cosine: number })[];
  /** per level: candidates (parent beam's SID prefix + code), cumulative log-prob, kept or pruned */
  levels: { prefix: number[]; code: number; score: number; kept: boolean }[][];
  beams: { sid: number[]; item: ItemView; score: number }[];
  chosen: ItemView;
  inTarget: boolean;
}

export interface DecodeView {
  user: number;
  history: ItemView[];
  target: ItemView[];
  steps: StepView[];
  beam: number;
}

export interface Trained {
  model: HierarchicalSlateDecoder;
  /** the training settings it was trained with (the OneRec-style side of the stepper trains with the same) */
  train: Partial<SlateTrainConfig>;
  inputs: SlateTrainInputs;
  test: Slates;
  lookup: SidLookup;
  userIds: Int32Array | null;
  itemIds: Int32Array | null;
  captions: CaptionTable | null;
}

/** The HSD the worker holds and its item views, for the stepper's OneRec-style side (src/worker/flat-decode-api.ts). */
let current: CurrentSlateModel | null = null;
export interface CurrentSlateModel {
  trained: Trained;
  itemView: (item: number) => ItemView;
  /** make the backend it was trained on current again; returns its kind */
  useBackend: () => Promise<string>;
}
export function currentSlateModel(): CurrentSlateModel | null {
  return current;
}

/** `useBackend` makes the worker's selected backend current (the app's backend setting) and returns its kind. */
export function slateApi(useBackend: () => Promise<string>) {
  let trained: Trained | null = null;

  function itemView(t: Trained, item: number): ItemView {
    const L = t.inputs.widths.length;
    const id = t.itemIds ? t.itemIds[item] : item;
    let caption = `planted item ${item}`;
    let category = '';
    if (t.captions) {
      const row = captionRow(t.captions, id);
      if (row >= 0) {
        caption = t.captions.caption[row] || t.captions.coverText[row] || '';
        category = [t.captions.cat1Name[row], t.captions.cat2Name[row]].filter((s) => s && s !== 'UNKNOWN').join(' › ');
      }
    }
    return { item, id, caption, category, sid: Array.from(t.inputs.sidCodes.subarray(item * L, (item + 1) * L)) };
  }
  let capIndex: Map<number, number> | null = null;
  function captionRow(c: CaptionTable, id: number): number {
    if (!capIndex) {
      capIndex = new Map();
      c.videoIds.forEach((v, i) => capIndex!.set(v, i));
    }
    return capIndex.get(id) ?? -1;
  }

  return {
    /** Train the HSD (replaces the previous model). `onProgress` wrapped in Comlink.proxy. */
    async trainSlateModel(req: SlateTrainRequest, onProgress?: (p: SlateTrainProgress) => void): Promise<SlateTrainSummary> {
      // 'cpu' forces the reference; otherwise the worker's selected backend (auto: WebGPU on hardware, wasm on SwiftShader)
      const cpu = new CpuBackend();
      const select = req.backend === 'cpu' ? async () => (setBackend(cpu), 'cpu') : useBackend;
      const backend = await select();
      trained?.model.dispose();
      trained = null;
      current = null;
      capIndex = null;
      const t0 = performance.now();
      let inputs: SlateTrainInputs, test: Slates, userIds: Int32Array | null = null, itemIds: Int32Array | null = null, captions: CaptionTable | null = null;
      let source: string;
      let users: number;
      if (req.source === 'planted') {
        const p = plantedSlateData(36, 60, 30, req.train.seed ?? 0);
        ({ inputs, test } = p);
        source = 'planted: 36 users walking a 60-item cycle with strides 1 / 7 / 13';
        users = 36;
      } else {
        const b = await loadBundledDataset(browserFetchLike(req.dataBase ?? './data/'), { skip: [] });
        const ds = b.build.dataset;
        const split = referenceSplit(ds, { slateSize: 5, minItems: 10 });
        const features = { ...DEFAULT_FEATURE_SPEC, caption: { weight: 1, dims: 128 }, cooccurrence: { weight: 1, dims: 32, powerIters: 2 } };
        const sids = await sidsForDataset(b.workspace, ds, { kind: 'rq-kmeans', levels: 3, codebookSize: 32, steps: 0, seed: req.train.seed ?? 0, features });
        inputs = slateInputs(ds, split, sids.table);
        test = split.test;
        userIds = ds.userIds;
        itemIds = ds.itemIds;
        captions = b.workspace.sideTables().captions ?? null;
        source = `${ds.protocol.source} (reference leave-five-out, users with >= 10 views)`;
        users = split.users;
      }
      const res = await run(inputs, req.train, {
        onProgress: (p) => onProgress?.({ step: p.step, total: p.total, epoch: p.epoch, loss: p.scalars.loss, validRecall5: p.scalars.validRecall5 }),
      });
      const tr: Trained = { model: res.model, train: req.train, inputs, test, lookup: res.lookup, userIds, itemIds, captions };
      trained = tr;
      current = { trained: tr, itemView: (item) => itemView(tr, item), useBackend: select };
      return {
        source,
        backend,
        users,
        items: inputs.numItems,
        widths: inputs.widths,
        params: res.params,
        config: hsdConfig(res.model.cfg),
        curves: res.curves,
        bestEpoch: res.bestEpoch,
        stoppedEarly: res.stoppedEarly,
        seconds: (performance.now() - t0) / 1000,
        testUsers: Array.from(test.user, (u, i) => ({ index: i, user: userIds ? userIds[u] : u, history: test.cut[i] })),
      };
    },

    /** Parameter count of a config before training (the panel shows it next to the settings). */
    async slateParameterCount(model: Partial<HsdConfig>, widths: number[], items: number): Promise<number> {
      return countParameters(hsdConfig(model), widths, items);
    },

    /** Decode test slate `index` with GSBI and return every step for the stepper. */
    async decodeSlateUser(index: number, beam: number): Promise<DecodeView> {
      const t = trained;
      if (!t) throw new Error('no slate model: train one in the Slate model panel first');
      if (!(index >= 0 && index < t.test.user.length)) throw new Error(`user index ${index} outside 0..${t.test.user.length - 1}`);
      const u = t.test.user[index], cut = t.test.cut[index];
      const seq = t.inputs.sequences;
      const hist = seq.items.subarray(seq.offsets[u], seq.offsets[u] + cut);
      const tgt = seq.items.subarray(seq.offsets[u] + cut, seq.offsets[u] + cut + 5);
      const m = t.model;
      const res = await gsbi(m, t.lookup, historyBatch([hist], t.inputs.sidCodes, m.sid, m.cfg.maxHistory), { beam, length: 5, exclude: [hist], trace: true });
      const L = t.inputs.widths.length;
      // preference embeddings of every item, for "nearest items to î_m"
      const prefs = await tidyAsync(async () => {
        const ids = m.sid.tokenIds(t.inputs.sidCodes);
        const out = noGrad(() => reshape(m.preferenceOf(tensor(ids, [t.inputs.numItems, 1, L], 'i32')), [t.inputs.numItems, m.cfg.dim]));
        return out.keep();
      });
      const steps: StepView[] = [];
      try {
        for (const [pos, tr] of res.trace![0].entries()) {
          const cos = await tidyAsync(async () => (await noGrad(() => cosineSim(tensor(tr.iHat, [1, m.cfg.dim]), prefs)).data()) as Float32Array);
          const order = Array.from(cos.keys()).sort((a, b) => cos[b] - cos[a]).slice(0, 5);
          // the beams' SID prefixes at each level, to label candidates by their parent
          const prefixes: number[][][] = [[[]]];
          for (let l = 0; l < tr.levels.length; l++) {
            const kept = tr.levels[l].filter((c) => c.kept);
            prefixes.push(kept.map((c) => [...prefixes[l][c.parent], c.code]));
          }
          const chosen = res.slates[0][pos];
          steps.push({
            position: pos,
            nearest: order.map((i) => ({ ...itemView(t, i), cosine: cos[i] })),
            levels: tr.levels.map((cands, l) => cands.map((c) => ({ prefix: prefixes[l][c.parent], code: c.code, score: c.score, kept: c.kept }))),
            beams: tr.beams.map((b) => ({ sid: b.sid, item: itemView(t, b.item), score: b.score })),
            chosen: itemView(t, chosen),
            inTarget: Array.from(tgt).includes(chosen),
          });
        }
      } finally {
        prefs.dispose();
      }
      return {
        user: t.userIds ? t.userIds[u] : u,
        history: Array.from(hist.subarray(Math.max(0, hist.length - 20)), (i) => itemView(t, i)),
        target: Array.from(tgt, (i) => itemView(t, i)),
        steps,
        beam,
      };
    },
  };
}
