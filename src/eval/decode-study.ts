// The efficiency study of paper Figures 4-5 as one pipeline function (Node bench and browser worker alike):
//   1. train HiGR's hierarchical slate decoder and the OneRec-style flat decoder at matched parameter count (same
//      encoder, width, heads, FFN; the flat decoder stacks l_slate + l_item blocks), same data and seed, each with its
//      Table 1 training recipe (src/eval/generative.ts: `higrSettings`, `onerecTrainConfig`), each model's best
//      validation epoch kept;
//   2. speed vs quality: slates/s of GSBI (B = 5) and of the flat decoder (greedy, beam B = 5), each with and without
//      the self-attention KV cache, on the same held-out test users, next to each method's recall@5; on WebGPU both
//      decode paths (trie masks + beam top-k on the device, GSBI's default there, and on the host, the flat decoder's
//      default), each row labelled with its backend and path;
//   3. quality vs slate length: recall@5 and recall@L of slates of length L ∈ {1,2,3,4,5,10} against the 5-item test
//      target (history excluded), with the decoding speed at that L (each method's default path).
// Timings are wall-clock over the whole decode of the evaluated users in batches (one warm-up batch first, untimed).
// Training (`trainDecodeModels`) and timing (`measureDecoding`) are separate so the same trained weights are timed in
// every host and backend: Node here, Chromium through bench/browser/decode-page.ts (bench:decode ships the weights).
import { getBackend } from '../engine';
import { historyBatch } from '../models/context-encoder';
import { gsbi, gsbiDeviceDefault, type SidLookup } from '../models/gsbi';
import type { StateDict } from '../models/nn';
import { rng } from '../models/nn';
import { flatConfigFor, flatDecode, flatDeviceDefault, FlatSlateDecoder, type FlatConfig } from '../models/onerec';
import { PrefixTrie } from '../models/sid-table';
import { HierarchicalSlateDecoder, hsdConfig, type HsdConfig } from '../models/slate-decoder';
import { run as trainHsd, subsample, trainSlateModel, type SlateTrainConfig, type SlateTrainInputs, type Slates } from '../train/slate-decoder';
import { higrSettings, onerecTrainConfig } from './generative';
import { meanMetrics, slateMetrics } from './metrics';

export type DecodeMethod = 'gsbi' | 'onerec-greedy' | 'onerec-beam';
export const DECODE_METHODS: readonly DecodeMethod[] = ['gsbi', 'onerec-greedy', 'onerec-beam'];
/** where the trie masks and the beam top-k run: the engine's device (tensors) or the host (typed arrays) */
export type DecodePath = 'host' | 'device';

export interface DecodeRow {
  method: DecodeMethod;
  /** self-attention KV cache on */
  cache: boolean;
  /** slate length */
  L: number;
  host: string;
  /** engine backend kind the row decoded on (wasm, webgpu, cpu) */
  backend: string;
  /** decode path of the trie beam */
  path: DecodePath;
  /** `path` is this method's default on `backend` (what the app and Table 1 run) */
  defaultPath: boolean;
  /** non-default path rows: its slates equal the default path's on the same users (the paths are the same search) */
  sameSlates?: boolean;
  study: 'speed' | 'length';
  /** users / the median wall-clock seconds of the timed passes */
  slatesPerSec: number;
  /** slates/s of each timed pass */
  runs: number[];
  /** recall@5 of the decoded slate (its first min(L, 5) items) against the 5-item test target */
  recall5: number;
  /** recall@L (the whole slate) against the same target */
  recallL: number;
  ndcg5: number;
  users: number;
  /** median wall-clock seconds of a pass */
  seconds: number;
}

const median = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

export interface DecodeStudySettings {
  seed: number;
  /** the HSD's config; the flat decoder is `flatConfigFor` of it (matched budget) */
  model: Partial<HsdConfig>;
  /** training recipes (the one slate-model trainer): HSD and flat decoder */
  train: { gsbi: Partial<SlateTrainConfig>; onerec: Partial<SlateTrainConfig> };
  /** decode beam of the study (GSBI and the flat beam rows) */
  beam: number;
  /** test users decoded per row (0 = all) */
  evalUsers: number;
  /** users per decode batch */
  decodeBatch: number;
  lengths: number[];
}

