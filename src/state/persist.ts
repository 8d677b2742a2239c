// Durable browser storage (IndexedDB via idb-keyval): dropped files and training runs survive a reload or a
// lost GPU device. Structured clone keeps Blobs and ArrayBuffers as they are, so nothing is re-encoded.
// Works in the page and in workers; in Node (CLI, tests) pass a fake IndexedDB (fake-indexeddb) or skip it.
import { createStore, del, entries, get, set, type UseStore } from 'idb-keyval';

export interface PersistedFile {
  name: string;
  size: number;
  lastModified: number;
  addedAt: number;
  blob: Blob;
}

/** A checkpoint: config + named weights (Float32Array buffers), enough to resume or export a run. */
export interface RunRecord {
  id: string;
  kind: string;
  createdAt: number;
  updatedAt: number;
  status: 'running' | 'paused' | 'done' | 'failed';
  step: number;
  totalSteps: number;
  seed: number;
  config: unknown;
  weights?: Record<string, { shape: number[]; data: Float32Array }>;
  /** anything small the panel needs to redraw the run without retraining (metrics, curves, SIDs) */
  summary?: unknown;
  error?: string;
}

let stores: { files: UseStore; runs: UseStore } | null = null;
function db() {
  if (typeof indexedDB === 'undefined') return null;
  stores ??= { files: createStore('higr-files', 'files'), runs: createStore('higr-runs', 'runs') };
  return stores;
}

const fileKey = (f: { name: string; size: number; lastModified: number }) => `${f.name}|${f.size}|${f.lastModified}`;

export const persistedFiles = {
  available: () => db() !== null,
  async put(file: File): Promise<void> {
    const s = db();
    if (!s) return;
    const rec: PersistedFile = { name: file.name, size: file.size, lastModified: file.lastModified, addedAt: Date.now(), blob: file };
    await set(fileKey(rec), rec, s.files);
  },
  async list(): Promise<PersistedFile[]> {
    const s = db();
    if (!s) return [];
    const all = (await entries<string, PersistedFile>(s.files)).map(([, v]) => v);
    return all.sort((a, b) => a.addedAt - b.addedAt);
  },
  /** Files as File objects (same name and date) for the loaders. */
  async files(): Promise<File[]> {
    return (await this.list()).map((p) => new File([p.blob], p.name, { lastModified: p.lastModified }));
  },
  async remove(f: { name: string; size: number; lastModified: number }): Promise<void> {
    const s = db();
    if (s) await del(fileKey(f), s.files);
  },
  async removeNamed(name: string): Promise<void> {
    const s = db();
    if (!s) return;
    for (const [k, v] of await entries<string, PersistedFile>(s.files)) if (v.name === name) await del(k, s.files);
  },
  async clear(): Promise<void> {
    const s = db();
    if (!s) return;
    for (const [k] of await entries(s.files)) await del(k, s.files);
  },
};

/** Small settings (e.g. the protocol) in localStorage; ignored where it is unavailable. */
export const persistedSettings = {
  get<T>(key: string): T | null {
    try {
      const v = typeof localStorage !== 'undefined' ? localStorage.getItem(`higr.${key}`) : null;
      return v ? (JSON.parse(v) as T) : null;
    } catch {
      return null;
    }
  },
  set(key: string, value: unknown): void {
    try {
      if (typeof localStorage !== 'undefined') localStorage.setItem(`higr.${key}`, JSON.stringify(value));
    } catch {
      /* storage full or disabled: the setting just is not remembered */
    }
  },
};

export const persistedRuns = {
  available: () => db() !== null,
  async put(r: RunRecord): Promise<void> {
    const s = db();
    if (s) await set(r.id, { ...r, updatedAt: Date.now() }, s.runs);
  },
  async get(id: string): Promise<RunRecord | undefined> {
    const s = db();
    return s ? get<RunRecord>(id, s.runs) : undefined;
  },
  async list(kind?: string): Promise<RunRecord[]> {
    const s = db();
    if (!s) return [];
    const all = (await entries<string, RunRecord>(s.runs)).map(([, v]) => v);
    return all.filter((r) => !kind || r.kind === kind).sort((a, b) => b.updatedAt - a.updatedAt);
  },
  async remove(id: string): Promise<void> {
    const s = db();
    if (s) await del(id, s.runs);
  },
};
