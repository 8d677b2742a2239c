// The Decoding stepper's OneRec-style side: train the flat decoder matched to a slate run of this session, then decode
// the user the stepper shows with it. The model stays in the pipeline worker (src/worker/flat-decode-api.ts); this
// slice holds its plain summary and the decode view, tied to the slate run it was trained for.
import * as Comlink from 'comlink';
import type { StateCreator } from 'zustand';
import type { FlatDecodeView, FlatTrainProgress, FlatTrainSummary } from '../worker/flat-decode-api';
import type { Store } from './store';

export interface FlatState {
  /** the slate run it is trained for (or training for) */
  runId: string | null;
  status: 'idle' | 'training' | 'done' | 'error';
  progress: FlatTrainProgress | null;
  summary: FlatTrainSummary | null;
  error: string | null;
  decode: { status: 'idle' | 'running' | 'done' | 'error'; view: FlatDecodeView | null; error: string | null };
}

export interface FlatSlice {
  flat: FlatState;
  trainFlat(runId: string): Promise<void>;
  decodeFlatUser(runId: string, index: number, beam: number): Promise<void>;
}

/** What the slice needs from the worker (an interface so unit tests can inject a fake). */
export interface FlatBackend {
  train(runId: string, onProgress: (p: FlatTrainProgress) => void): Promise<FlatTrainSummary>;
  decode(runId: string, index: number, beam: number): Promise<FlatDecodeView>;
}

let backend: FlatBackend | null = null;
async function workerBackend(): Promise<FlatBackend> {
  if (backend) return backend;
  const { call, pipeline } = await import('../worker/client');
  backend = {
    train: (runId, onProgress) => call(pipeline().trainFlatModel(runId, Comlink.proxy(onProgress)) as Promise<FlatTrainSummary>, 'OneRec-style training', 6 * 3600_000),
    decode: (runId, index, beam) => call(pipeline().decodeFlatUser(runId, index, beam) as Promise<FlatDecodeView>, 'OneRec-style decoding', 10 * 60_000),
  };
  return backend;
}
export function setFlatBackend(b: FlatBackend | null): void {
  backend = b;
}

const IDLE: FlatState = { runId: null, status: 'idle', progress: null, summary: null, error: null, decode: { status: 'idle', view: null, error: null } };

/** The flat state as it applies to slate run `runId` (idle when it belongs to another run). */
export function flatFor(f: FlatState, runId: string | null): FlatState {
  return runId !== null && f.runId === runId ? f : IDLE;
}

export const createFlatSlice: StateCreator<Store, [], [], FlatSlice> = (set, get) => {
  const patch = (p: Partial<FlatState>) => set({ flat: { ...get().flat, ...p } });
  return {
    flat: IDLE,
    async trainFlat(runId) {
      if (get().flat.status === 'training') return;
      patch({ ...IDLE, runId, status: 'training' });
      try {
        const summary = await (await workerBackend()).train(runId, (progress) => patch({ progress }));
        patch({ status: 'done', summary });
      } catch (e) {
        patch({ status: 'error', error: (e as Error).message });
      }
    },
    async decodeFlatUser(runId, index, beam) {
      const f = get().flat;
      patch({ decode: { ...f.decode, status: 'running', error: null } });
      try {
        const view = await (await workerBackend()).decode(runId, index, beam);
        patch({ decode: { status: 'done', view, error: null } });
      } catch (e) {
        patch({ decode: { ...get().flat.decode, status: 'error', error: (e as Error).message } });
      }
    },
  };
};