/** The study's recipe: HiGR's and the OneRec-style decoder's Table 1 settings (`quick`: their smoke versions). */
export function decodeStudyDefaults(o: { seed?: number; quick?: boolean } = {}): DecodeStudySettings {
  const t = { seed: o.seed ?? 0, quick: o.quick ?? false };
  const higr = higrSettings(t);
  const { model, ...gsbiTrain } = higr;
  return {
    seed: t.seed,
    model,
    train: { gsbi: gsbiTrain, onerec: onerecTrainConfig(t) },
    beam: 5,
    evalUsers: 0,
    decodeBatch: 32,
    lengths: [1, 2, 3, 4, 5, 10],
  };
}

export const DECODE_STUDY_DEFAULTS: DecodeStudySettings = decodeStudyDefaults();

export interface DecodeStudyResult {
  rows: DecodeRow[];
  params: { gsbi: number; onerec: number };
  training: { gsbi: { seconds: number; bestEpoch: number; validRecall5: number[] }; onerec: { seconds: number; bestEpoch: number; validRecall5: number[] } };
  /** speed ratios at L = M per host and backend: GSBI (cached, default path) over each flat-decoder row */
  ratios: SpeedRatio[];
  settings: DecodeStudySettings;
}

export interface DecodeModels {
  hsd: HierarchicalSlateDecoder;
  flat: FlatSlateDecoder;
  training: DecodeStudyResult['training'];
}

/** The study's settings with defaults filled and checked. */
export function decodeStudySettings(sIn: Partial<DecodeStudySettings>): DecodeStudySettings {
  const d = DECODE_STUDY_DEFAULTS;
  const s: DecodeStudySettings = { ...d, ...sIn, model: { ...d.model, ...(sIn.model ?? {}) }, train: { gsbi: { ...(sIn.train?.gsbi ?? d.train.gsbi) }, onerec: { ...(sIn.train?.onerec ?? d.train.onerec) } } };
  if (s.lengths.some((L) => !Number.isInteger(L) || L < 1 || L > 10)) throw new Error(`decode study: lengths must be integers in 1..10 (got ${s.lengths})`);
  if (!Number.isInteger(s.beam) || s.beam < 1) throw new Error(`decode study: beam must be an integer >= 1 (got ${s.beam})`);
  if (!Number.isInteger(s.evalUsers) || s.evalUsers < 0) throw new Error(`decode study: evalUsers must be an integer >= 0 (got ${s.evalUsers})`);
  return s;
}

/** HSD config of the study (maxSlate ≥ 10 so every L can be decoded). */
export const studyHsdConfig = (s: DecodeStudySettings) => hsdConfig({ ...s.model, maxSlate: Math.max(10, s.model.maxSlate ?? 10) });

