// The Decoding stepper's OneRec-style side: train the flat decoder matched to the worker's HSD, then decode the user
// the stepper shows with it. The model stays in the pipeline worker (src/worker/flat-decode-api.ts); this slice holds
// its plain summary and the decode view. Cleared whenever a new slate model is trained (it is matched to that one).
import * as Comlink from 'comlink';
import type { StateCreator } from 'zustand';
import type { FlatDecodeView, FlatTrainProgress, FlatTrainSummary } from '../worker/flat-decode-api';
import type { Store } from './store';

export interface FlatState {
  status: 'idle' | 'training' | 'done' | 'error';
  progress: FlatTrainProgress | null;
  summary: FlatTrainSummary | null;
  /** the slate summary it was trained against (a new slate model makes it stale) */
  of: unknown;
  error: string | null;
  decode: { status: 'idle' | 'running' | 'done' | 'error'; view: FlatDecodeView | null; error: string | null };
}

export interface FlatSlice {
  flat: FlatState;
  trainFlat(): Promise<void>;
  decodeFlatUser(index: number): Promise<void>;
}

/** What the slice needs from the worker (an interface so unit tests can inject a fake). */
export interface FlatBackend {
  train(onProgress: (p: FlatTrainProgress) => void): Promise<FlatTrainSummary>;
  decode(index: number, beam: number): Promise<FlatDecodeView>;
}

let backend: FlatBackend | null = null;
async function workerBackend(): Promise<FlatBackend> {
  if (backend) return backend;
  const { call, pipeline } = await import('../worker/client');
  backend = {
    train: (onProgress) => call(pipeline().trainFlatModel(Comlink.proxy(onProgress)) as Promise<FlatTrainSummary>, 'OneRec-style training', 6 * 3600_000),
    decode: (index, beam) => call(pipeline().decodeFlatUser(index, beam) as Promise<FlatDecodeView>, 'OneRec-style decoding', 10 * 60_000),
  };
  return backend;
}
export function setFlatBackend(b: FlatBackend | null): void {
  backend = b;
}

const IDLE: FlatState = { status: 'idle', progress: null, summary: null, of: null, error: null, decode: { status: 'idle', view: null, error: null } };

/** The flat state as it applies to the current slate model (idle when it was trained for another one). */
export function flatFor(f: FlatState, slateSummary: unknown): FlatState {
  return f.of === slateSummary ? f : IDLE;
}

export const createFlatSlice: StateCreator<Store, [], [], FlatSlice> = (set, get) => {
  const patch = (p: Partial<FlatState>) => set({ flat: { ...get().flat, ...p } });
  return {
    flat: IDLE,
    async trainFlat() {
      const of = get().slate.summary;
      if (!of) return patch({ ...IDLE, status: 'error', error: 'train a slate model first' });
      if (get().flat.status === 'training') return;
      patch({ ...IDLE, status: 'training', of });
      try {
        const summary = await (await workerBackend()).train((progress) => patch({ progress }));
        patch({ status: 'done', summary });
      } catch (e) {
        patch({ status: 'error', error: (e as Error).message });
      }
    },
    async decodeFlatUser(index) {
      const f = get().flat;
      patch({ decode: { ...f.decode, status: 'running', error: null } });
      try {
        const view = await (await workerBackend()).decode(index, get().slate.settings.beam);
        patch({ decode: { status: 'done', view, error: null } });
      } catch (e) {
        patch({ decode: { ...get().flat.decode, status: 'error', error: (e as Error).message } });
      }
    },
  };
};
