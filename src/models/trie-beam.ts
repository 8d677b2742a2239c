// The trie-constrained beam step shared by every SID decoder (GSBI's per-item beam, the OneRec-style flat decoder's
// beam over the whole slate, TIGER's next-item beam): expand each beam by the trie children of its node that are still
// open (at least one allowed item below them), score = beam score + log-probability of the code, sort best first
// (ties: lower parent, then lower code), and let the caller keep the first `width`.
//
// `Blocked` tracks, for one user (or one beam), which items may not be produced any more (history exclusion, items
// already in the slate) as per-node counts, so "open" is O(1) and a beam never walks into a dead end.
import type { PrefixTrie } from './sid-table';

/** Item row -> SID codes, and the trie over them (what every SID decoder needs from the tokenizer stage). */
export interface SidLookup {
  /** (n, levels) codes per item row */
  sids: Int32Array;
  trie: PrefixTrie;
}

/** Per-user open branches: a trie node is open while nodeItems - blocked > 0. */
export class Blocked {
  private blocked = new Map<number, number>();
  private items = new Set<number>();
  constructor(private lookup: SidLookup) {}
  add(item: number): void {
    if (this.items.has(item)) return;
    const { sids, trie } = this.lookup;
    const L = trie.levels;
    if (item < 0 || (item + 1) * L > sids.length) return; // not in the catalogue: nothing to block
    this.items.add(item);
    let v = 0;
    for (let l = 0; l < L; l++) {
      v = trie.child(v, sids[item * L + l]);
      if (v < 0) throw new Error(`gsbi: item row ${item} has a SID missing from the trie`);
      this.blocked.set(v, (this.blocked.get(v) ?? 0) + 1);
    }
  }
  /** Blocked items below `node`. */
  count(node: number): number {
    return this.blocked.get(node) ?? 0;
  }
  open(node: number): boolean {
    return this.lookup.trie.t.nodeItems[node] - (this.blocked.get(node) ?? 0) > 0;
  }
  has(item: number): boolean {
    return this.items.has(item);
  }
  get size(): number {
    return this.items.size;
  }
}

export interface TrieCandidate {
  /** index of the parent beam, the code appended, the child trie node, the cumulative log-probability */
  parent: number;
  code: number;
  node: number;
  score: number;
}

/**
 * One trie-constrained beam step: every open child of every beam, scored and sorted best first.
 * `logp(b, code)` = log-probability of `code` for beam b at this level; `open(b, node)` = may beam b enter `node`.
 */
export function trieBeamStep(
  trie: PrefixTrie,
  beams: readonly { node: number; score: number }[],
  logp: (beam: number, code: number) => number,
  open: (beam: number, node: number) => boolean,
): TrieCandidate[] {
  const t = trie.t;
  const cands: TrieCandidate[] = [];
  beams.forEach((beam, bi) => {
    for (let c = t.childStart[beam.node]; c < t.childStart[beam.node] + t.childCount[beam.node]; c++) {
      if (!open(bi, c)) continue;
      const code = t.nodeCode[c];
      cands.push({ parent: bi, code, node: c, score: beam.score + logp(bi, code) });
    }
  });
  cands.sort((a, b) => b.score - a.score || a.parent - b.parent || a.code - b.code);
  return cands;
}

/** Trie nodes on an item's path (levels entries: depth 1 .. levels). */
export function itemPath(lookup: SidLookup, item: number): Int32Array {
  const L = lookup.trie.levels;
  const p = new Int32Array(L);
  let v = 0;
  for (let l = 0; l < L; l++) {
    v = lookup.trie.child(v, lookup.sids[item * L + l]);
    if (v < 0) throw new Error(`decoder: item row ${item} has a SID missing from the trie`);
    p[l] = v;
  }
  return p;
}

/** The trie as flat tables for the device beam (engine ops trieBeamScores / trieBeamAdvance / trieBlock). */
export interface TrieTables {
  /** nodes */
  N: number;
  /** widest level: columns of `children` */
  K: number;
  /** (N, K): child node of (node, code), -1 where there is none */
  children: Int32Array;
  /** (N): parent node, -1 for the root */
  parent: Int32Array;
}

const tablesCache = new WeakMap<object, TrieTables>();

/** Build (once per trie) the children / parent tables. */
export function trieTables(trie: PrefixTrie): TrieTables {
  const cached = tablesCache.get(trie.t);
  if (cached) return cached;
  const t = trie.t;
  const N = t.nodeCode.length;
  const K = Math.max(1, ...trie.widths);
  const children = new Int32Array(N * K).fill(-1);
  const parent = new Int32Array(N).fill(-1);
  for (let v = 0; v < N; v++) {
    for (let c = t.childStart[v]; c < t.childStart[v] + t.childCount[v]; c++) {
      children[v * K + t.nodeCode[c]] = c;
      parent[c] = v;
    }
  }
  const res = { N, K, children, parent };
  tablesCache.set(trie.t, res);
  return res;
}

/** (U, N) allowed items still below each node, per user: nodeItems − blocked (history exclusions, chosen items). */
export function openCounts(trie: PrefixTrie, blocked: readonly Blocked[]): Int32Array {
  const items = trie.t.nodeItems;
  const N = items.length;
  const out = new Int32Array(blocked.length * N);
  blocked.forEach((b, u) => {
    for (let v = 0; v < N; v++) out[u * N + v] = items[v] - b.count(v);
  });
  return out;
}
