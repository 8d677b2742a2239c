// The data Web Worker: file parsing, dataset building and item features run here so the page stays responsive.
// Only plain data crosses the boundary (snapshots, reports); the dataset is sent on request (getDataset).
import * as Comlink from 'comlink';
import { browserFetchLike } from '../data/bundled';
import type { Dataset } from '../data/dataset';
import type { ItemFeatures, ItemFeatureSpec } from '../data/item-features';
import type { Protocol } from '../data/protocol';
import { DataSession, type DataSnapshot, type FileReport, type ProgressFn } from '../data/session';
import { stageEntry } from '../stages';
import { indexedDbRunStore } from '../stages/run-store';

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
  /** A stage's inputs assembled from the current dataset (the buffers are transferred, not copied). */
  async assembleStage(stage: string, cfg: Record<string, unknown>, extras?: unknown): Promise<{ inputs: unknown; fingerprint: string }> {
    const entry = stageEntry(stage);
    // the run store too: a stage may build on an earlier run's kept result (the slate decoder on a tokenizer run's SIDs)
    const data = { ...session.stageData(), store: typeof indexedDB !== 'undefined' ? indexedDbRunStore() : undefined };
    const inputs = await entry.assemble(data, cfg, extras);
    return Comlink.transfer({ inputs, fingerprint: data.fingerprint }, entry.transferables?.(inputs) ?? []);
  },
  itemFeatures(spec?: ItemFeatureSpec, opts?: { cooccurrenceSource?: string }): ItemFeatures {
    const f = session.itemFeatures(spec, opts);
    return Comlink.transfer(f, [f.data.buffer as ArrayBuffer]);
  },
};

export type DataWorkerApi = typeof api;

Comlink.expose(api);
