// The efficiency study of paper Figures 4-5 as one pipeline function (Node bench and browser worker alike):
//   1. train HiGR's hierarchical slate decoder and the OneRec-style flat decoder at matched parameter count (same
//      encoder, width, heads, FFN; the flat decoder stacks l_slate + l_item blocks), same data, steps, batch, lr, seed;
//   2. speed vs quality: slates/s of GSBI (B = 5) and of the flat decoder (greedy, beam B = 5), each with and without
//      the self-attention KV cache, on the same held-out test users, next to each method's recall@5;
//   3. quality vs slate length: recall@5 and recall@L of slates of length L ∈ {1,2,3,4,5,10} against the 5-item test
//      target (history excluded), with the decoding speed at that L.
// Timings are wall-clock over the whole decode of the evaluated users in batches (one warm-up batch first, untimed).
import { historyBatch } from '../models/context-encoder';
import { gsbi, type SidLookup } from '../models/gsbi';
import { rng } from '../models/nn';
import { flatConfigFor, flatDecode, FlatSlateDecoder } from '../models/onerec';
import { PrefixTrie } from '../models/sid-table';
import { hsdConfig, type HsdConfig } from '../models/slate-decoder';
import { run as trainHsd, subsample, trainSlateModel, type SlateTrainInputs, type Slates } from '../train/slate-decoder';
import { meanMetrics, slateMetrics } from './metrics';

export type DecodeMethod = 'gsbi' | 'onerec-greedy' | 'onerec-beam';

export interface DecodeRow {
  method: DecodeMethod;
  /** self-attention KV cache on */
  cache: boolean;
  /** slate length */
  L: number;
  host: string;
  study: 'speed' | 'length';
  slatesPerSec: number;
  /** recall@5 of the decoded slate (its first min(L, 5) items) against the 5-item test target */
  recall5: number;
  /** recall@L (the whole slate) against the same target */
  recallL: number;
  ndcg5: number;
  users: number;
  seconds: number;
}

export interface DecodeStudySettings {
  seed: number;
  model: Partial<HsdConfig>;
  epochs: number;
  stepsPerEpoch: number;
  batchSize: number;
  lr: number;
  beam: number;
  /** test users decoded per row */
  evalUsers: number;
  /** users per decode batch */
  decodeBatch: number;
  lengths: number[];
  validUsers: number;
}

export const DECODE_STUDY_DEFAULTS: DecodeStudySettings = {
  seed: 0,
  model: { dim: 32, heads: 2, ffn: 64, encoderLayers: 1, slateLayers: 2, itemLayers: 1, slateSize: 5, maxSlate: 10, maxHistory: 20 },
  epochs: 2,
  stepsPerEpoch: 100,
  batchSize: 32,
  lr: 2e-3,
  beam: 5,
  evalUsers: 128,
  decodeBatch: 32,
  lengths: [1, 2, 3, 4, 5, 10],
  validUsers: 64,
};

export interface DecodeStudyResult {
  rows: DecodeRow[];
  params: { gsbi: number; onerec: number };
  training: { gsbi: { seconds: number; bestEpoch: number; validRecall5: number[] }; onerec: { seconds: number; bestEpoch: number; validRecall5: number[] } };
  /** speed ratios at L = M: GSBI (cached) over each flat-decoder row */
  ratios: { vs: string; ratio: number }[];
  settings: DecodeStudySettings;
}

