// OneRec-style flat slate decoder (the paper's OneRec baseline, Figures 4-5): ONE autoregressive decoder over the
// M×L SID tokens of the whole slate (L = D levels + the collision level), token p = level p mod L of item ⌊p/L⌋.
//
//   context   the same ContextEncoder + SidEmbedding as HiGR (src/models/context-encoder.ts)
//   decoder   x0 = [BOS, t_1 .. t_{ML-1}] (SID token embeddings, shared table) + flat position embedding,
//             `layers` DecoderBlocks (cross-attn(C) -> causal self-attn -> FFN, pre-RMSNorm), RMSNorm,
//             one output head per SID level: the hidden state at position p predicts token p with head p mod L
//   loss      − Σ_p log P(t_p | t_<p, C), summed over the M·L tokens of a slate, averaged over slates (as Eq. 10)
//   budget    `flatConfigFor(hsd)` uses l_slate + l_item decoder blocks (the planner and generator stacked), the same
//             d, heads, FFN, encoder and embeddings, so parameter counts match HiGR's within the heads/projector.
//
// Decoding (`flatDecode`): beam search of width B (B = 1: greedy) over the whole token sequence of the slate; a beam
// is a partial slate. Every token is constrained by the prefix trie (the same `trieBeamStep` as GSBI), and an item is
// never produced twice in a slate nor from the user's history (per-beam open counts). With `cache` the decoder's
// self-attention K/V are kept per block and reordered to the surviving beams' parents each token; without it the
// whole prefix is recomputed each token. Context K/V are projected once per decode in both modes (as in GSBI).
// With `device: true` (off by default: slower here, see FlatDecodeOptions.device) the constrained beam runs on the
// device with GSBI's trie ops: per-beam open-item counts (U·B, N) are reordered with the beams and decremented when a
// beam completes an item, the caches are reordered by the device's parent rows, and the host reads back the final
// beams once per decode. The host path (one (U·B, K) read-back per token) is the reference; tests: same slates.
import {
  add, broadcastTo, cast, getBackend, concat, crossEntropy, embedding, logSoftmax, noGrad, reshape, scale, slice, tensor, tidy, tidyAsync, topk, trieBeamAdvance,
  trieBeamScores, trieBlock, zeros, type Rng, type Tensor,
} from '../engine';
import { ContextEncoder, SidEmbedding, type HistoryBatch } from './context-encoder';
import { createKVCache, DecoderBlock, disposeKVCache, Embedding, Linear, Module, RMSNorm, type KVCache } from './nn';
import { Dropper } from './seq-rec';
import { repeatMask, type HsdConfig } from './slate-decoder';
import { beamContextKV, checkDecodeRequest, historyBlocked, type DecodeRequest } from './decode-setup';
import { itemPath, openCounts, trieBeamStep, trieTables, type SidLookup } from './trie-beam';

export interface FlatConfig {
  dim: number;
  heads: number;
  ffn: number;
  ffnKind: 'swiglu' | 'gelu';
  encoderLayers: number;
  /** decoder blocks over the flat token sequence */
  layers: number;
  /** M: slate size used in training */
  slateSize: number;
  /** largest slate length decodable (1..10) */
  maxSlate: number;
  maxHistory: number;
  itemIdEmbedding: boolean;
  /**
   * Dropout probability on the input embeddings (the encoder's history embeddings and the decoder's input tokens) in
   * training only (the teacher-forced loss with the trainer's step; decoding never drops), as the HSD's `dropout`.
   * Absent = 0.
   */
  dropout?: number;
}

/** The flat decoder matched to a HiGR configuration: same encoder, width, heads, FFN; l_slate + l_item blocks. */
export function flatConfigFor(h: HsdConfig): FlatConfig {
  return {
    dim: h.dim,
    heads: h.heads,
    ffn: h.ffn,
    ffnKind: h.ffnKind,
    encoderLayers: h.encoderLayers,
    layers: h.slateLayers + h.itemLayers,
    slateSize: h.slateSize,
    maxSlate: h.maxSlate,
    maxHistory: h.maxHistory,
    itemIdEmbedding: h.itemIdEmbedding,
    dropout: h.dropout,
  };
}

