// Where runs live: records (metrics, curves, status) and checkpoints (weights + optimizer state + step), keyed by run id.
// Browser: IndexedDB (idb-keyval; works in the page and in workers, so the pipeline worker writes checkpoints without
// sending weights through the page). Node (CLI, tests): in memory, or a directory of JSON files.
import { createStore, del, entries, get, set, type UseStore } from 'idb-keyval';
import type { RunRecord } from './types';

export interface RunStore {
  put(r: RunRecord): Promise<void>;
  get(id: string): Promise<RunRecord | undefined>;
  /** newest first */
  list(stage?: string): Promise<RunRecord[]>;
  /** removes the record and its checkpoint */
  remove(id: string): Promise<void>;
  putCheckpoint(id: string, c: unknown): Promise<void>;
  getCheckpoint<C>(id: string): Promise<C | undefined>;
  /** what a finished (or stopped) run keeps for later stages and views: a tokenizer's SID table, a slate model's weights */
  putResult(id: string, r: unknown): Promise<void>;
  getResult<R>(id: string): Promise<R | undefined>;
}

const newestFirst = (a: RunRecord, b: RunRecord) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1);

export function memoryRunStore(): RunStore {
  const runs = new Map<string, RunRecord>();
  const cks = new Map<string, unknown>();
  const results = new Map<string, unknown>();
  return {
    async put(r) {
      runs.set(r.id, structuredClone(r));
    },
    async get(id) {
      const r = runs.get(id);
      return r && structuredClone(r);
    },
    async list(stage) {
      return [...runs.values()].filter((r) => !stage || r.stage === stage).sort(newestFirst).map((r) => structuredClone(r));
    },
    async remove(id) {
      runs.delete(id);
      cks.delete(id);
      results.delete(id);
    },
    async putCheckpoint(id, c) {
      cks.set(id, structuredClone(c));
    },
    async getCheckpoint<C>(id: string) {
      return cks.has(id) ? (structuredClone(cks.get(id)) as C) : undefined;
    },
    async putResult(id, r) {
      results.set(id, structuredClone(r));
    },
    async getResult<R>(id: string) {
      return results.has(id) ? (structuredClone(results.get(id)) as R) : undefined;
    },
  };
}

let idb: { runs: UseStore; cks: UseStore; results: UseStore } | null = null;
function stores() {
  if (typeof indexedDB === 'undefined') return null;
  idb ??= { runs: createStore('higr-stage-runs', 'runs'), cks: createStore('higr-stage-checkpoints', 'checkpoints'), results: createStore('higr-stage-results', 'results') };
  return idb;
}

/** IndexedDB store (same database from the page and the workers). */
export function indexedDbRunStore(): RunStore {
  const s = () => {
    const x = stores();
    if (!x) throw new Error('browser storage (IndexedDB) is not available: runs cannot be kept');
    return x;
  };
  return {
    put: (r) => set(r.id, r, s().runs),
    get: (id) => get<RunRecord>(id, s().runs),
    async list(stage) {
      const all = (await entries<string, RunRecord>(s().runs)).map(([, v]) => v);
      return all.filter((r) => !stage || r.stage === stage).sort(newestFirst);
    },
    async remove(id) {
      await del(id, s().runs);
      await del(id, s().cks);
      await del(id, s().results);
    },
    putCheckpoint: (id, c) => set(id, c, s().cks),
    getCheckpoint: <C>(id: string) => get<C>(id, s().cks),
    putResult: (id, r) => set(id, r, s().results),
    getResult: <R>(id: string) => get<R>(id, s().results),
  };
}

/** Storage used by this origin and the quota the browser grants (bytes); null where the API is missing. */
export async function storageEstimate(): Promise<{ usage: number; quota: number } | null> {
  const nav = typeof navigator !== 'undefined' ? (navigator as Navigator & { storage?: StorageManager }) : undefined;
  if (!nav?.storage?.estimate) return null;
  const e = await nav.storage.estimate();
  return { usage: e.usage ?? 0, quota: e.quota ?? 0 };
}
