// Data slice: what the UI knows about the loaded KuaiRec data. Plain data only (file rows, snapshot with summary stats
// and small histogram arrays, protocol); the dataset's typed arrays live in the data worker and, on request, in the
// module-level registry (src/data/registry.ts) under the handle `data.datasetId`.
import { persistedFiles } from './persist';
import type { StateCreator } from 'zustand';
import type { Dataset } from '../data/dataset';
import type { ItemFeatures, ItemFeatureSpec } from '../data/item-features';
import type { Protocol } from '../data/protocol';
import { getDataset, registerDataset } from '../data/registry';
import type { DataSnapshot, FileReport, ProgressFn } from '../data/session';
import type { DataIssue, FileKind, Progress } from '../data/types';

export type FileStatus = 'loading' | 'loaded' | 'error' | 'duplicate' | 'cancelled';

export interface FileRow {
  name: string;
  size: number;
  status: FileStatus;
  kind?: FileKind;
  rows?: number;
  progress?: Progress;
  issues: DataIssue[];
  bundled?: boolean;
}

export interface DataState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  /** A failure of the data worker itself (not of a file: file problems are in rows[].issues). */
  error: string | null;
  rows: FileRow[];
  snapshot: DataSnapshot | null;
  /** Handle of the current dataset (registry key); null before the first build. */
  datasetId: string | null;
}

/** What the slice needs from the data worker (an interface so tests can run a DataSession in Node). */
export interface DataBackend {
  loadBundled(onProgress: ProgressFn): Promise<DataSnapshot>;
  addFiles(files: File[], onProgress: ProgressFn): Promise<{ reports: FileReport[]; snapshot: DataSnapshot }>;
  cancel(name?: string): Promise<void>;
  setProtocol(patch: Partial<Protocol>): Promise<DataSnapshot>;
  remove(id: string): Promise<DataSnapshot>;
  getDataset(): Promise<Dataset | null>;
  itemFeatures(spec?: ItemFeatureSpec, opts?: { cooccurrenceSource?: string }): Promise<ItemFeatures>;
  /** a stage's inputs from the current dataset (src/stages), assembled where the data lives */
  assembleStage(stage: string, cfg: Record<string, unknown>, extras?: unknown): Promise<{ inputs: unknown; fingerprint: string }>;
}

export interface DataSlice {
  data: DataState;
  /** Loads the bundled KuaiRec subset (called once at startup by the shell). */
  loadBundled(): Promise<void>;
  /** Parses dropped/picked files in the worker; a bad file never removes what is loaded. */
  addFiles(files: File[]): Promise<void>;
  cancelFile(name: string): void;
  setProtocol(patch: Partial<Protocol> & { source?: string }): Promise<void>;
  removeFile(id: string): Promise<void>;
  /** Remove a loaded (dropped) file by name. */
  removeFileNamed(name: string): Promise<void>;
  /** Drop a row that is only a report (error, cancelled, duplicate) from the file table. */
  dismissFileRow(name: string, status: FileStatus): void;
  /** Copies the current dataset from the worker into the registry; returns its handle (or null). */
  fetchDataset(): Promise<string | null>;
  /** Item features of the current dataset, computed in the worker. */
  itemFeatures(spec?: ItemFeatureSpec, opts?: { cooccurrenceSource?: string }): Promise<ItemFeatures>;
  /** A stage's inputs assembled from the current dataset in the data worker (after the bundled data has loaded). */
  assembleStage(stage: string, cfg: Record<string, unknown>, extras?: unknown): Promise<{ inputs: unknown; fingerprint: string }>;
}

let backend: DataBackend | null = null;

/** Tests (and other hosts) can swap the worker for another backend. */
export function setDataBackend(b: DataBackend | null): void {
  backend = b;
}

async function getBackend(): Promise<DataBackend> {
  if (!backend) backend = await workerBackend();
  return backend;
}

async function workerBackend(): Promise<DataBackend> {
  const Comlink = await import('comlink');
  const worker = new Worker(new URL('../worker/data.worker.ts', import.meta.url), { type: 'module', name: 'higr-data' });
  const failed = new Promise<never>((_, reject) =>
    worker.addEventListener('error', (ev) => reject(new Error(`the data worker failed: ${(ev as ErrorEvent).message || 'script failed to load'}`))),
  );
  failed.catch(() => {});
  const remote = Comlink.wrap<import('../worker/data.worker').DataWorkerApi>(worker);
  const race = <T>(p: Promise<T>) => Promise.race([p, failed]);
  return {
    loadBundled: (cb) => race(remote.loadBundled(new URL('data/', document.baseURI).href, Comlink.proxy(cb))),
    addFiles: (files, cb) => race(remote.addFiles(files, Comlink.proxy(cb))),
    cancel: (name) => race(remote.cancel(name)),
    setProtocol: (p) => race(remote.setProtocol(p)),
    remove: (id) => race(remote.remove(id)),
    getDataset: () => race(remote.getDataset()),
    itemFeatures: (spec, opts) => race(remote.itemFeatures(spec, opts)),
    assembleStage: (stage, cfg, extras) => race(remote.assembleStage(stage, cfg, extras)),
  };
}

export const initialDataState: DataState = { status: 'idle', error: null, rows: [], snapshot: null, datasetId: null };

type Get = () => DataSlice;
type Set = (fn: (s: DataSlice) => Partial<DataSlice>) => void;