/** Train both models with the one trainer: same data and seed, each its recipe; each selected on validation recall@5. */
export async function trainDecodeModels(inputs: SlateTrainInputs, s: DecodeStudySettings, opts: { log?: (s: string) => void; signal?: AbortSignal } = {}): Promise<DecodeModels> {
  const log = opts.log ?? (() => {});
  const hcfg = studyHsdConfig(s);
  const M = hcfg.slateSize;
  const lookup: SidLookup = { sids: inputs.sidCodes, trie: new PrefixTrie(inputs.trie, inputs.widths) };
  let t0 = performance.now();
  const hsd = await trainHsd(inputs, { ...s.train.gsbi, seed: s.seed, model: hcfg }, { signal: opts.signal, onEpoch: (e) => log(`GSBI/HSD epoch ${e.epoch}: loss ${e.trainLoss.toFixed(3)}, valid recall@5 ${e.valid.recall5.toFixed(4)}`) });
  if (hsd.aborted) throw new Error('decode study: cancelled');
  const hsdSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const fcfg = flatConfigFor(hcfg);
  const flat = new FlatSlateDecoder(fcfg, inputs.widths, inputs.numItems, rng(s.seed));
  const fr = { ...s.train.onerec, seed: s.seed };
  const ft = await trainSlateModel(
    flat,
    inputs,
    fr,
    {
      kind: 'onerec',
      targetLen: M,
      slateSize: M,
      maxHistory: fcfg.maxHistory,
      decode: async (hs) => (await flatDecode(flat, lookup, historyBatch(hs, inputs.sidCodes, flat.sid, fcfg.maxHistory), { beam: s.beam, length: M, exclude: hs })).slates,
    },
    { signal: opts.signal, onEpoch: (e) => log(`OneRec-style epoch ${e.epoch}: loss ${e.trainLoss.toFixed(3)}, valid recall@5 ${e.valid.recall5.toFixed(4)}`) },
  );
  if (ft.aborted) throw new Error('decode study: cancelled');
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
  params: DecodeStudyResult['params'];
  training: DecodeStudyResult['training'];
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
    params: { gsbi: m.hsd.numParameters(), onerec: m.flat.numParameters() },
    training: m.training,
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

/** The evaluated test users (evalUsers 0 = every test user): histories (input, excluded) and 5-item targets. */
export function studyUsers(inputs: SlateTrainInputs, test: Slates, s: DecodeStudySettings, M: number) {
  const seqs = inputs.sequences;
  const ev = s.evalUsers > 0 ? subsample(test, s.evalUsers, s.seed + 3) : test;
  return {
    histories: Array.from(ev.user, (u, i) => seqs.items.subarray(seqs.offsets[u], seqs.offsets[u] + ev.cut[i])),
    targets: Array.from(ev.user, (u, i) => seqs.items.subarray(seqs.offsets[u] + ev.cut[i], seqs.offsets[u] + ev.cut[i] + M)),
  };
}

/** Each method's default decode path on a backend kind (the models' own rule). */
export function defaultDecodePath(method: DecodeMethod, backend: string): DecodePath {
  return (method === 'gsbi' ? gsbiDeviceDefault(backend) : flatDeviceDefault(backend)) ? 'device' : 'host';
}

export interface MeasureOptions {
  host: string;
  /** 'default' = each method's default path only; 'both' = the default and the other path (speed study) */
  paths?: 'default' | 'both';
  /** which studies to time (default both) */
  studies?: DecodeRow['study'][];
  /** interleaved timed passes per speed row, median reported (default 1; the length study times one pass) */
  reps?: number;
  log?: (s: string) => void;
  signal?: AbortSignal;
}

/** Time every decoder row on the same users (speed study at L = M, then quality vs L), on the current backend. */
export async function measureDecoding(
  m: { hsd: HierarchicalSlateDecoder; flat: FlatSlateDecoder; lookup: SidLookup },
  users: { histories: Int32Array[]; targets: Int32Array[] },
  s: DecodeStudySettings,
  opts: MeasureOptions,
): Promise<DecodeRow[]> {
  const log = opts.log ?? (() => {});
  const { hsd, flat, lookup } = m;
  const M = hsd.cfg.slateSize;
  const backend = getBackend().kind;
  const studies = opts.studies ?? ['speed', 'length'];
  const reps = opts.reps ?? 1;
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`decode study: reps must be an integer >= 1 (got ${reps})`);
  const hs = users.histories, targets = users.targets;
  type Decoder = (h: Int32Array[], L: number, cache: boolean, device: boolean) => Promise<Int32Array[]>;
  const flatDec = (h: Int32Array[], beam: number, length: number, cache: boolean, device: boolean) =>
    flatDecode(flat, lookup, historyBatch(h, lookup.sids, flat.sid, flat.cfg.maxHistory), { beam, length, exclude: h, cache, device });
  const decoders: Record<DecodeMethod, Decoder> = {
    gsbi: async (h, L, cache, device) => (await gsbi(hsd, lookup, historyBatch(h, lookup.sids, hsd.sid, hsd.cfg.maxHistory), { beam: s.beam, length: L, exclude: h, cache, device })).slates,
    'onerec-greedy': async (h, L, cache, device) => (await flatDec(h, 1, L, cache, device)).slates,
    'onerec-beam': async (h, L, cache, device) => (await flatDec(h, s.beam, L, cache, device)).slates,
  };
  const pathsOf = (method: DecodeMethod): DecodePath[] => {
    const d = defaultDecodePath(method, backend);
    return opts.paths === 'both' ? [d, d === 'host' ? 'device' : 'host'] : [d];
  };
  const rows: DecodeRow[] = [];
  const defaultSlates = new Map<string, Int32Array[]>();
  /** one timed pass over every user (after an untimed warm-up batch): the slates and the wall-clock seconds */
  const pass = async (method: DecodeMethod, cache: boolean, L: number, path: DecodePath) => {
    if (opts.signal?.aborted) throw new Error('decode study: cancelled');
    const dec = decoders[method];
    const device = path === 'device';
    await dec(hs.slice(0, Math.min(s.decodeBatch, 4)), L, cache, device); // warm-up (pipelines, pools), untimed
    const slates: Int32Array[] = [];
    const t = performance.now();
    for (let i = 0; i < hs.length; i += s.decodeBatch) slates.push(...(await dec(hs.slice(i, i + s.decodeBatch), L, cache, device)));
    return { slates, seconds: (performance.now() - t) / 1000 };
  };
  const addRow = (method: DecodeMethod, cache: boolean, L: number, study: DecodeRow['study'], path: DecodePath, slates: Int32Array[], seconds: number[]) => {
    const m5 = meanMetrics(slates.map((x, i) => slateMetrics(x, targets[i], 5)));
    const mL = meanMetrics(slates.map((x, i) => slateMetrics(x, targets[i], L)));
    const isDefault = path === defaultDecodePath(method, backend);
    const key = `${method}/${cache}/${L}`;
    if (isDefault) defaultSlates.set(key, slates);
    const ref = defaultSlates.get(key);
    const sec = median(seconds);
    const row: DecodeRow = {
      method, cache, L, host: opts.host, backend, path, defaultPath: isDefault, study, slatesPerSec: hs.length / sec, runs: seconds.map((x) => hs.length / x), recall5: m5.recall, recallL: mL.recall, ndcg5: m5.ndcg, users: hs.length, seconds: sec,
      ...(isDefault || !ref ? {} : { sameSlates: slates.every((x, i) => x.length === ref[i].length && x.every((v, j) => v === ref[i][j])) }),
    };
    rows.push(row);
    log(`${opts.host}/${backend} ${study}: ${method} cache=${cache} ${path} L=${L}: ${row.slatesPerSec.toFixed(2)} slates/s (passes ${row.runs.map((x) => x.toFixed(1)).join(', ')}), recall@5 ${row.recall5.toFixed(4)}, recall@L ${row.recallL.toFixed(4)}${row.sameSlates === false ? ' — SLATES DIFFER from the default path' : ''}`);
  };
  // one untimed pass of every decoder first (JIT, kernel pools), so the first timed row is not the warm-up
  for (const method of DECODE_METHODS) for (const cache of [true, false]) for (const path of pathsOf(method)) await decoders[method](hs.slice(0, Math.min(s.decodeBatch, 8)), M, cache, path === 'device');
  if (studies.includes('speed')) {
    // `reps` interleaved passes (every row once per round, the order reversed on odd rounds), median per row: a load
    // spike on the shared machine then hits every row alike instead of one row's only pass
    const combos = DECODE_METHODS.flatMap((method) => [true, false].flatMap((cache) => pathsOf(method).map((path) => ({ method, cache, path }))));
    const got = combos.map(() => ({ slates: [] as Int32Array[], seconds: [] as number[] }));
    for (let r = 0; r < reps; r++) {
      const order = combos.map((_, i) => i);
      if (r % 2) order.reverse();
      for (const i of order) {
        const c = combos[i];
        const p = await pass(c.method, c.cache, M, c.path);
        if (!got[i].slates.length) got[i].slates = p.slates;
        got[i].seconds.push(p.seconds);
      }
    }
    combos.forEach((c, i) => addRow(c.method, c.cache, M, 'speed', c.path, got[i].slates, got[i].seconds));
  }
  if (studies.includes('length')) {
    for (const L of s.lengths) {
      for (const method of DECODE_METHODS) {
        const path = defaultDecodePath(method, backend);
        const p = await pass(method, true, L, path);
        addRow(method, true, L, 'length', path, p.slates, [p.seconds]);
      }
    }
  }
  return rows;
}

