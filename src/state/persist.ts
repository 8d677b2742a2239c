// Durable browser storage (IndexedDB via idb-keyval): dropped files survive a reload (training runs: the run store,
// src/stages/run-store.ts). Structured clone keeps Blobs and ArrayBuffers as they are, so nothing is re-encoded.
// Works in the page and in workers; in Node (CLI, tests) pass a fake IndexedDB (fake-indexeddb) or skip it.
import { createStore, del, entries, get, set, type UseStore } from 'idb-keyval';

export interface PersistedFile {
  name: string;
  size: number;
  lastModified: number;
  addedAt: number;
  blob: Blob;
}

let stores: { files: UseStore } | null = null;
function db() {
  if (typeof indexedDB === 'undefined') return null;
  stores ??= { files: createStore('higr-files', 'files') };
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