export async function runDecodeStudy(
  inputs: SlateTrainInputs,
  test: Slates,
  sIn: Partial<DecodeStudySettings>,
  opts: { host: string; log?: (s: string) => void; signal?: AbortSignal } = { host: 'node' },
): Promise<DecodeStudyResult> {
  const s: DecodeStudySettings = { ...DECODE_STUDY_DEFAULTS, ...sIn, model: { ...DECODE_STUDY_DEFAULTS.model, ...(sIn.model ?? {}) } };
  const log = opts.log ?? (() => {});
  if (s.lengths.some((L) => !Number.isInteger(L) || L < 1 || L > 10)) throw new Error(`decode study: lengths must be integers in 1..10 (got ${s.lengths})`);
  const hcfg = hsdConfig({ ...s.model, maxSlate: Math.max(10, s.model.maxSlate ?? 10) });
  const M = hcfg.slateSize;
  const seqs = inputs.sequences;
  const lookup: SidLookup = { sids: inputs.sidCodes, trie: new PrefixTrie(inputs.trie, inputs.widths) };

  let t0 = performance.now();
  const hsd = await trainHsd(inputs, {
    seed: s.seed, model: hcfg, epochs: s.epochs, stepsPerEpoch: s.stepsPerEpoch, batchSize: s.batchSize, lr: s.lr, warmup: Math.min(50, s.stepsPerEpoch),
    patience: 0, beam: s.beam, validUsers: s.validUsers, decodeBatch: s.decodeBatch, logEvery: 10,
  }, { signal: opts.signal, onEpoch: (e) => log(`GSBI/HSD epoch ${e.epoch}: loss ${e.trainLoss.toFixed(3)}, valid recall@5 ${e.valid.recall5.toFixed(4)}`) });
  const hsdSeconds = (performance.now() - t0) / 1000;

  t0 = performance.now();
  const flat = new FlatSlateDecoder(flatConfigFor(hcfg), inputs.widths, inputs.numItems, rng(s.seed));
  const flatDec = (hs: Int32Array[], beam: number, length: number, cache: boolean) =>
    flatDecode(flat, lookup, historyBatch(hs, inputs.sidCodes, flat.sid, hcfg.maxHistory), { beam, length, exclude: hs, cache });
  const ft = await trainSlateModel(
    flat,
    inputs,
    { seed: s.seed, epochs: s.epochs, stepsPerEpoch: s.stepsPerEpoch, batchSize: s.batchSize, lr: s.lr, warmup: Math.min(50, s.stepsPerEpoch), patience: 0, validUsers: s.validUsers, decodeBatch: s.decodeBatch, logEvery: 10 },
    { kind: 'onerec', targetLen: M, slateSize: M, maxHistory: hcfg.maxHistory, decode: async (hs) => (await flatDec(hs, s.beam, M, true)).slates },
    { signal: opts.signal, onEpoch: (e) => log(`OneRec-style epoch ${e.epoch}: loss ${e.trainLoss.toFixed(3)}, valid recall@5 ${e.valid.recall5.toFixed(4)}`) },
  );
  const flatSeconds = (performance.now() - t0) / 1000;

  const ev = subsample(test, s.evalUsers, s.seed + 3);
  const hs = Array.from(ev.user, (u, i) => seqs.items.subarray(seqs.offsets[u], seqs.offsets[u] + ev.cut[i]));
  const targets = Array.from(ev.user, (u, i) => seqs.items.subarray(seqs.offsets[u] + ev.cut[i], seqs.offsets[u] + ev.cut[i] + M));
  const decoders: Record<DecodeMethod, (h: Int32Array[], L: number, cache: boolean) => Promise<Int32Array[]>> = {
    gsbi: async (h, L, cache) => (await gsbi(hsd.model, lookup, historyBatch(h, inputs.sidCodes, hsd.model.sid, hcfg.maxHistory), { beam: s.beam, length: L, exclude: h, cache })).slates,
    'onerec-greedy': async (h, L, cache) => (await flatDec(h, 1, L, cache)).slates,
    'onerec-beam': async (h, L, cache) => (await flatDec(h, s.beam, L, cache)).slates,
  };
  const rows: DecodeRow[] = [];
  const measure = async (method: DecodeMethod, cache: boolean, L: number, study: DecodeRow['study']) => {
    if (opts.signal?.aborted) throw new Error('decode study: cancelled');
    const dec = decoders[method];
    await dec(hs.slice(0, Math.min(s.decodeBatch, 4)), L, cache); // warm-up (pipelines, pools), untimed
    const slates: Int32Array[] = [];
    const t = performance.now();
    for (let i = 0; i < hs.length; i += s.decodeBatch) slates.push(...(await dec(hs.slice(i, i + s.decodeBatch), L, cache)));
    const seconds = (performance.now() - t) / 1000;
    const m5 = meanMetrics(slates.map((x, i) => slateMetrics(x, targets[i], 5)));
    const mL = meanMetrics(slates.map((x, i) => slateMetrics(x, targets[i], L)));
    const row: DecodeRow = { method, cache, L, host: opts.host, study, slatesPerSec: hs.length / seconds, recall5: m5.recall, recallL: mL.recall, ndcg5: m5.ndcg, users: hs.length, seconds };
    rows.push(row);
    log(`${study}: ${method} cache=${cache} L=${L}: ${row.slatesPerSec.toFixed(2)} slates/s, recall@5 ${row.recall5.toFixed(4)}, recall@L ${row.recallL.toFixed(4)}`);
  };
  for (const method of ['gsbi', 'onerec-greedy', 'onerec-beam'] as const) for (const cache of [true, false]) await measure(method, cache, M, 'speed');
  for (const L of s.lengths) for (const method of ['gsbi', 'onerec-greedy', 'onerec-beam'] as const) await measure(method, true, L, 'length');

  const g = rows.find((r) => r.study === 'speed' && r.method === 'gsbi' && r.cache)!;
  const ratios = rows.filter((r) => r.study === 'speed' && r.method !== 'gsbi').map((r) => ({ vs: `${r.method}${r.cache ? ' (KV cache)' : ' (no cache)'}`, ratio: g.slatesPerSec / r.slatesPerSec }));
  const res: DecodeStudyResult = {
    rows,
    params: { gsbi: hsd.params, onerec: flat.numParameters() },
    training: {
      gsbi: { seconds: hsdSeconds, bestEpoch: hsd.bestEpoch, validRecall5: hsd.curves.epochs.map((e) => e.valid.recall5) },
      onerec: { seconds: flatSeconds, bestEpoch: ft.bestEpoch, validRecall5: ft.curves.epochs.map((e) => e.valid.recall5) },
    },
    ratios,
    settings: s,
  };
  hsd.model.dispose();
  flat.dispose();
  return res;
}