export function flatConfig(c: FlatConfig): FlatConfig {
  const bad: string[] = [];
  for (const k of ['dim', 'heads', 'ffn', 'layers', 'slateSize', 'maxSlate', 'maxHistory'] as const) if (!Number.isInteger(c[k]) || c[k] < 1) bad.push(`${k} must be an integer >= 1 (got ${c[k]})`);
  if (!Number.isInteger(c.encoderLayers) || c.encoderLayers < 0) bad.push(`encoderLayers must be an integer >= 0 (got ${c.encoderLayers})`);
  if (c.dim % c.heads !== 0) bad.push(`heads ${c.heads} must divide dim ${c.dim}`);
  if (c.maxSlate > 10 || c.maxSlate < c.slateSize) bad.push(`maxSlate must be in [slateSize, 10] (got ${c.maxSlate})`);
  if (c.dropout !== undefined && !(c.dropout >= 0 && c.dropout < 1)) bad.push(`dropout must be in [0, 1) (got ${c.dropout})`);
  if (bad.length) throw new Error(`OneRec-style decoder config: ${bad.join('; ')}`);
  return c;
}

/** Any history encoder: SID embeddings + history batch -> context C (B, Tc, d) and its key mask (B, Tc). */
export interface HistoryEncoder extends Module {
  /** `drop` (training only) applies to the input embeddings */
  forward(sidEmb: SidEmbedding, h: HistoryBatch, drop?: (x: Tensor) => Tensor): { C: Tensor; mask: Tensor };
}

export class FlatSlateDecoder extends Module {
  readonly cfg: FlatConfig;
  readonly sid: SidEmbedding;
  readonly encoder: HistoryEncoder;
  readonly bos: Tensor;
  readonly tokPos: Embedding;
  readonly blocks: DecoderBlock[];
  readonly norm: RMSNorm;
  readonly heads: Linear[];
  constructor(
    cfgIn: FlatConfig,
    readonly widths: number[],
    readonly numItems: number,
    r: Rng,
    /** another history encoder (TIGER's token-level encoder); default: HiGR's ContextEncoder */
    encoder?: (cfg: FlatConfig, r: Rng) => HistoryEncoder,
  ) {
    super();
    const cfg = (this.cfg = flatConfig(cfgIn));
    this.sid = this.addModule('sid_emb', new SidEmbedding(widths, cfg.dim, r));
    this.encoder = this.addModule(
      'encoder',
      encoder
        ? encoder(cfg, r)
        : new ContextEncoder(
            { dim: cfg.dim, heads: cfg.heads, ffn: cfg.ffn, layers: cfg.encoderLayers, maxHistory: cfg.maxHistory, itemIdVocab: cfg.itemIdEmbedding ? numItems : 0, ffnKind: cfg.ffnKind },
            r,
          ),
    );
    this.bos = this.addParam('bos', [1, 1, cfg.dim], { kind: 'normal', std: 0.02 }, r);
    this.tokPos = this.addModule('tok_pos', new Embedding(cfg.maxSlate * widths.length, cfg.dim, r));
    this.blocks = Array.from({ length: cfg.layers }, (_, i) => this.addModule(`block${i}`, new DecoderBlock(cfg.dim, cfg.heads, cfg.ffn, r, cfg.ffnKind)));
    this.norm = this.addModule('norm', new RMSNorm(cfg.dim, r));
    this.heads = widths.map((w, l) => this.addModule(`head${l}`, new Linear(cfg.dim, w, r)));
  }

  get levels(): number {
    return this.widths.length;
  }

  encode(h: HistoryBatch, drop?: (x: Tensor) => Tensor): { C: Tensor; mask: Tensor } {
    return this.encoder.forward(this.sid, h, drop);
  }

  /** Decoder inputs for positions [from, from + n): BOS at 0, else the embedding of token p-1; ids (N, n') global ids. */
  inputs(N: number, from: number, prevTokens: Tensor | null): Tensor {
    const parts: Tensor[] = [];
    if (from === 0) parts.push(broadcastTo(this.bos, [N, 1, this.cfg.dim]));
    if (prevTokens && prevTokens.shape[1] > 0) parts.push(this.sid.tokens(prevTokens));
    const x = parts.length === 1 ? parts[0] : concat(parts, 1);
    const n = x.shape[1];
    const pos = new Int32Array(N * n);
    for (let b = 0; b < N; b++) for (let j = 0; j < n; j++) pos[b * n + j] = from + j;
    return add(x, this.tokPos.forward(tensor(pos, [N, n], 'i32')));
  }

