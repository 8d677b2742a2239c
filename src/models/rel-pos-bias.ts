// Learned relative-position attention bias (HSTU's rab^p, Zhai et al. 2024; also usable as the additive `bias` of the
// softmax attention op / MultiHeadAttention): one learned value per (bucket of the distance i − j, head), gathered into
// an (heads, Tq, Tk) or, with one head, (Tq, Tk) bias. Queries are aligned with the END of the keys (query i sits at
// key position i + Tk − Tq), as in the causal attention op; keys after the query (negative distances) are clamped to
// distance 0: the models using it are causal, so a mask removes those entries anyway.
// Bucketing of the distance d ≥ 0:
//   'exact' one bucket per distance 0..maxLen−1 (the reference HSTU position bias: a learned value per relative
//           position; our default, and what hstu.ts always had)
//   'log'   HSTU's bucketization of its relative TIME bias applied to distances: floor(ln(max(d, 1)) / 0.301), i.e.
//           log-spaced buckets (d = 0, 1 → 0; 2 → 2, 4 → 4, 8 → 6, 16 → 9, 49 → 12: ~2.3 per doubling) — 13 values
//           instead of 50 at maxLen 50.
import { embedding, reshape, tensor, transpose, type Rng, type Tensor } from '../engine';
import { Module } from './nn';

export type RelPosBucketing = 'exact' | 'log';

/** Bucket of the non-negative distance `d` (clamped into the table). */
export function relPosBucket(d: number, bucketing: RelPosBucketing, buckets: number): number {
  const dist = Math.max(0, d);
  const b = bucketing === 'exact' ? dist : Math.floor(Math.log(Math.max(dist, 1)) / 0.301);
  return Math.min(b, buckets - 1);
}

/** Number of buckets a table needs for distances 0..maxLen−1. */
export function relPosBuckets(maxLen: number, bucketing: RelPosBucketing): number {
  return relPosBucket(Math.max(0, maxLen - 1), bucketing, Number.MAX_SAFE_INTEGER) + 1;
}

export class RelativePositionBias extends Module {
  readonly table: Tensor;
  readonly buckets: number;
  private idx = new Map<string, Int32Array>();
  constructor(
    readonly maxLen: number,
    readonly bucketing: RelPosBucketing,
    readonly heads: number,
    r: Rng,
    init: { kind: 'zeros' } | { kind: 'normal'; std: number } = { kind: 'zeros' },
  ) {
    super();
    if (!Number.isInteger(maxLen) || maxLen < 1) throw new Error(`RelativePositionBias: maxLen must be an integer >= 1 (got ${maxLen})`);
    if (bucketing !== 'exact' && bucketing !== 'log') throw new Error(`RelativePositionBias: bucketing must be 'exact' or 'log' (got ${String(bucketing)})`);
    this.buckets = relPosBuckets(maxLen, bucketing);
    this.table = this.addParam('weight', [this.buckets, heads], init, r);
  }
  /** Bucket index per (query i, key j): (Tq·Tk) row-major. */
  bucketIndex(Tq: number, Tk: number): Int32Array {
    const key = `${Tq}x${Tk}`;
    let ix = this.idx.get(key);
    if (!ix) {
      ix = new Int32Array(Tq * Tk);
      for (let i = 0; i < Tq; i++) for (let j = 0; j < Tk; j++) ix[i * Tk + j] = relPosBucket(i + Tk - Tq - j, this.bucketing, this.buckets);
      this.idx.set(key, ix);
    }
    return ix;
  }
  /** The bias: (Tq, Tk) with one head, else (heads, Tq, Tk). Differentiable w.r.t. the table. */
  forward(Tq: number, Tk: number = Tq): Tensor {
    if (Tq > this.maxLen || Tk > this.maxLen) throw new Error(`RelativePositionBias: (Tq, Tk) = (${Tq}, ${Tk}) exceeds maxLen ${this.maxLen}`);
    const g = embedding(this.table, tensor(this.bucketIndex(Tq, Tk), [Tq, Tk], 'i32')); // (Tq, Tk, heads)
    return this.heads === 1 ? reshape(g, [Tq, Tk]) : transpose(g, [2, 0, 1]);
  }
}
