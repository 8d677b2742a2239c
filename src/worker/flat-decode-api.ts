// The Decoding stepper's OneRec-style side (spread into the pipeline worker's Comlink api like slate-api.ts): train the
// OneRec-style flat decoder (src/models/onerec.ts) matched to the HSD the worker holds — same data, SID table,
// encoder, width, heads, FFN, l_slate + l_item blocks, and the same training settings through the one trainer — then
// decode the same test user as GSBI: its token-by-token beam over the M×D SID tokens (surviving beams per token),
// the final slate next to the true next five, and wall-clock timings of both decoders on that user (untraced).
import { historyBatch } from '../models/context-encoder';
import { gsbi } from '../models/gsbi';
import { rng } from '../models/nn';
import { flatConfigFor, flatDecode, FlatSlateDecoder, type FlatConfig } from '../models/onerec';
import { trainSlateModel, type Curves } from '../train/slate-decoder';
import { currentSlateModel, type ItemView } from './slate-api';

export interface FlatTrainProgress {
  step: number;
  total: number;
  epoch: number;
  loss?: number;
  validRecall5?: number;
}

export interface FlatTrainSummary {
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

export function flatDecodeApi() {
  let flat: { model: FlatSlateDecoder; of: unknown } | null = null;
  const need = () => {
    const c = currentSlateModel();
    if (!c) throw new Error('no slate model: train one in the Slate model panel first');
    return c;
  };
  return {
    /** Train the OneRec-style flat decoder matched to the worker's HSD (replaces the previous one). */
    async trainFlatModel(onProgress?: (p: FlatTrainProgress) => void): Promise<FlatTrainSummary> {
      const c = need();
      const backend = await c.useBackend(); // the HSD's backend: both models on one backend
      flat?.model.dispose();
      flat = null;
      const t = c.trained;
      const cfg = flatConfigFor(t.model.cfg);
      const t0 = performance.now();
      const m = new FlatSlateDecoder(cfg, t.inputs.widths, t.inputs.numItems, rng(t.train.seed ?? 0));
      const M = cfg.slateSize;
      const beam = t.train.beam ?? 5;
      const res = await trainSlateModel(
        m,
        t.inputs,
        t.train,
        {
          kind: 'onerec',
          targetLen: M,
          slateSize: M,
          maxHistory: cfg.maxHistory,
          decode: async (hs) => (await flatDecode(m, t.lookup, historyBatch(hs, t.inputs.sidCodes, m.sid, cfg.maxHistory), { beam, length: M, exclude: hs })).slates,
        },
        { onProgress: (p) => onProgress?.({ step: p.step, total: p.total, epoch: p.epoch, loss: p.scalars.loss, validRecall5: p.scalars.validRecall5 }) },
      );
      flat = { model: m, of: t };
      return { backend, params: res.params, hsdParams: t.model.numParameters(), config: cfg, curves: res.curves, bestEpoch: res.bestEpoch, seconds: (performance.now() - t0) / 1000 };
    },

    /** Decode test slate `index` with the OneRec-style decoder (traced), and time both decoders on it. */
    async decodeFlatUser(index: number, beam: number): Promise<FlatDecodeView> {
      const c = need();
      const t = c.trained;
      await c.useBackend();
      if (!flat || flat.of !== t) throw new Error('no OneRec-style model for this slate model: train it first (Train OneRec-style)');
      if (!(index >= 0 && index < t.test.user.length)) throw new Error(`user index ${index} outside 0..${t.test.user.length - 1}`);
      const m = flat.model;
      const u = t.test.user[index], cut = t.test.cut[index];
      const seq = t.inputs.sequences;
      const hist = seq.items.subarray(seq.offsets[u], seq.offsets[u] + cut);
      const M = t.model.cfg.slateSize;
      const tgt = Array.from(seq.items.subarray(seq.offsets[u] + cut, seq.offsets[u] + cut + M));
      const hb = historyBatch([hist], t.inputs.sidCodes, m.sid, m.cfg.maxHistory);
      const res = await flatDecode(m, t.lookup, hb, { beam, length: M, exclude: [hist], trace: true });
      const time = async (f: () => Promise<unknown>) => {
        const t0 = performance.now();
        await f();
        return performance.now() - t0;
      };
      const hbG = historyBatch([hist], t.inputs.sidCodes, t.model.sid, t.model.cfg.maxHistory);
      const timings = {
        gsbiMs: await time(() => gsbi(t.model, t.lookup, hbG, { beam, length: M, exclude: [hist] })),
        onerecMs: await time(() => flatDecode(m, t.lookup, hb, { beam, length: M, exclude: [hist] })),
        onerecNoCacheMs: await time(() => flatDecode(m, t.lookup, hb, { beam, length: M, exclude: [hist], cache: false })),
      };
      return {
        user: t.userIds ? t.userIds[u] : u,
        beam,
        levels: m.levels,
        tokens: res.trace![0].map((s, p) => ({ token: p, slot: s.slot, level: s.level, candidates: s.candidates, beams: s.beams })),
        slate: Array.from(res.slates[0], (i) => ({ ...c.itemView(i), inTarget: tgt.includes(i) })),
        score: res.scores[0],
        target: tgt.map((i) => c.itemView(i)),
        timings,
      };
    },
  };
}