  /** Decoder hidden states (N, n, d) for inputs (N, n, d) at positions [from, from+n), with caches or full causal. */
  hidden(x: Tensor, ctx: { C: Tensor; mask: Tensor } | { kv: { k: Tensor; v: Tensor }[]; mask: Tensor }, caches?: KVCache[]): Tensor {
    let h = x;
    this.blocks.forEach((b, i) => {
      if ('kv' in ctx) h = b.forward(h, null, { ctxKV: ctx.kv[i], ctxMask: ctx.mask, causal: true, cache: caches?.[i] });
      else h = b.forward(h, ctx.C, { ctxMask: ctx.mask, causal: true, cache: caches?.[i] });
    });
    return this.norm.forward(h);
  }

  /**
   * Teacher-forced loss: history + target codes (B, M, L) raw per-level codes. Sum over the M·L tokens, mean over
   * slates. With `extra.step` (the trainer's step: training) and `cfg.dropout` > 0, the encoder's input embeddings and
   * the decoder's input tokens are dropped (seeded by the step).
   */
  loss(h: HistoryBatch, targetCodes: Int32Array, extra?: { step: number }): { loss: Tensor; perToken: Tensor } {
    const { B } = h;
    const p = this.cfg.dropout ?? 0;
    const drop = extra && p > 0 ? new Dropper(p, 0x4f4e, extra.step).apply : undefined;
    const M = this.cfg.slateSize;
    const L = this.levels;
    const T = M * L;
    if (targetCodes.length !== B * T) throw new Error(`OneRec-style loss: target codes have ${targetCodes.length} entries, expected ${B}×${M}×${L}`);
    const { C, mask } = this.encode(h, drop);
    const ids = this.sid.tokenIds(targetCodes); // (B, T)
    const prev = new Int32Array(B * (T - 1));
    for (let b = 0; b < B; b++) prev.set(ids.subarray(b * T, b * T + T - 1), b * (T - 1));
    const x0 = this.inputs(B, 0, T > 1 ? tensor(prev, [B, T - 1], 'i32') : null);
    const x = drop ? drop(x0) : x0;
    const hid = reshape(this.hidden(x, { C, mask }), [B, M, L, this.cfg.dim]);
    let total: Tensor | null = null;
    for (let l = 0; l < L; l++) {
      const hl = reshape(slice(hid, 2, l, l + 1), [B * M, this.cfg.dim]);
      const tgt = new Int32Array(B * M);
      for (let k = 0; k < B * M; k++) tgt[k] = targetCodes[k * L + l];
      const ce = crossEntropy(this.heads[l].forward(hl), tensor(tgt, [B * M], 'i32'), { reduction: 'sum' });
      total = total ? add(total, ce) : ce;
    }
    const loss = scale(total!, 1 / B);
    const perToken = noGrad(() => scale(total!, 1 / (B * T)));
    return { loss, perToken };
  }
}

export interface FlatDecodeOptions extends DecodeRequest {
  /**
   * trie masks and beam top-k on the engine's device (default false: measured slower than the host path on cpu, wasm
   * and SwiftShader WebGPU — bench:decode-device — because per-beam open counts (U·B × trie nodes) are re-gathered
   * every token; the baseline keeps its faster path). The host path is the reference; traces use it.
   */
  device?: boolean;
}

/** The flat decoder's default decode path on every backend kind (FlatDecodeOptions.device): the host. */
export const flatDeviceDefault = (_kind: string): boolean => false;

export interface FlatTraceStep {
  /** slot, level of the token decoded at this step */
  slot: number;
  level: number;
  /** surviving beams after the step: codes so far (flat), score */
  beams: { codes: number[]; score: number }[];
  /** trie-valid candidates considered */
  candidates: number;
}

