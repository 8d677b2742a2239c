// The setup every SID slate decoder shares (GSBI, the OneRec-style flat decoder, TIGER's next-item beam): the request
// checks (beam width, slate length, SID table matching the model, one exclusion row per user), each user's history
// exclusions as trie counts, and the context keys/values projected once per user and repeated for each beam.
import type { Tensor } from '../engine';
import { repeatRows } from './slate-decoder';
import type { DecoderBlock } from './nn';
import { Blocked, type SidLookup } from './trie-beam';

/** What every SID slate decoder is asked: the decoders' own options extend it (each documents its `device` default). */
export interface DecodeRequest {
  /** beam width (GSBI: per item, paper 5; flat decoder: over the whole slate, 1 = greedy) */
  beam: number;
  /** slate length L (1..model maxSlate) */
  length: number;
  /** per user, item rows never to recommend (e.g. the history) */
  exclude?: ArrayLike<number>[];
  /** KV cache (default true); false recomputes attention over the whole prefix each step */
  cache?: boolean;
  /** record each step's beams for the stepper UI (host memory: a few users; always the host path) */
  trace?: boolean;
}

/** Throws one clear line (prefixed by `who`) when the request does not fit the model or the SID table. */
export function checkDecodeRequest(who: string, model: { widths: number[]; cfg: { maxSlate: number } }, lookup: SidLookup, users: number, o: DecodeRequest): void {
  const trie = lookup.trie;
  if (!Number.isInteger(o.beam) || o.beam < 1) throw new Error(`${who}: beam width must be an integer >= 1 (got ${o.beam})`);
  if (!Number.isInteger(o.length) || o.length < 1 || o.length > model.cfg.maxSlate) throw new Error(`${who}: slate length must be in 1..${model.cfg.maxSlate} (got ${o.length})`);
  if (trie.levels !== model.widths.length || trie.widths.some((w, l) => w !== model.widths[l])) throw new Error(`${who}: the SID table has levels [${trie.widths}] but the model was built for [${model.widths}]`);
  if (o.exclude && o.exclude.length !== users) throw new Error(`${who}: exclude has ${o.exclude.length} rows for ${users} users`);
}

/** Per user, the items never to produce (the history when excluded) as trie counts. */
export function historyBlocked(lookup: SidLookup, users: number, exclude?: ArrayLike<number>[]): Blocked[] {
  return Array.from({ length: users }, (_, u) => {
    const b = new Blocked(lookup);
    const ex = exclude?.[u];
    if (ex) for (let i = 0; i < ex.length; i++) b.add(ex[i]);
    return b;
  });
}

/** Cross-attention K/V of the context C (U, Tc, d) for each block, repeated per beam: rows (U·beam, Tc, d). */
export function beamContextKV(blocks: DecoderBlock[], C: Tensor, beam: number): { k: Tensor; v: Tensor }[] {
  return blocks.map((b) => {
    const p = b.projectContext(C);
    return { k: repeatRows(p.k, beam), v: repeatRows(p.v, beam) };
  });
}
