// The efficiency study of paper Figures 4-5 as one pipeline function (Node bench and browser worker alike):
//   1. train HiGR's hierarchical slate decoder and the OneRec-style flat decoder at matched parameter count (same
//      encoder, width, heads, FFN; the flat decoder stacks l_slate + l_item blocks), same data, steps, batch, lr, seed;
//   2. speed vs quality: slates/s of GSBI (B = 5) and of the flat decoder (greedy, beam B = 5), each with and without
//      the self-attention KV cache, on the same held-out test users, next to each method's recall@5;
//   3. quality vs slate length: recall@5 and recall@L of slates of length L ∈ {1,2,3,4,5,10} against the 5-item test
//      target (history excluded), with the decoding speed at that L.
// Timings are wall-clock over the whole decode of the evaluated users in batches (one warm-up batch first, untimed).
// Training (`trainDecodeModels`) and timing (`measureDecoding`) are separate so the same trained weights are timed in
// every host: Node here, Chromium through bench/browser/decode-page.ts (bench:decode ships the weights to the page).
import { historyBatch } from '../models/context-encoder';
import { gsbi, type SidLookup } from '../models/gsbi';
import type { StateDict } from '../models/nn';
import { rng } from '../models/nn';
import { flatConfigFor, flatDecode, FlatSlateDecoder, type FlatConfig } from '../models/onerec';
import { PrefixTrie } from '../models/sid-table';
import { HierarchicalSlateDecoder, hsdConfig, type HsdConfig } from '../models/slate-decoder';
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
  /** early stopping: epochs without a better validation recall@5 (0 = never) */
  patience: number;
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
  patience: 0,
};

export interface DecodeStudyResult {
  rows: DecodeRow[];
  params: { gsbi: number; onerec: number };
  training: { gsbi: { seconds: number; bestEpoch: number; validRecall5: number[] }; onerec: { seconds: number; bestEpoch: number; validRecall5: number[] } };
  /** speed ratios at L = M per host: GSBI (cached) over each flat-decoder row */
  ratios: { host: string; vs: string; ratio: number }[];
  settings: DecodeStudySettings;
}

export interface DecodeModels {
  hsd: HierarchicalSlateDecoder;
  flat: FlatSlateDecoder;
  training: DecodeStudyResult['training'];
}

/** The study's settings with defaults filled and checked. */
export function decodeStudySettings(sIn: Partial<DecodeStudySettings>): DecodeStudySettings {
  const s: DecodeStudySettings = { ...DECODE_STUDY_DEFAULTS, ...sIn, model: { ...DECODE_STUDY_DEFAULTS.model, ...(sIn.model ?? {}) } };
  if (s.lengths.some((L) => !Number.isInteger(L) || L < 1 || L > 10)) throw new Error(`decode study: lengths must be integers in 1..10 (got ${s.lengths})`);
  return s;
}

/** HSD config of the study (maxSlate ≥ 10 so every L can be decoded). */
export const studyHsdConfig = (s: DecodeStudySettings) => hsdConfig({ ...s.model, maxSlate: Math.max(10, s.model.maxSlate ?? 10) });