export interface FlatDecodeResult {
  slates: Int32Array[];
  sids: Int32Array[];
  /** log-probability of the whole slate (best beam) */
  scores: Float64Array;
  /** per user, every final beam best first: its items and score (distinct slates; for L = 1 distinct items) */
  beams: { items: number[]; score: number }[][];
  trace?: FlatTraceStep[][];
}

interface FlatBeam {
  node: number;
  codes: number[];
  tokens: number[];
  items: number[];
  /** trie paths of `items` (for per-beam open counts) */
  paths: Int32Array[];
  score: number;
}

export async function flatDecode(model: FlatSlateDecoder, lookup: SidLookup, hist: HistoryBatch, opts: FlatDecodeOptions): Promise<FlatDecodeResult> {
  const U = hist.B;
  const Bm = opts.beam;
  const Ls = opts.length;
  const LV = model.levels;
  const d = model.cfg.dim;
  const trie = lookup.trie;
  checkDecodeRequest('OneRec-style decode', model, lookup, U, opts);
  const useCache = opts.cache ?? true;
  const T = Ls * LV;
  const N = U * Bm;
  const hBlocked = historyBlocked(lookup, U, opts.exclude);
  if ((opts.device ?? flatDeviceDefault(getBackend().kind)) && !opts.trace) return flatDecodeDevice(model, lookup, hist, opts, hBlocked);
  const nodeItems = trie.t.nodeItems;
  const depth = trie.t.nodeDepth;
  /** beam may enter node: items below it minus history-blocked minus this beam's own (non-history) items below it */
  const open = (u: number, beam: FlatBeam, node: number) => {
    let left = nodeItems[node] - hBlocked[u].count(node);
    if (left <= 0) return false;
    const dd = depth[node] - 1;
    for (let j = 0; j < beam.items.length; j++) if (beam.paths[j][dd] === node && !hBlocked[u].has(beam.items[j])) left--;
    return left > 0;
  };
  let beams: FlatBeam[][] = Array.from({ length: U }, () => [{ node: 0, codes: [], tokens: [], items: [], paths: [], score: 0 }]);
  const trace: FlatTraceStep[][] | undefined = opts.trace ? Array.from({ length: U }, () => []) : undefined;

  await tidyAsync(async () => {
    const { C, mask } = noGrad(() => model.encode(hist));
    const Tc = C.shape[1];
    // the encoder's own key mask (B, Tc): Tc = T for item-level encoders, T·L for TIGER's token encoder
    const hostMask = Tc === hist.T ? hist.mask : Int32Array.from((await mask.data()) as ArrayLike<number>);
    // context keys/values projected once per user, repeated per beam (as GSBI does)
    const ctx = noGrad(() => ({
      kv: beamContextKV(model.blocks, C, Bm),
      mask: tensor(repeatMask(hostMask, U, Tc, Bm), [N, Tc], 'i32'),
    }));
    let caches: KVCache[] | null = useCache ? model.blocks.map(() => createKVCache(N, T, d)) : null;
    try {
      for (let p = 0; p < T; p++) {
        const level = p % LV;
        const K = model.widths[level];
        // row (u, b) = beam min(b, len-1) of user u (short beam lists are padded with their last beam)
        const rowBeam = (u: number, b: number) => beams[u][Math.min(b, beams[u].length - 1)];
        const lp = await tidyAsync(async () => {
          const out = noGrad(() => {
            let x: Tensor;
            if (caches) {
              if (p === 0) x = model.inputs(N, 0, null);
              else {
                const last = new Int32Array(N);
                for (let u = 0; u < U; u++) for (let b = 0; b < Bm; b++) last[u * Bm + b] = rowBeam(u, b).tokens[p - 1];
                x = model.inputs(N, p, tensor(last, [N, 1], 'i32'));
              }
              const hid = model.hidden(x, ctx, caches!); // (N, 1, d)
              return logSoftmax(model.heads[level].forward(reshape(hid, [N, d])));
            }
            const prev = new Int32Array(N * p);
            for (let u = 0; u < U; u++) for (let b = 0; b < Bm; b++) prev.set(rowBeam(u, b).tokens, (u * Bm + b) * p);
            x = model.inputs(N, 0, p > 0 ? tensor(prev, [N, p], 'i32') : null);
            const hid = model.hidden(x, ctx); // (N, p+1, d)
            return logSoftmax(model.heads[level].forward(reshape(slice(hid, 1, p, p + 1), [N, d])));
          });
          return (await out.data()) as Float32Array;
        });
        const parents = new Int32Array(N);
        const next: FlatBeam[][] = [];
        for (let u = 0; u < U; u++) {
          const bs = beams[u];
          const cands = trieBeamStep(trie, bs, (bi, code) => lp[(u * Bm + bi) * K + code], (bi, node) => open(u, bs[bi], node));
          if (!cands.length) throw new Error(`OneRec-style decode: user ${u} has no allowed item left (catalogue exhausted by exclusions)`);
          const kept = cands.slice(0, Bm).map((c): FlatBeam => {
            const par = bs[c.parent];
            const tokens = [...par.tokens, model.sid.offsets[level] + c.code];
            const codes = [...par.codes, c.code];
            if (level < LV - 1) return { node: c.node, codes, tokens, items: par.items, paths: par.paths, score: c.score };
            const item = trie.t.leafItem[c.node];
            if (item < 0) throw new Error(`OneRec-style decode: internal error, leaf node ${c.node} has no item`);
            return { node: 0, codes, tokens, items: [...par.items, item], paths: [...par.paths, itemPath(lookup, item)], score: c.score };
          });
          for (let b = 0; b < Bm; b++) parents[u * Bm + b] = u * Bm + cands[Math.min(b, kept.length - 1)].parent;
          next.push(kept);
          if (trace) trace[u].push({ slot: Math.floor(p / LV), level, beams: kept.map((k) => ({ codes: k.codes, score: k.score })), candidates: cands.length });
        }
        beams = next;
        // reorder the caches to the surviving beams' parents (skip when nothing moved)
        if (caches && p + 1 < T && parents.some((v, i) => v !== i)) {
          const idx = tensor(parents, [N], 'i32');
          caches = caches.map((c) => {
            const g = (t: Tensor) => noGrad(() => reshape(embedding(reshape(t, [N, T * d]), idx), [N, T, d])).keep();
            const nc = { k: g(c.k), v: g(c.v), len: c.len };
            disposeKVCache(c);
            return nc;
          });
        }
      }
    } finally {
      caches?.forEach(disposeKVCache);
    }
    return null;
  });
  const slates = beams.map((bs) => Int32Array.from(bs[0].items));
  const sids = beams.map((bs) => Int32Array.from(bs[0].codes));
  const scores = Float64Array.from(beams, (bs) => bs[0].score);
  return { slates, sids, scores, beams: beams.map((bs) => bs.map((b) => ({ items: b.items, score: b.score }))), trace };
}