/** One timing pass of a host: a backend, which decode paths and studies, on the payload's first `users` users (0 = all). */
export interface DecodeRun {
  backend: 'wasm' | 'webgpu' | 'cpu';
  paths: 'default' | 'both';
  studies: DecodeRow['study'][];
  users: number;
  /** interleaved timed passes per speed row (median reported) */
  reps?: number;
}

/**
 * Time a payload's models in this host (Node or the Chromium page, same code): for each run, make its backend current
 * (`useBackend`, the host's own initialisation; returns the backend's description), rebuild the models from the
 * weights on it and measure. Returns every row and each backend's description.
 */
export async function measurePayload(
  p: DecodePayload,
  runs: DecodeRun[],
  o: { host: string; useBackend: (kind: DecodeRun['backend']) => Promise<string>; log?: (s: string) => void; signal?: AbortSignal },
): Promise<{ rows: DecodeRow[]; backends: Record<string, string> }> {
  const rows: DecodeRow[] = [];
  const backends: Record<string, string> = {};
  for (const r of runs) {
    backends[r.backend] = await o.useBackend(r.backend);
    const m = fromPayload(p);
    try {
      const n = r.users > 0 ? Math.min(r.users, m.histories.length) : m.histories.length;
      o.log?.(`${o.host}: ${backends[r.backend]}, ${n} users, paths ${r.paths}, studies ${r.studies.join('+')}, ${r.reps ?? 1} pass(es) per speed row`);
      rows.push(...(await measureDecoding(m, { histories: m.histories.slice(0, n), targets: m.targets.slice(0, n) }, p.settings, { host: o.host, paths: r.paths, studies: r.studies, reps: r.reps, log: o.log, signal: o.signal })));
    } finally {
      m.hsd.dispose();
      m.flat.dispose();
    }
  }
  return { rows, backends };
}

