// TIGER (Rajput et al., "Recommender Systems with Generative Retrieval", NeurIPS 2023) as a Table 1 baseline:
//   encoder   the user's history as its flattened SID token sequence (T items × L levels, shared SID embedding table,
//             + a position embedding over the T·L tokens), bidirectional self-attention blocks (pre-RMSNorm), RMSNorm
//   decoder   the next item's L SID tokens, autoregressive, cross-attending to the encoder output: the OneRec-style
//             flat decoder of src/models/onerec.ts with a slate of one item (same blocks, heads, trie-constrained beam)
//   loss      − Σ_l log P(s^l | s^<l, history) of the next item (every (history, next item) window of training)
//   slate     trie-constrained beam search of width B ≥ 5 for the next item (history excluded); the slate is its
//             top-5 distinct items (the final beams, best first) — TIGER's retrieval of the top-k by beam search.
// Deviations from the paper: no user-id token (the workbench's users are unseen at test time in --test mode), T5's
// relative position bias replaced by learned absolute positions, RMSNorm blocks shared with the rest of the engine.
import { add, embedding, reshape, tensor, type Rng, type Tensor } from '../engine';
import { historyBatch, type HistoryBatch, type SidEmbedding } from './context-encoder';
import { DecoderBlock, Embedding, Module, RMSNorm } from './nn';
import { flatDecode, FlatSlateDecoder, type FlatConfig } from './onerec';
import type { SidLookup } from './trie-beam';

export interface TigerConfig {
  dim: number;
  heads: number;
  ffn: number;
  encoderLayers: number;
  decoderLayers: number;
  maxHistory: number;
  /**
   * input-embedding dropout in training (the encoder's history tokens and the decoder's input tokens; FlatConfig.dropout);
   * absent = 0 (absent from the defaults too, so the settings of a run without it, and its run-cache key, are unchanged)
   */
  dropout?: number;
}

export const TIGER_DEFAULTS: TigerConfig = { dim: 32, heads: 2, ffn: 64, encoderLayers: 2, decoderLayers: 2, maxHistory: 20 };

/** Bidirectional encoder over the flattened SID tokens of the history. */
export class SidTokenEncoder extends Module {
  readonly pos: Embedding;
  readonly blocks: DecoderBlock[];
  readonly norm: RMSNorm;
  constructor(
    readonly cfg: FlatConfig,
    readonly levels: number,
    r: Rng,
  ) {
    super();
    this.pos = this.addModule('pos', new Embedding(cfg.maxHistory * levels, cfg.dim, r));
    this.blocks = Array.from({ length: cfg.encoderLayers }, (_, i) => this.addModule(`block${i}`, new DecoderBlock(cfg.dim, cfg.heads, cfg.ffn, r, cfg.ffnKind, { cross: false })));
    this.norm = this.addModule('norm', new RMSNorm(cfg.dim, r));
  }
  forward(sidEmb: SidEmbedding, h: HistoryBatch, drop?: (x: Tensor) => Tensor): { C: Tensor; mask: Tensor } {
    const L = sidEmb.levels;
    const TL = h.T * L;
    const pos = new Int32Array(h.B * TL), m = new Int32Array(h.B * TL);
    for (let b = 0; b < h.B; b++)
      for (let t = 0; t < h.T; t++)
        for (let l = 0; l < L; l++) {
          // recency-major position: the most recent item's tokens are 0..L-1 whatever the padding
          pos[(b * h.T + t) * L + l] = h.pos[b * h.T + t] * L + l;
          m[(b * h.T + t) * L + l] = h.mask[b * h.T + t];
        }
    let x = reshape(embedding(sidEmb.table, tensor(h.sid, [h.B, TL], 'i32')), [h.B, TL, this.cfg.dim]);
    x = add(x, this.pos.forward(tensor(pos, [h.B, TL], 'i32')));
    if (drop) x = drop(x);
    const mask = tensor(m, [h.B, TL], 'i32');
    for (const b of this.blocks) x = b.forward(x, null, { causal: false, selfMask: mask });
    return { C: this.norm.forward(x), mask };
  }
}

export function tigerFlatConfig(c: TigerConfig): FlatConfig {
  return { dim: c.dim, heads: c.heads, ffn: c.ffn, ffnKind: 'swiglu', encoderLayers: c.encoderLayers, layers: c.decoderLayers, slateSize: 1, maxSlate: 1, maxHistory: c.maxHistory, itemIdEmbedding: false, dropout: c.dropout };
}

/** TIGER = token-level encoder + the flat SID decoder over one item. */
export function createTiger(cfg: Partial<TigerConfig>, widths: number[], numItems: number, r: Rng): FlatSlateDecoder {
  const c = { ...TIGER_DEFAULTS, ...cfg };
  return new FlatSlateDecoder(tigerFlatConfig(c), widths, numItems, r, (fc, rr) => new SidTokenEncoder(fc, widths.length, rr));
}

/** Slates of the top-k distinct next items by trie-constrained beam search (width max(beam, k)), history excluded. */
export async function tigerSlates(model: FlatSlateDecoder, lookup: SidLookup, histories: Int32Array[], opts: { k: number; beam: number }): Promise<Int32Array[]> {
  const width = Math.max(opts.beam, opts.k);
  const res = await flatDecode(model, lookup, historyBatch(histories, lookup.sids, model.sid, model.cfg.maxHistory), { beam: width, length: 1, exclude: histories });
  return res.beams.map((bs) => Int32Array.from(bs.slice(0, opts.k).map((b) => b.items[0])));
}