/** flatDecode's beam on the device (see the header); returns what the host path returns, from one read-back. */
async function flatDecodeDevice(model: FlatSlateDecoder, lookup: SidLookup, hist: HistoryBatch, opts: FlatDecodeOptions, hBlocked: ReturnType<typeof historyBlocked>): Promise<FlatDecodeResult> {
  const U = hist.B, Bm = opts.beam, LV = model.levels, d = model.cfg.dim, trie = lookup.trie;
  const T = opts.length * LV, N = U * Bm;
  const tables = trieTables(trie);
  const perUser = openCounts(trie, hBlocked);
  const open0 = new Int32Array(N * tables.N);
  for (let r = 0; r < N; r++) open0.set(perUser.subarray(Math.floor(r / Bm) * tables.N, (Math.floor(r / Bm) + 1) * tables.N), r * tables.N);
  const [tok, sc] = await tidyAsync(async () => {
    const { C, mask } = noGrad(() => model.encode(hist));
    const Tc = C.shape[1];
    const hostMask = Tc === hist.T ? hist.mask : Int32Array.from((await mask.data()) as ArrayLike<number>);
    const ctx = noGrad(() => ({ kv: beamContextKV(model.blocks, C, Bm), mask: tensor(repeatMask(hostMask, U, Tc, Bm), [N, Tc], 'i32') }));
    const children = tensor(tables.children, [tables.N, tables.K], 'i32');
    const parent = tensor(tables.parent, [tables.N], 'i32');
    let caches: KVCache[] | null = (opts.cache ?? true) ? model.blocks.map(() => createKVCache(N, T, d)) : null;
    let st = tidy(() => ({
      score: tensor(Float32Array.from({ length: N }, (_, r) => (r % Bm === 0 ? 0 : -Infinity)), [N]),
      node: zeros([N], 'i32'),
      tokens: zeros([N, T], 'i32'),
      open: tensor(open0, [N, tables.N], 'i32'),
    }));
    try {
      for (let p = 0; p < T; p++) {
        const level = p % LV;
        const K = model.widths[level];
        const prev = st;
        const next = noGrad(() => tidy(() => {
          let lp: Tensor;
          if (caches) {
            const x = p === 0 ? model.inputs(N, 0, null) : model.inputs(N, p, slice(prev.tokens, 1, p - 1, p));
            lp = logSoftmax(model.heads[level].forward(reshape(model.hidden(x, ctx, caches), [N, d])));
          } else {
            const hid = model.hidden(model.inputs(N, 0, p > 0 ? slice(prev.tokens, 1, 0, p) : null), ctx);
            lp = logSoftmax(model.heads[level].forward(reshape(slice(hid, 1, p, p + 1), [N, d])));
          }
          // per-beam open counts: the beam row is its own "user" of trieBeamScores (beams = 1)
          const cand = trieBeamScores(lp, prev.score, prev.node, children, prev.open, 1);
          const [v, ix] = topk(reshape(cand, [U, Bm * K]), Bm);
          const [score, leafOrNode, tokens, prow] = trieBeamAdvance(v, ix, prev.node, prev.tokens, children, { K, level: p, offset: model.sid.offsets[level] });
          const open = cast(embedding(cast(prev.open, 'f32'), prow), 'i32'); // counts follow their beams (exact integers)
          let node = leafOrNode;
          if (level === LV - 1) {
            trieBlock(open, leafOrNode, parent, 1); // the completed item is not produced again by this beam
            node = zeros([N], 'i32'); // the next item starts at the root (dead beams keep a -inf score)
          }
          return { st: { score, node, tokens, open }, prow };
        }));
        if (caches && p + 1 < T) {
          caches = caches.map((c) => {
            const g = (t: Tensor) => noGrad(() => reshape(embedding(reshape(t, [N, T * d]), next.prow), [N, T, d])).keep();
            const nc = { k: g(c.k), v: g(c.v), len: c.len };
            disposeKVCache(c);
            return nc;
          });
        }
        next.prow.dispose();
        for (const t of Object.values(prev)) t.dispose();
        st = next.st;
      }
      return (await Promise.all([st.tokens.data(), st.score.data()])) as [Int32Array, Float32Array];
    } finally {
      caches?.forEach(disposeKVCache);
    }
  });
  const beams: { items: number[]; score: number }[][] = [];
  const codesOf: number[][][] = [];
  for (let u = 0; u < U; u++) {
    const bs: { items: number[]; score: number }[] = [];
    const cs: number[][] = [];
    for (let b = 0; b < Bm; b++) {
      const r = u * Bm + b;
      if (sc[r] === -Infinity) continue;
      const codes = Array.from(tok.subarray(r * T, (r + 1) * T), (t, p) => t - model.sid.offsets[p % LV]);
      const items = Array.from({ length: opts.length }, (_, j) => trie.item(codes.slice(j * LV, (j + 1) * LV)));
      if (items.some((it) => it < 0)) throw new Error(`OneRec-style decode: internal error, beam ${b} of user ${u} ended off the trie`);
      bs.push({ items, score: sc[r] });
      cs.push(codes);
    }
    if (!bs.length) throw new Error(`OneRec-style decode: user ${u} has no allowed item left (catalogue exhausted by exclusions)`);
    beams.push(bs);
    codesOf.push(cs);
  }
  return {
    slates: beams.map((bs) => Int32Array.from(bs[0].items)),
    sids: codesOf.map((cs) => Int32Array.from(cs[0])),
    scores: Float64Array.from(beams, (bs) => bs[0].score),
    beams,
  };
}
