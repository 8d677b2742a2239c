// Decoding views of the pipeline worker (spread into its Comlink api by one line in pipeline.worker.ts): GSBI traces of
// a finished slate-decoder run turned into plain views for the Decoding stepper. Training goes through the stage layer
// (src/stages/slate-decoder.ts via stageRun); the model is the run's own (this session) or rebuilt from the run's kept
// result in the run store (weights + SID table + sequences), so a reload does not lose the trained model.
import { cosineSim, noGrad, reshape, tensor, tidyAsync } from '../engine';
import { historyBatch } from '../models/context-encoder';
import { gsbi, type SidLookup } from '../models/gsbi';
import { PrefixTrie } from '../models/sid-table';
import { countParameters, hsdConfig, type HierarchicalSlateDecoder, type HsdConfig } from '../models/slate-decoder';
import { modelFromCheckpoint } from '../train/slate-decoder';
import type { SlateInputs, SlateKept, SlateStageResult } from '../stages/slate-decoder';
import { runStore, stageResults } from './stage-api';

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
  runId: string;
  /** 'session' = the model trained in this page session; 'checkpoint' = rebuilt from the stored run */
  from: 'session' | 'checkpoint';
  user: number;
  history: ItemView[];
  target: ItemView[];
  steps: StepView[];
  beam: number;
}

type DecodeInputs = Omit<SlateInputs, 'train' | 'valid'>;
interface Loaded {
  runId: string;
  model: HierarchicalSlateDecoder;
  inputs: DecodeInputs;
  lookup: SidLookup;
  from: DecodeView['from'];
}

export function slateApi() {
  let rebuilt: Loaded | null = null;

  /** The run's model: trained in this session, else rebuilt from its kept result (one rebuilt model cached). */
  async function load(runId: string): Promise<Loaded> {
    const live = stageResults.get(runId);
    if (live) {
      if (live.stage !== 'slate-decoder') throw new Error(`run ${runId} is a ${live.stage} run, not a slate-decoder run`);
      const r = live.result as SlateStageResult;
      return { runId, model: r.model, inputs: live.inputs as DecodeInputs, lookup: r.lookup, from: 'session' };
    }
    if (rebuilt?.runId === runId) return rebuilt;
    const kept = await runStore().getResult<SlateKept>(runId);
    if (!kept) throw new Error(`slate run ${runId} has no stored model (only finished or stopped runs keep one): train or resume it in the Slate model panel`);
    rebuilt?.model.dispose();
    const d = kept.decode;
    rebuilt = { runId, model: modelFromCheckpoint(kept.checkpoint), inputs: d, lookup: { sids: d.sidCodes, trie: new PrefixTrie(d.trie, d.widths) }, from: 'checkpoint' };
    return rebuilt;
  }

  function itemView(i: DecodeInputs, item: number): ItemView {
    const L = i.widths.length;
    return { item, id: i.itemIds ? i.itemIds[item] : item, caption: i.meta.caption[item] ?? '', category: i.meta.category[item] ?? '', sid: Array.from(i.sidCodes.subarray(item * L, (item + 1) * L)) };
  }

  return {
    /** Parameter count of a config before training (the panel shows it next to the settings). */
    async slateParameterCount(model: Partial<HsdConfig>, widths: number[], items: number): Promise<number> {
      return countParameters(hsdConfig(model), widths, items);
    },

    /** Decode test slate `index` of slate run `runId` with GSBI and return every step for the stepper. */
    async decodeSlateUser(runId: string, index: number, beam: number): Promise<DecodeView> {
      const t = await load(runId);
      const inp = t.inputs;
      if (!(index >= 0 && index < inp.test.user.length)) throw new Error(`user index ${index} outside 0..${inp.test.user.length - 1}`);
      const u = inp.test.user[index], cut = inp.test.cut[index];
      const M = inp.info.slateSize;
      const seq = inp.sequences;
      const hist = seq.items.subarray(seq.offsets[u], seq.offsets[u] + cut);
      const tgt = seq.items.subarray(seq.offsets[u] + cut, seq.offsets[u] + cut + M);
      const m = t.model;
      const res = await gsbi(m, t.lookup, historyBatch([hist], inp.sidCodes, m.sid, m.cfg.maxHistory), { beam, length: M, exclude: [hist], trace: true });
      const L = inp.widths.length;
      // preference embeddings of every item, for "nearest items to î_m"
      const prefs = await tidyAsync(async () => {
        const ids = m.sid.tokenIds(inp.sidCodes);
        const out = noGrad(() => reshape(m.preferenceOf(tensor(ids, [inp.numItems, 1, L], 'i32')), [inp.numItems, m.cfg.dim]));
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
            nearest: order.map((i) => ({ ...itemView(inp, i), cosine: cos[i] })),
            levels: tr.levels.map((cands, l) => cands.map((c) => ({ prefix: prefixes[l][c.parent], code: c.code, score: c.score, kept: c.kept }))),
            beams: tr.beams.map((b) => ({ sid: b.sid, item: itemView(inp, b.item), score: b.score })),
            chosen: itemView(inp, chosen),
            inTarget: Array.from(tgt).includes(chosen),
          });
        }
      } finally {
        prefs.dispose();
      }
      return {
        runId,
        from: t.from,
        user: inp.userIds ? inp.userIds[u] : u,
        history: Array.from(hist.subarray(Math.max(0, hist.length - 20)), (i) => itemView(inp, i)),
        target: Array.from(tgt, (i) => itemView(inp, i)),
        steps,
        beam,
      };
    },
  };
}
