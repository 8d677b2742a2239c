// The Decoding stepper's OneRec-style side (spread into the pipeline worker's Comlink api like slate-api.ts): train the
// OneRec-style flat decoder (src/models/onerec.ts) matched to a slate-decoder run of this session — same data, SID
// table, encoder, width, heads, FFN, l_slate + l_item blocks, and the run's training settings through the one trainer —
// then decode the same test user as GSBI: its token-by-token beam over the M×D SID tokens (surviving beams per token),
// the final slate next to the true next five, and wall-clock timings of both decoders on that user (untraced). The
// flat model lives in this worker for the session (one at a time, tied to its slate run).
import { historyBatch } from '../models/context-encoder';
import { gsbi } from '../models/gsbi';
import { rng } from '../models/nn';
import { flatConfigFor, flatDecode, FlatSlateDecoder, type FlatConfig } from '../models/onerec';
import type { SlateInputs, SlateStageResult } from '../stages/slate-decoder';
import { trainSlateModel, type Curves } from '../train/slate-decoder';
import { itemView, loadSlateRun, type ItemView } from './slate-api';
import { stageResults } from './stage-api';

export interface FlatTrainProgress {
  step: number;
  total: number;
  epoch: number;
  loss?: number;
  validRecall5?: number;
}

export interface FlatTrainSummary {
  /** the slate-decoder run it is matched to */
  runId: string;
  backend: string;
  params: number;
  /** the HSD it is matched to */
  hsdParams: number;
  config: FlatConfig;
  curves: Curves;
  bestEpoch: number;
  seconds: number;
}

export interface FlatTokenView {
  /** token index p, slate slot ⌊p / L⌋, SID level p mod L */
  token: number;
  slot: number;
  level: number;
  /** trie-valid candidates (beam × code) scored at this token */
  candidates: number;
  /** surviving beams after this token: SID codes so far (flat), cumulative log-probability */
  beams: { codes: number[]; score: number }[];
}

export interface FlatDecodeView {
  user: number;
  beam: number;
  tokens: FlatTokenView[];
  /** levels per item (SID codes per slot) */
  levels: number;
  slate: (ItemView & { inTarget: boolean })[];
  /** log-probability of the whole slate */
  score: number;
  target: ItemView[];
  /** the same user, untraced, same beam, KV caches on (OneRec-style also without) */
  timings: { gsbiMs: number; onerecMs: number; onerecNoCacheMs: number };
}

export function flatDecodeApi(useBackend: () => Promise<string>) {
  let flat: { model: FlatSlateDecoder; runId: string } | null = null;
  return {
    /** Train the OneRec-style flat decoder matched to slate run `runId` of this session (replaces the previous one). */
    async trainFlatModel(runId: string, onProgress?: (p: FlatTrainProgress) => void): Promise<FlatTrainSummary> {
      const live = stageResults.get(runId);
      if (!live || live.stage !== 'slate-decoder') throw new Error(`OneRec-style training needs the training data of slate run ${runId}: only a slate run trained (or resumed) in this page session has it — train one in the Slate model panel`);
      const r = live.result as SlateStageResult;
      const inputs = live.inputs as SlateInputs;
      const backend = await useBackend();
      flat?.model.dispose();
      flat = null;
      const train = r.checkpoint.config;
      const cfg = flatConfigFor(r.model.cfg);
      const t0 = performance.now();
      const m = new FlatSlateDecoder(cfg, inputs.widths, inputs.numItems, rng(train.seed));
      const M = cfg.slateSize;
      const res = await trainSlateModel(
        m,
        inputs,
        train,
        {
          kind: 'onerec',
          targetLen: M,
          slateSize: M,
          maxHistory: cfg.maxHistory,
          decode: async (hs) => (await flatDecode(m, r.lookup, historyBatch(hs, inputs.sidCodes, m.sid, cfg.maxHistory), { beam: train.beam, length: M, exclude: hs })).slates,
        },
        { onProgress: (p) => onProgress?.({ step: p.step, total: p.total, epoch: p.epoch, loss: p.scalars.loss, validRecall5: p.scalars.validRecall5 }) },
      );
      flat = { model: m, runId };
      return { runId, backend, params: res.params, hsdParams: r.model.numParameters(), config: cfg, curves: res.curves, bestEpoch: res.bestEpoch, seconds: (performance.now() - t0) / 1000 };
    },

    /** Decode test slate `index` of slate run `runId` with its OneRec-style decoder (traced), and time both decoders on it. */
    async decodeFlatUser(runId: string, index: number, beam: number): Promise<FlatDecodeView> {
      if (!flat || flat.runId !== runId) throw new Error(`no OneRec-style model for slate run ${runId}: train it first (Train OneRec-style)`);
      const t = await loadSlateRun(runId);
      const inp = t.inputs;
      if (!(index >= 0 && index < inp.test.user.length)) throw new Error(`user index ${index} outside 0..${inp.test.user.length - 1}`);
      await useBackend();
      const m = flat.model;
      const u = inp.test.user[index], cut = inp.test.cut[index];
      const seq = inp.sequences;
      const hist = seq.items.subarray(seq.offsets[u], seq.offsets[u] + cut);
      const M = t.model.cfg.slateSize;
      const tgt = Array.from(seq.items.subarray(seq.offsets[u] + cut, seq.offsets[u] + cut + M));
      const hb = historyBatch([hist], inp.sidCodes, m.sid, m.cfg.maxHistory);
      const res = await flatDecode(m, t.lookup, hb, { beam, length: M, exclude: [hist], trace: true });
      const time = async (f: () => Promise<unknown>) => {
        const t0 = performance.now();
        await f();
        return performance.now() - t0;
      };
      const hbG = historyBatch([hist], inp.sidCodes, t.model.sid, t.model.cfg.maxHistory);
      const timings = {
        gsbiMs: await time(() => gsbi(t.model, t.lookup, hbG, { beam, length: M, exclude: [hist] })),
        onerecMs: await time(() => flatDecode(m, t.lookup, hb, { beam, length: M, exclude: [hist] })),
        onerecNoCacheMs: await time(() => flatDecode(m, t.lookup, hb, { beam, length: M, exclude: [hist], cache: false })),
      };
      return {
        user: inp.userIds ? inp.userIds[u] : u,
        beam,
        levels: m.levels,
        tokens: res.trace![0].map((s, p) => ({ token: p, slot: s.slot, level: s.level, candidates: s.candidates, beams: s.beams })),
        slate: Array.from(res.slates[0], (i) => ({ ...itemView(inp, i), inTarget: tgt.includes(i) })),
        score: res.scores[0],
        target: tgt.map((i) => itemView(inp, i)),
        timings,
      };
    },
  };
}
