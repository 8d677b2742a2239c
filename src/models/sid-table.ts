// Item → semantic ID table and the prefix trie used for constrained decoding.
//
// codes (n, D) from a tokenizer become SIDs (n, D+1): items that share the full D-level code are told apart by an
// extra disambiguation level s_{D+1} = rank of the item among its colliding group, ordered by item id (0 for
// unique items). So every item gets a unique SID, deterministically, and the collision counts are reported.
//
// The trie is flat Int32Arrays (structured-clone / transfer friendly). Nodes are numbered breadth first, so the
// children of a node are consecutive: node v has children childStart[v] .. childStart[v]+childCount[v]-1, sorted by
// code (nodeCode). Root = 0 at depth 0; leaves are at depth D+1 and know their item (leafItem).

export interface CollisionStats {
  /** items whose D-level code is shared with at least one other item */
  items: number;
  /** distinct D-level codes shared by ≥ 2 items */
  groups: number;
  /** largest group (1 = no collisions) = width of the disambiguation level */
  maxGroup: number;
  /** items / n */
  rate: number;
}

export interface SidTableData {
  /** number of quantisation levels (without the disambiguation level) */
  depth: number;
  /** codebook size per level (length depth) + width of the disambiguation level */
  widths: number[];
  /** original item ids, row order of `sids` */
  itemIds: Int32Array;
  /** (n, depth+1) row-major */
  sids: Int32Array;
  collisions: CollisionStats;
  trie: TrieData;
}

export interface TrieData {
  nodeCode: Int32Array;
  nodeDepth: Int32Array;
  childStart: Int32Array;
  childCount: Int32Array;
  /** items below each node */
  nodeItems: Int32Array;
  /** item row (index into itemIds) for leaves, -1 elsewhere */
  leafItem: Int32Array;
}

/** Lexicographic compare of rows i and j of an (n, w) code matrix. */
function cmpRows(c: Int32Array, w: number, i: number, j: number): number {
  for (let k = 0; k < w; k++) {
    const d = c[i * w + k] - c[j * w + k];
    if (d !== 0) return d;
  }
  return 0;
}

/** Build SIDs (with the disambiguation level) and the trie from tokenizer codes (n, depth). */
export function buildSidTable(itemIds: Int32Array, codes: Int32Array, depth: number, codebookSizes: number[]): SidTableData {
  const n = itemIds.length;
  if (codes.length !== n * depth) throw new Error(`buildSidTable: codes has ${codes.length} entries, expected ${n}×${depth}`);
  if (codebookSizes.length !== depth) throw new Error(`buildSidTable: ${codebookSizes.length} codebook sizes for depth ${depth}`);
  for (let i = 0; i < codes.length; i++) {
    const k = codes[i];
    if (k < 0 || k >= codebookSizes[i % depth]) throw new Error(`buildSidTable: code ${k} out of range at item row ${Math.floor(i / depth)}, level ${i % depth}`);
  }
  // order rows by (code, item id): colliding items become adjacent, ranked by id
  const order = Int32Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => cmpRows(codes, depth, a, b) || itemIds[a] - itemIds[b] || a - b);
  const W = depth + 1;
  const sids = new Int32Array(n * W);
  let items = 0;
  let groups = 0;
  let maxGroup = n ? 1 : 0;
  for (let s = 0; s < n; ) {
    let e = s + 1;
    while (e < n && cmpRows(codes, depth, order[s], order[e]) === 0) e++;
    const g = e - s;
    if (g > 1) {
      items += g;
      groups++;
      maxGroup = Math.max(maxGroup, g);
    }
    for (let r = s; r < e; r++) {
      const row = order[r];
      for (let k = 0; k < depth; k++) sids[row * W + k] = codes[row * depth + k];
      sids[row * W + depth] = r - s;
    }
    s = e;
  }
  const trie = buildTrie(sids, W, order);
  return {
    depth,
    widths: [...codebookSizes, Math.max(1, maxGroup)],
    itemIds,
    sids,
    collisions: { items, groups, maxGroup, rate: n ? items / n : 0 },
    trie,
  };
}