/** Train both models with the one trainer: same data, steps, batch, lr, seed; each selected on validation recall@5. */
export async function trainDecodeModels(inputs: SlateTrainInputs, s: DecodeStudySettings, opts: { log?: (s: string) => void; signal?: AbortSignal } = {}): Promise<DecodeModels> {
  const log = opts.log ?? (() => {});
  const hcfg = studyHsdConfig(s);
  const M = hcfg.slateSize;
  const lookup: SidLookup = { sids: inputs.sidCodes, trie: new PrefixTrie(inputs.trie, inputs.widths) };
  const recipe = { seed: s.seed, epochs: s.epochs, stepsPerEpoch: s.stepsPerEpoch, batchSize: s.batchSize, lr: s.lr, warmup: Math.min(100, s.stepsPerEpoch), patience: s.patience, beam: s.beam, validUsers: s.validUsers, decodeBatch: s.decodeBatch, logEvery: 10 };
  let t0 = performance.now();
  const hsd = await trainHsd(inputs, { ...recipe, model: hcfg }, { signal: opts.signal, onEpoch: (e) => log(`GSBI/HSD epoch ${e.epoch}: loss ${e.trainLoss.toFixed(3)}, valid recall@5 ${e.valid.recall5.toFixed(4)}`) });
  const hsdSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const fcfg = flatConfigFor(hcfg);
  const flat = new FlatSlateDecoder(fcfg, inputs.widths, inputs.numItems, rng(s.seed));
  const ft = await trainSlateModel(
    flat,
    inputs,
    recipe,
    {
      kind: 'onerec',
      targetLen: M,
      slateSize: M,
      maxHistory: fcfg.maxHistory,
      decode: async (hs) => (await flatDecode(flat, lookup, historyBatch(hs, inputs.sidCodes, flat.sid, fcfg.maxHistory), { beam: s.beam, length: M, exclude: hs })).slates,
    },
    { signal: opts.signal, onEpoch: (e) => log(`OneRec-style epoch ${e.epoch}: loss ${e.trainLoss.toFixed(3)}, valid recall@5 ${e.valid.recall5.toFixed(4)}`) },
  );
  const flatSeconds = (performance.now() - t0) / 1000;
  return {
    hsd: hsd.model,
    flat,
    training: {
      gsbi: { seconds: hsdSeconds, bestEpoch: hsd.bestEpoch, validRecall5: hsd.curves.epochs.map((e) => e.valid.recall5) },
      onerec: { seconds: flatSeconds, bestEpoch: ft.bestEpoch, validRecall5: ft.curves.epochs.map((e) => e.valid.recall5) },
    },
  };
}

/** Everything a host needs to rebuild the trained models and time them (plain arrays: crosses into a page). */
export interface DecodePayload {
  settings: DecodeStudySettings;
  hsd: { config: HsdConfig; weights: Record<string, { shape: number[]; data: number[] }> };
  flat: { config: FlatConfig; weights: Record<string, { shape: number[]; data: number[] }> };
  widths: number[];
  numItems: number;
  sidCodes: number[];
  trie: Record<keyof SlateTrainInputs['trie'], number[]>;
  histories: number[][];
  targets: number[][];
}

const plain = (sd: StateDict) => Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, { shape: v.shape, data: Array.from(v.data) }]));
const typed = (sd: DecodePayload['hsd']['weights']): StateDict => Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, { shape: v.shape, data: Float32Array.from(v.data) }]));

export async function decodePayload(m: DecodeModels, inputs: SlateTrainInputs, users: { histories: Int32Array[]; targets: Int32Array[] }, s: DecodeStudySettings): Promise<DecodePayload> {
  const trie = Object.fromEntries(Object.entries(inputs.trie).map(([k, v]) => [k, Array.from(v as Int32Array)])) as DecodePayload['trie'];
  return {
    settings: s,
    hsd: { config: m.hsd.cfg, weights: plain(await m.hsd.stateDict()) },
    flat: { config: m.flat.cfg, weights: plain(await m.flat.stateDict()) },
    widths: inputs.widths,
    numItems: inputs.numItems,
    sidCodes: Array.from(inputs.sidCodes),
    trie,
    histories: users.histories.map((h) => Array.from(h)),
    targets: users.targets.map((t) => Array.from(t)),
  };
}

/** Rebuild the models and users of a payload (in the page). */
export function fromPayload(p: DecodePayload): { hsd: HierarchicalSlateDecoder; flat: FlatSlateDecoder; lookup: SidLookup; histories: Int32Array[]; targets: Int32Array[] } {
  const r = rng(p.settings.seed);
  const hsd = new HierarchicalSlateDecoder(p.hsd.config, p.widths, p.numItems, r);
  hsd.loadStateDict(typed(p.hsd.weights));
  const flat = new FlatSlateDecoder(p.flat.config, p.widths, p.numItems, r);
  flat.loadStateDict(typed(p.flat.weights));
  const trie = Object.fromEntries(Object.entries(p.trie).map(([k, v]) => [k, Int32Array.from(v)])) as unknown as SlateTrainInputs['trie'];
  const sids = Int32Array.from(p.sidCodes);
  return { hsd, flat, lookup: { sids, trie: new PrefixTrie(trie, p.widths) }, histories: p.histories.map((h) => Int32Array.from(h)), targets: p.targets.map((t) => Int32Array.from(t)) };
}

