// Columnar dataset: per-user ordered effective-view sequences (+ impressions when the source has them), dense item and
// user ids with maps back to the original KuaiRec ids, filters. Plain data (typed arrays), structured-clone friendly.

import { CHRONOLOGICAL_NOTE, FILE_ORDER_NOTE, minSequenceLength, validateProtocol, type Protocol } from './protocol';
import type { InteractionTable, SequenceTable } from './tables';

export interface Impressions {
  /** CSR over dense users: impressions of user u are [offsets[u], offsets[u+1]). Same order as the sequences. */
  offsets: Int32Array;
  items: Int32Array; // dense item ids
  watchRatio: Float32Array;
  /** Number of effective views of the user strictly before this impression (index into the user's sequence). */
  seqPos: Int32Array;
}

export interface Dataset {
  protocol: Protocol;
  /** dense user -> original user_id */
  userIds: Int32Array;
  /** dense item -> original video_id */
  itemIds: Int32Array;
  /** CSR over dense users: effective views (dense item ids), oldest first (or file order). */
  seqOffsets: Int32Array;
  seqItems: Int32Array;
  /** Timestamps of the sequence entries (order 'timestamp' only). */
  seqTimestamps?: Float64Array;
  /** All interactions (impressions); absent when the source has positives only. */
  impressions?: Impressions;
  /** What the filters removed, for the statistics and the report. */
  dropped: { users: number; items: number; rowsWithoutTimestamp: number; interactions: number };
}

export type DatasetSource = { name: string; table: InteractionTable | SequenceTable };

/** Builds the dataset for one source under a protocol. `order`, `holdoutNote`, `impressionsAvailable` are derived. */
export function buildDataset(src: DatasetSource, protocolIn: Protocol): Dataset {
  const bad = validateProtocol(protocolIn);
  if (bad.length) throw new Error(`invalid protocol: ${bad.join('; ')}`);
  return src.table.kind === 'sequences' ? fromSequences(src.name, src.table, protocolIn) : fromInteractions(src.name, src.table, protocolIn);
}

// ---------------------------------------------------------------------------------------------------------------

interface Ordered {
  /** per original-row-order user groups: users (original ids, ascending) and CSR into `rows` */
  users: Int32Array;
  offsets: Int32Array;
  rows: Int32Array; // row indices, ordered within each user
}

/** Groups rows by user (ascending user id) with a counting sort, then orders each user's rows by key (stable). */
function groupByUser(user: Int32Array, keep: Uint8Array, key?: Float64Array): Ordered {
  let maxU = -1;
  for (let i = 0; i < user.length; i++) if (keep[i] && user[i] > maxU) maxU = user[i];
  const count = new Int32Array(maxU + 2);
  for (let i = 0; i < user.length; i++) if (keep[i]) count[user[i] + 1]++;
  let nUsers = 0;
  for (let u = 0; u <= maxU; u++) if (count[u + 1] > 0) nUsers++;
  for (let u = 0; u <= maxU; u++) count[u + 1] += count[u];
  const start = count.slice();
  const rows = new Int32Array(count[maxU + 1]);
  for (let i = 0; i < user.length; i++) if (keep[i]) rows[start[user[i]]++] = i;
  const users = new Int32Array(nUsers);
  const offsets = new Int32Array(nUsers + 1);
  let k = 0;
  for (let u = 0; u <= maxU; u++) {
    if (count[u + 1] === count[u]) continue;
    users[k] = u;
    offsets[k + 1] = count[u + 1];
    k++;
  }
  if (key) {
    for (let g = 0; g < nUsers; g++) {
      const seg = rows.subarray(offsets[g], offsets[g + 1]);
      seg.sort((a, b) => key[a] - key[b] || a - b);
    }
  }
  return { users, offsets, rows };
}