/** Breadth-first trie over rows of `sids` (width W) visited in lexicographic `order`. */
function buildTrie(sids: Int32Array, W: number, order: Int32Array): TrieData {
  const n = order.length;
  const code: number[] = [-1];
  const depthOf: number[] = [0];
  const start: number[] = [0];
  const count: number[] = [0];
  const itemsBelow: number[] = [n];
  const leaf: number[] = [-1];
  // queue entries: node, lo, hi (range in `order`)
  let queue: [number, number, number][] = [[0, 0, n]];
  for (let level = 0; level < W; level++) {
    const next: [number, number, number][] = [];
    for (const [node, lo, hi] of queue) {
      start[node] = code.length;
      let c = 0;
      for (let s = lo; s < hi; ) {
        const v = sids[order[s] * W + level];
        let e = s + 1;
        while (e < hi && sids[order[e] * W + level] === v) e++;
        const id = code.length;
        code.push(v);
        depthOf.push(level + 1);
        start.push(0);
        count.push(0);
        itemsBelow.push(e - s);
        leaf.push(level === W - 1 ? order[s] : -1);
        next.push([id, s, e]);
        c++;
        s = e;
      }
      count[node] = c;
    }
    queue = next;
  }
  for (const [node] of queue) start[node] = code.length; // leaves: empty child range
  return {
    nodeCode: Int32Array.from(code),
    nodeDepth: Int32Array.from(depthOf),
    childStart: Int32Array.from(start),
    childCount: Int32Array.from(count),
    nodeItems: Int32Array.from(itemsBelow),
    leafItem: Int32Array.from(leaf),
  };
}

/** Queries on a SID table's trie (a thin view; the data stays plain). */
export class PrefixTrie {
  constructor(readonly t: TrieData, readonly widths: number[]) {}

  static of(table: SidTableData): PrefixTrie {
    return new PrefixTrie(table.trie, table.widths);
  }

  get levels(): number {
    return this.widths.length;
  }

  /** Child of `node` with `code`, or -1 (binary search over the sorted children). */
  child(node: number, code: number): number {
    let lo = this.t.childStart[node];
    let hi = lo + this.t.childCount[node] - 1;
    const nc = this.t.nodeCode;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = nc[mid];
      if (v === code) return mid;
      if (v < code) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Node reached by `prefix` (root for an empty prefix), or -1 when no item has it. */
  node(prefix: ArrayLike<number>): number {
    let v = 0;
    for (let i = 0; i < prefix.length && v >= 0; i++) v = this.child(v, prefix[i]);
    return v;
  }

  /** Codes that can follow `prefix` (sorted ascending; empty when the prefix is invalid or complete). */
  validNext(prefix: ArrayLike<number>): Int32Array {
    const v = this.node(prefix);
    if (v < 0) return new Int32Array(0);
    const s = this.t.childStart[v];
    return this.t.nodeCode.slice(s, s + this.t.childCount[v]);
  }

  /** Items below a prefix (0 when invalid). */
  count(prefix: ArrayLike<number>): number {
    const v = this.node(prefix);
    return v < 0 ? 0 : this.t.nodeItems[v];
  }

  /** Item row for a complete SID (length = levels), or -1. */
  item(sid: ArrayLike<number>): number {
    if (sid.length !== this.levels) return -1;
    const v = this.node(sid);
    return v < 0 ? -1 : this.t.leafItem[v];
  }

  /**
   * Validity mask for constrained decoding: `prefixes` is (B, d) row-major (d = codes decoded so far, 0 ≤ d < levels);
   * returns (B, width of level d+1) with 1 where the code extends the row's prefix to an existing item, 0 elsewhere.
   * Rows whose prefix is invalid get an all-zero row. Float32 so it can be uploaded as an additive/multiplicative mask.
   */
  mask(prefixes: Int32Array, B: number, d: number): Float32Array {
    if (d < 0 || d >= this.levels) throw new Error(`mask: prefix length ${d} outside [0, ${this.levels - 1}]`);
    if (prefixes.length !== B * d) throw new Error(`mask: prefixes has ${prefixes.length} entries, expected ${B}×${d}`);
    const K = this.widths[d];
    const out = new Float32Array(B * K);
    for (let b = 0; b < B; b++) {
      let v = 0;
      for (let i = 0; i < d && v >= 0; i++) v = this.child(v, prefixes[b * d + i]);
      if (v < 0) continue;
      const s = this.t.childStart[v];
      const e = s + this.t.childCount[v];
      for (let c = s; c < e; c++) out[b * K + this.t.nodeCode[c]] = 1;
    }
    return out;
  }

  /** Children of a node as {code, node, items} (UI: sunburst, explorer). */
  children(node: number): { code: number; node: number; items: number }[] {
    const s = this.t.childStart[node];
    const out = [];
    for (let c = s; c < s + this.t.childCount[node]; c++) out.push({ code: this.t.nodeCode[c], node: c, items: this.t.nodeItems[c] });
    return out;
  }

  /** Item rows below a node (depth-first, in SID order). */
  itemsUnder(node: number, limit = Infinity): number[] {
    const out: number[] = [];
    const stack = [node];
    while (stack.length && out.length < limit) {
      const v = stack.pop()!;
      if (this.t.leafItem[v] >= 0) {
        out.push(this.t.leafItem[v]);
        continue;
      }
      const s = this.t.childStart[v];
      for (let c = s + this.t.childCount[v] - 1; c >= s; c--) stack.push(c);
    }
    return out;
  }
}