export const createDataSlice: StateCreator<DataSlice, [], [], DataSlice> = (set: Set, get: Get) => {
  const patch = (p: Partial<DataState>) => set((s) => ({ data: { ...s.data, ...p } }));
  const updateRow = (name: string, p: Partial<FileRow>) =>
    set((s) => ({ data: { ...s.data, rows: s.data.rows.map((r) => (r.name === name && r.status === 'loading' ? { ...r, ...p } : r)) } }));
  const applySnapshot = (snap: DataSnapshot) =>
    patch({ snapshot: snap, datasetId: snap.stats ? `dataset-${snap.version}` : null, status: 'ready', error: null });
  const fail = (e: unknown) => patch({ status: 'error', error: e instanceof Error ? e.message : String(e) });
  let bundledOnce: Promise<void> | null = null;

  async function loadBundledNow(): Promise<void> {
    patch({ status: 'loading', error: null });
    try {
      const b = await getBackend();
      const snap = await b.loadBundled((name, progress) => {
        if (!get().data.rows.some((r) => r.name === name))
          set((s) => ({ data: { ...s.data, rows: [...s.data.rows, { name, size: progress.totalBytes ?? 0, status: 'loading', issues: [], bundled: true, progress }] } }));
        else updateRow(name, { progress });
      });
      const bundled = new Set(snap.bundledFiles);
      const rows = snap.files
        .filter((f) => bundled.has(f.name))
        .map((f): FileRow => ({ name: f.name, size: f.size, status: 'loaded', kind: f.kind, rows: f.rows, issues: f.issues, bundled: true }));
      set((s) => ({ data: { ...s.data, rows: [...rows, ...s.data.rows.filter((r) => !r.bundled)] } }));
      applySnapshot(snap);
      await restorePersisted();
    } catch (e) {
      bundledOnce = null; // allow a retry
      fail(e);
    }
  }

  /** Files dropped in an earlier session (IndexedDB) and the protocol settings come back after a reload. */
  async function restorePersisted(): Promise<void> {
    const saved = await persistedFiles.files().catch(() => [] as File[]);
    if (saved.length) await get().addFiles(saved);
    // the protocol and the chosen source live in the URL (src/state/bind-setup.ts), which survives the reload
  }

  // The app opens with the bundled dataset: in a browser, start loading it as soon as the store exists.
  if (typeof window !== 'undefined' && typeof Worker !== 'undefined') setTimeout(() => void get().loadBundled(), 0);

  return {
    data: initialDataState,

    loadBundled() {
      if (!bundledOnce) bundledOnce = loadBundledNow();
      return bundledOnce;
    },

    async addFiles(files) {
      if (!files.length) return;
      const names = new Set(files.map((f) => f.name));
      set((s) => ({
        data: {
          ...s.data,
          status: 'loading',
          rows: [...s.data.rows.filter((r) => !(names.has(r.name) && r.status !== 'loaded')), ...files.map((f): FileRow => ({ name: f.name, size: f.size, status: 'loading', issues: [] }))],
        },
      }));
      try {
        const b = await getBackend();
        const { reports, snapshot } = await b.addFiles(files, (name, progress) => updateRow(name, { progress }));
        for (const r of reports) updateRow(r.name, { status: r.status, kind: r.kind, rows: r.rows, issues: r.issues });
        applySnapshot(snapshot);
        const loaded = new Set(reports.filter((r) => r.status === 'loaded').map((r) => r.name));
        await Promise.all(files.filter((f) => loaded.has(f.name)).map((f) => persistedFiles.put(f).catch(() => undefined)));
      } catch (e) {
        for (const f of files) updateRow(f.name, { status: 'error', issues: [{ file: f.name, kind: 'io', severity: 'error', message: `${f.name}: ${(e as Error).message}` }] });
        fail(e);
      }
    },

    cancelFile(name) {
      void getBackend().then((b) => b.cancel(name));
    },

    async setProtocol(p) {
      try {
        applySnapshot(await (await getBackend()).setProtocol(p));
      } catch (e) {
        fail(e);
      }
    },

    async removeFile(id) {
      try {
        const name = get().data.snapshot?.files.find((f) => f.id === id)?.name;
        const snap = await (await getBackend()).remove(id);
        if (name) await persistedFiles.removeNamed(name).catch(() => undefined);
        set((s) => ({ data: { ...s.data, rows: s.data.rows.filter((r) => !(r.name === name && r.status === 'loaded')) } }));
        applySnapshot(snap);
      } catch (e) {
        fail(e);
      }
    },

    async removeFileNamed(name) {
      const id = get().data.snapshot?.files.find((f) => f.name === name)?.id;
      if (id) await get().removeFile(id);
    },

    dismissFileRow(name, status) {
      set((s) => ({ data: { ...s.data, rows: s.data.rows.filter((r) => !(r.name === name && r.status === status)) } }));
    },

    async fetchDataset() {
      const id = get().data.datasetId;
      if (!id) return null;
      if (getDataset(id)) return id;
      const ds = await (await getBackend()).getDataset();
      if (!ds) return null;
      registerDataset(id, ds);
      return id;
    },

    async itemFeatures(spec, opts) {
      return (await getBackend()).itemFeatures(spec, opts);
    },

    async assembleStage(stage, cfg, extras) {
      // the current dataset includes the bundled files and the ones dropped in an earlier session
      if (typeof window !== 'undefined') await get().loadBundled();
      return (await getBackend()).assembleStage(stage, cfg, extras);
    },
  };
};