function fromInteractions(name: string, t: InteractionTable, p0: Protocol): Dataset {
  const n = t.user.length;
  const hasTs = !!t.timestamp;
  const order = p0.order === 'timestamp' && hasTs ? 'timestamp' : 'file';
  const hasImpressions = !!t.watchRatio;
  const thr = p0.effectiveViewThreshold;
  const isPos = (i: number) => (t.watchRatio ? t.watchRatio[i] >= thr : true);

  const keep = new Uint8Array(n).fill(1);
  let rowsWithoutTimestamp = 0;
  if (order === 'timestamp') {
    for (let i = 0; i < n; i++) if (Number.isNaN(t.timestamp![i])) { keep[i] = 0; rowsWithoutTimestamp++; }
  }
  // item frequency filter (effective views over the source)
  const freq = countItems(t.item, (i) => keep[i] === 1 && isPos(i));
  let droppedItems = 0;
  if (p0.minItemFreq > 1) {
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      if (!keep[i]) continue;
      if ((freq.get(t.item[i]) ?? 0) < p0.minItemFreq) { keep[i] = 0; seen.add(t.item[i]); }
    }
    droppedItems = seen.size;
  }
  const g = groupByUser(t.user, keep, order === 'timestamp' ? t.timestamp : undefined);
  // user filter on effective-view count
  const need = minSequenceLength(p0);
  const keptGroups: number[] = [];
  for (let k = 0; k < g.users.length; k++) {
    let c = 0;
    for (let j = g.offsets[k]; j < g.offsets[k + 1]; j++) if (isPos(g.rows[j])) c++;
    if (c >= need) keptGroups.push(k);
  }
  // dense items over kept users' rows
  const itemSet = new Set<number>();
  for (const k of keptGroups) for (let j = g.offsets[k]; j < g.offsets[k + 1]; j++) itemSet.add(t.item[g.rows[j]]);
  const itemIds = Int32Array.from([...itemSet].sort((a, b) => a - b));
  const dense = idIndex(itemIds);

  const nU = keptGroups.length;
  const userIds = new Int32Array(nU);
  const seqOffsets = new Int32Array(nU + 1);
  const impOffsets = new Int32Array(nU + 1);
  let nPos = 0;
  let nImp = 0;
  keptGroups.forEach((k, u) => {
    userIds[u] = g.users[k];
    for (let j = g.offsets[k]; j < g.offsets[k + 1]; j++) { nImp++; if (isPos(g.rows[j])) nPos++; }
    seqOffsets[u + 1] = nPos;
    impOffsets[u + 1] = nImp;
  });
  const seqItems = new Int32Array(nPos);
  const seqTimestamps = order === 'timestamp' ? new Float64Array(nPos) : undefined;
  const impItems = new Int32Array(hasImpressions ? nImp : 0);
  const impWr = new Float32Array(hasImpressions ? nImp : 0);
  const seqPos = new Int32Array(hasImpressions ? nImp : 0);
  let a = 0;
  let b = 0;
  keptGroups.forEach((k, u) => {
    let before = 0;
    for (let j = g.offsets[k]; j < g.offsets[k + 1]; j++) {
      const r = g.rows[j];
      const d = dense(t.item[r]);
      if (hasImpressions) { impItems[b] = d; impWr[b] = t.watchRatio![r]; seqPos[b] = before; b++; }
      if (isPos(r)) {
        seqItems[a] = d;
        if (seqTimestamps) seqTimestamps[a] = t.timestamp![r];
        a++; before++;
      }
    }
    void u;
  });
  const protocol: Protocol = {
    ...p0,
    source: name,
    order,
    impressionsAvailable: hasImpressions,
    holdoutNote: order === 'timestamp' ? CHRONOLOGICAL_NOTE(p0.slateSize) : FILE_ORDER_NOTE(p0.slateSize),
  };
  let droppedInteractions = 0;
  for (let i = 0; i < n; i++) if (!keep[i]) droppedInteractions++;
  droppedInteractions += (g.rows.length - nImp);
  return {
    protocol,
    userIds,
    itemIds,
    seqOffsets,
    seqItems,
    seqTimestamps,
    impressions: hasImpressions ? { offsets: impOffsets, items: impItems, watchRatio: impWr, seqPos } : undefined,
    dropped: { users: g.users.length - nU, items: droppedItems, rowsWithoutTimestamp, interactions: droppedInteractions },
  };
}

