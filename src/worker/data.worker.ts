// The data Web Worker: file parsing, dataset building and item features run here so the page stays responsive.
// Only plain data crosses the boundary (snapshots, reports); the dataset is sent on request (getDataset).
import * as Comlink from 'comlink';
import { browserFetchLike } from '../data/bundled';
import type { Dataset } from '../data/dataset';
import type { ItemFeatures, ItemFeatureSpec } from '../data/item-features';
import type { Protocol } from '../data/protocol';
import { DataSession, type DataSnapshot, type FileReport, type ProgressFn } from '../data/session';

const session = new DataSession();

const api = {
  /** `base` = URL of the bundled data folder (e.g. new URL('data/', document.baseURI).href). */
  async loadBundled(base: string, onProgress?: ProgressFn): Promise<DataSnapshot> {
    return session.loadBundled(browserFetchLike(base), onProgress);
  },
  async addFiles(files: File[], onProgress?: ProgressFn): Promise<{ reports: FileReport[]; snapshot: DataSnapshot }> {
    return session.addFiles(files, onProgress);
  },
  cancel(name?: string): void {
    session.cancel(name);
  },
  setProtocol(patch: Partial<Protocol>): DataSnapshot {
    return session.setProtocol(patch);
  },
  remove(id: string): DataSnapshot {
    return session.remove(id);
  },
  snapshot(): DataSnapshot {
    return session.snapshot();
  },
  getDataset(): Dataset | null {
    return session.dataset() ?? null;
  },
  itemFeatures(spec?: ItemFeatureSpec, opts?: { cooccurrenceSource?: string }): ItemFeatures {
    const f = session.itemFeatures(spec, opts);
    return Comlink.transfer(f, [f.data.buffer as ArrayBuffer]);
  },
};

export type DataWorkerApi = typeof api;

Comlink.expose(api);