export interface SpeedRatio {
  host: string;
  backend: string;
  /** the flat-decoder row: method, cache, path */
  vs: string;
  method: DecodeMethod;
  cache: boolean;
  path: DecodePath;
  ratio: number;
}

/** Speed ratios at L = M per host and backend: GSBI (cached, its default path) over each flat-decoder row. */
export function speedRatios(rows: DecodeRow[]): SpeedRatio[] {
  const out: SpeedRatio[] = [];
  const groups = [...new Set(rows.map((r) => `${r.host}\u0000${r.backend}`))].map((k) => k.split('\u0000'));
  for (const [host, backend] of groups) {
    const at = rows.filter((r) => r.host === host && r.backend === backend && r.study === 'speed');
    const g = at.find((r) => r.method === 'gsbi' && r.cache && r.defaultPath);
    if (!g) continue;
    for (const r of at.filter((x) => x.method !== 'gsbi')) {
      out.push({ host, backend, vs: `${r.method}${r.cache ? ' (KV cache' : ' (no cache'}, ${r.path})`, method: r.method, cache: r.cache, path: r.path, ratio: g.slatesPerSec / r.slatesPerSec });
    }
  }
  return out;
}

/** The whole study in one host (train, then time): tests and any single-host caller. */
export async function runDecodeStudy(
  inputs: SlateTrainInputs,
  test: Slates,
  sIn: Partial<DecodeStudySettings>,
  opts: MeasureOptions = { host: 'node' },
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