function fromSequences(name: string, t: SequenceTable, p0: Protocol): Dataset {
  const nRows = t.users.length;
  const freq = countItems(t.items, () => true);
  const keepItem = (v: number) => (freq.get(v) ?? 0) >= p0.minItemFreq;
  const droppedItems = p0.minItemFreq > 1 ? [...freq.values()].filter((c) => c < p0.minItemFreq).length : 0;
  // a user listed on several lines: concatenate in file order
  const byUser = new Map<number, number[]>();
  for (let r = 0; r < nRows; r++) {
    const u = t.users[r];
    let arr = byUser.get(u);
    if (!arr) byUser.set(u, (arr = []));
    for (let j = t.offsets[r]; j < t.offsets[r + 1]; j++) if (keepItem(t.items[j])) arr.push(t.items[j]);
  }
  const need = minSequenceLength(p0);
  const users = [...byUser.keys()].sort((a, b) => a - b).filter((u) => byUser.get(u)!.length >= need);
  const itemSet = new Set<number>();
  for (const u of users) for (const v of byUser.get(u)!) itemSet.add(v);
  const itemIds = Int32Array.from([...itemSet].sort((a, b) => a - b));
  const dense = idIndex(itemIds);
  const seqOffsets = new Int32Array(users.length + 1);
  users.forEach((u, k) => { seqOffsets[k + 1] = seqOffsets[k] + byUser.get(u)!.length; });
  const seqItems = new Int32Array(seqOffsets[users.length]);
  users.forEach((u, k) => byUser.get(u)!.forEach((v, j) => { seqItems[seqOffsets[k] + j] = dense(v); }));
  const order = p0.order; // the caller states whether the file is time-ordered (bundled small-matrix file: yes)
  return {
    protocol: {
      ...p0,
      source: name,
      impressionsAvailable: false,
      holdoutNote: order === 'timestamp' ? CHRONOLOGICAL_NOTE(p0.slateSize) : FILE_ORDER_NOTE(p0.slateSize),
    },
    userIds: Int32Array.from(users),
    itemIds,
    seqOffsets,
    seqItems,
    dropped: { users: byUser.size - users.length, items: droppedItems, rowsWithoutTimestamp: 0, interactions: t.items.length - seqItems.length },
  };
}

function countItems(items: Int32Array, pred: (i: number) => boolean): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < items.length; i++) if (pred(i)) m.set(items[i], (m.get(items[i]) ?? 0) + 1);
  return m;
}

/** orig id -> dense index (or -1) for a sorted id list; array lookup when ids are small, Map otherwise. */
export function idIndex(sortedIds: Int32Array): (orig: number) => number {
  const max = sortedIds.length ? sortedIds[sortedIds.length - 1] : -1;
  if (max < 1 << 24 && (sortedIds.length === 0 || sortedIds[0] >= 0)) {
    const lut = new Int32Array(max + 1).fill(-1);
    sortedIds.forEach((id, i) => { lut[id] = i; });
    return (o) => (o >= 0 && o <= max ? lut[o] : -1);
  }
  const m = new Map<number, number>();
  sortedIds.forEach((id, i) => m.set(id, i));
  return (o) => m.get(o) ?? -1;
}

/** The effective-view sequence of dense user u (a view, no copy). */
export function userSequence(ds: Dataset, u: number): Int32Array {
  return ds.seqItems.subarray(ds.seqOffsets[u], ds.seqOffsets[u + 1]);
}