/** The evaluated test users: histories (input, excluded) and 5-item targets. */
export function studyUsers(inputs: SlateTrainInputs, test: Slates, s: DecodeStudySettings, M: number) {
  const seqs = inputs.sequences;
  const ev = subsample(test, s.evalUsers, s.seed + 3);
  return {
    histories: Array.from(ev.user, (u, i) => seqs.items.subarray(seqs.offsets[u], seqs.offsets[u] + ev.cut[i])),
    targets: Array.from(ev.user, (u, i) => seqs.items.subarray(seqs.offsets[u] + ev.cut[i], seqs.offsets[u] + ev.cut[i] + M)),
  };
}

/** Time every decoder row on the same users (speed study at L = M, then quality vs L), in this host. */
export async function measureDecoding(
  m: { hsd: HierarchicalSlateDecoder; flat: FlatSlateDecoder; lookup: SidLookup },
  users: { histories: Int32Array[]; targets: Int32Array[] },
  s: DecodeStudySettings,
  opts: { host: string; log?: (s: string) => void; signal?: AbortSignal },
): Promise<DecodeRow[]> {
  const log = opts.log ?? (() => {});
  const { hsd, flat, lookup } = m;
  const M = hsd.cfg.slateSize;
  const hs = users.histories, targets = users.targets;
  const flatDec = (h: Int32Array[], beam: number, length: number, cache: boolean) =>
    flatDecode(flat, lookup, historyBatch(h, lookup.sids, flat.sid, flat.cfg.maxHistory), { beam, length, exclude: h, cache });
  const decoders: Record<DecodeMethod, (h: Int32Array[], L: number, cache: boolean) => Promise<Int32Array[]>> = {
    gsbi: async (h, L, cache) => (await gsbi(hsd, lookup, historyBatch(h, lookup.sids, hsd.sid, hsd.cfg.maxHistory), { beam: s.beam, length: L, exclude: h, cache })).slates,
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
    log(`${opts.host} ${study}: ${method} cache=${cache} L=${L}: ${row.slatesPerSec.toFixed(2)} slates/s, recall@5 ${row.recall5.toFixed(4)}, recall@L ${row.recallL.toFixed(4)}`);
  };
  // one untimed pass of every decoder first (JIT, kernel pools), so the first timed row is not the warm-up
  for (const method of ['gsbi', 'onerec-greedy', 'onerec-beam'] as const) for (const cache of [true, false]) await decoders[method](hs.slice(0, Math.min(s.decodeBatch, 8)), M, cache);
  for (const method of ['gsbi', 'onerec-greedy', 'onerec-beam'] as const) for (const cache of [true, false]) await measure(method, cache, M, 'speed');
  for (const L of s.lengths) for (const method of ['gsbi', 'onerec-greedy', 'onerec-beam'] as const) await measure(method, true, L, 'length');
  return rows;
}

/** Speed ratios at L = M per host: GSBI (cached) over each flat-decoder row. */
export function speedRatios(rows: DecodeRow[]): DecodeStudyResult['ratios'] {
  const out: DecodeStudyResult['ratios'] = [];
  for (const host of [...new Set(rows.map((r) => r.host))]) {
    const g = rows.find((r) => r.host === host && r.study === 'speed' && r.method === 'gsbi' && r.cache);
    if (!g) continue;
    for (const r of rows.filter((x) => x.host === host && x.study === 'speed' && x.method !== 'gsbi')) out.push({ host, vs: `${r.method}${r.cache ? ' (KV cache)' : ' (no cache)'}`, ratio: g.slatesPerSec / r.slatesPerSec });
  }
  return out;
}

/** The whole study in one host (train, then time): the browser worker and tests. */
export async function runDecodeStudy(
  inputs: SlateTrainInputs,
  test: Slates,
  sIn: Partial<DecodeStudySettings>,
  opts: { host: string; log?: (s: string) => void; signal?: AbortSignal } = { host: 'node' },
): Promise<DecodeStudyResult> {
  const s = decodeStudySettings(sIn);
  const m = await trainDecodeModels(inputs, s, opts);
  try {
    const lookup: SidLookup = { sids: inputs.sidCodes, trie: new PrefixTrie(inputs.trie, inputs.widths) };
    const rows = await measureDecoding({ ...m, lookup }, studyUsers(inputs, test, s, m.hsd.cfg.slateSize), s, opts);
    return { rows, params: { gsbi: m.hsd.numParameters(), onerec: m.flat.numParameters() }, training: m.training, ratios: speedRatios(rows), settings: s };
  } finally {
    m.hsd.dispose();
    m.flat.dispose();
  }
}
