// Context encoder E(u, S^u) (paper §3.4, Figure 1(b)): the user's history as item embeddings (sum of the item's SID
// embeddings, optionally + a learned item-id embedding) + a recency position embedding, through causal self-attention
// blocks (pre-RMSNorm, no cross-attention) and a final RMSNorm -> the context C (B, T, d). C is the key/value source of
// every cross-attention of the slate planner and the item generator (each applies its own RMSNorm_k / RMSNorm_v, Eq. 6/8).
//
// Histories are left-padded to a common length T with a key mask (B, T) (1 = real item): padded positions are never
// attended to, so a batch gives the same C rows as one user at a time.
import { add, embedding, max, mean, sum, tensor, type Rng, type Tensor } from '../engine';
import { DecoderBlock, Embedding, Module, RMSNorm } from './nn';

export type SidPooling = 'sum' | 'mean' | 'max';

/**
 * One embedding table for every SID level (rows offset per level: level l code c is row offsets[l] + c), so the
 * encoder's item embeddings, the planner's preference inputs i_m = Σ_d s_m^d and the generator's SID tokens share it.
 */
export class SidEmbedding extends Module {
  readonly table: Tensor;
  readonly offsets: number[];
  readonly rows: number;
  constructor(
    readonly widths: number[],
    readonly dim: number,
    r: Rng,
  ) {
    super();
    this.offsets = [];
    let o = 0;
    for (const w of widths) {
      this.offsets.push(o);
      o += w;
    }
    this.rows = o;
    this.table = this.addParam('weight', [o, dim], { kind: 'normal', std: 0.02 }, r);
  }
  get levels(): number {
    return this.widths.length;
  }
  /** Global token ids (…, L) from raw per-level codes (…, L) (host side). */
  tokenIds(codes: ArrayLike<number>): Int32Array {
    const L = this.levels;
    const out = new Int32Array(codes.length);
    for (let i = 0; i < codes.length; i++) out[i] = this.offsets[i % L] + codes[i];
    return out;
  }
  /** Embeddings of global token ids (any shape) -> (..., d). */
  tokens(ids: Tensor): Tensor {
    return embedding(this.table, ids);
  }
  /** Pooled item embedding of SIDs: ids (..., L) global token ids -> (..., d) (sum = the paper's i_m; mean/max = Table 3). */
  items(ids: Tensor, pooling: SidPooling = 'sum'): Tensor {
    const e = embedding(this.table, ids); // (..., L, d)
    const ax = e.rank - 2;
    return pooling === 'sum' ? sum(e, ax) : pooling === 'mean' ? mean(e, ax) : max(e, ax);
  }
}

export interface ContextEncoderConfig {
  dim: number;
  heads: number;
  ffn: number;
  layers: number;
  /** Longest history kept (the most recent items); also the size of the position table. */
  maxHistory: number;
  /** Items in the catalogue: > 0 adds a learned item-id embedding to the SID sum. */
  itemIdVocab: number;
  ffnKind: 'swiglu' | 'gelu';
}

/** Host-side history tensors for a batch (left-padded). */
export interface HistoryBatch {
  B: number;
  T: number;
  /** (B, T, L) global SID token ids (pad rows 0) */
  sid: Int32Array;
  /** (B, T) dense item ids (pad 0) */
  item: Int32Array;
  /** (B, T) recency position (0 = most recent), pad 0 */
  pos: Int32Array;
  /** (B, T) 1 = real item */
  mask: Int32Array;
}

export class ContextEncoder extends Module {
  readonly pos: Embedding;
  readonly itemId: Embedding | null;
  readonly blocks: DecoderBlock[];
  readonly norm: RMSNorm;
  constructor(
    readonly cfg: ContextEncoderConfig,
    r: Rng,
  ) {
    super();
    this.pos = this.addModule('pos', new Embedding(cfg.maxHistory, cfg.dim, r));
    this.itemId = cfg.itemIdVocab > 0 ? this.addModule('item_id', new Embedding(cfg.itemIdVocab, cfg.dim, r)) : null;
    this.blocks = Array.from({ length: cfg.layers }, (_, i) => this.addModule(`block${i}`, new DecoderBlock(cfg.dim, cfg.heads, cfg.ffn, r, cfg.ffnKind, { cross: false })));
    this.norm = this.addModule('norm', new RMSNorm(cfg.dim, r));
  }

  /** C (B, T, d) and the key mask (B, T) i32 for cross-attention; `drop` (training) is applied to the input embeddings. */
  forward(sidEmb: SidEmbedding, h: HistoryBatch, drop?: (x: Tensor) => Tensor): { C: Tensor; mask: Tensor } {
    const L = sidEmb.levels;
    let x = sidEmb.items(tensor(h.sid, [h.B, h.T, L], 'i32'));
    if (this.itemId) x = add(x, this.itemId.forward(tensor(h.item, [h.B, h.T], 'i32')));
    x = add(x, this.pos.forward(tensor(h.pos, [h.B, h.T], 'i32')));
    if (drop) x = drop(x);
    const mask = tensor(h.mask, [h.B, h.T], 'i32');
    for (const b of this.blocks) x = b.forward(x, null, { causal: true, selfMask: mask });
    return { C: this.norm.forward(x), mask };
  }
}

/** Left-padded history batch from per-user item lists (dense ids, oldest first); keeps the last `maxHistory` items. */
export function historyBatch(histories: ArrayLike<number>[], sidCodes: Int32Array, sidEmb: SidEmbedding, maxHistory: number): HistoryBatch {
  const L = sidEmb.levels;
  const B = histories.length;
  const T = Math.max(1, ...histories.map((h) => Math.min(maxHistory, h.length)));
  const sid = new Int32Array(B * T * L), item = new Int32Array(B * T), pos = new Int32Array(B * T), mask = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    const hs = histories[b];
    const n = Math.min(maxHistory, hs.length);
    if (n === 0) throw new Error(`historyBatch: user ${b} of the batch has an empty history`);
    for (let j = 0; j < n; j++) {
      const it = hs[hs.length - n + j];
      const t = T - n + j;
      item[b * T + t] = it;
      pos[b * T + t] = n - 1 - j;
      mask[b * T + t] = 1;
      for (let l = 0; l < L; l++) sid[(b * T + t) * L + l] = sidEmb.offsets[l] + sidCodes[it * L + l];
    }
  }
  return { B, T, sid, item, pos, mask };
}
