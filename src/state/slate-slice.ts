// Slate model (stage 4) and decoding (stage 5) state: settings, live training progress, the trained model's summary
// (curves, parameter count, decodable users) and the decoding stepper's view. The model itself stays in the pipeline
// worker (src/worker/slate-api.ts); this slice only holds plain summaries.
import * as Comlink from 'comlink';
import type { StateCreator } from 'zustand';
import type { DecodeView, SlateTrainProgress, SlateTrainRequest, SlateTrainSummary } from '../worker/slate-api';
import type { Store } from './store';

export interface SlateSettings {
  source: 'kuairec' | 'planted';
  backend: 'webgpu' | 'cpu';
  dim: number;
  slateLayers: number;
  itemLayers: number;
  epochs: number;
  stepsPerEpoch: number;
  batchSize: number;
  lr: number;
  beam: number;
}

export const SLATE_DEFAULTS: SlateSettings = { source: 'kuairec', backend: 'webgpu', dim: 64, slateLayers: 2, itemLayers: 1, epochs: 3, stepsPerEpoch: 100, batchSize: 32, lr: 3e-3, beam: 5 };

export interface SlateState {
  settings: SlateSettings;
  status: 'idle' | 'training' | 'done' | 'error';
  progress: SlateTrainProgress | null;
  losses: { step: number; loss: number }[];
  summary: SlateTrainSummary | null;
  error: string | null;
  decode: { status: 'idle' | 'running' | 'done' | 'error'; view: DecodeView | null; position: number; error: string | null };
}

export interface SlateSlice {
  slate: SlateState;
  setSlateSettings(p: Partial<SlateSettings>): void;
  trainSlate(): Promise<void>;
  decodeSlateUser(index: number): Promise<void>;
  stepSlate(delta: number): void;
}

/** What the slice needs from the worker (an interface so unit tests can inject a fake). */
export interface SlateBackend {
  train(req: SlateTrainRequest, onProgress: (p: SlateTrainProgress) => void): Promise<SlateTrainSummary>;
  decode(index: number, beam: number): Promise<DecodeView>;
}

let backend: SlateBackend | null = null;
async function workerBackend(): Promise<SlateBackend> {
  if (backend) return backend;
  const { call, pipeline } = await import('../worker/client');
  const hour = 3600_000;
  backend = {
    train: (req, onProgress) => call(pipeline().trainSlateModel(req, Comlink.proxy(onProgress)) as Promise<SlateTrainSummary>, 'slate model training', 6 * hour),
    decode: (index, beam) => call(pipeline().decodeSlateUser(index, beam) as Promise<DecodeView>, 'slate decoding', 10 * 60_000),
  };
  return backend;
}
export function setSlateBackend(b: SlateBackend | null): void {
  backend = b;
}

export function slateRequest(s: SlateSettings, seed: number): SlateTrainRequest {
  const tiny = s.source === 'planted';
  return {
    source: s.source,
    dataBase: './data/',
    backend: s.backend,
    model: { dim: s.dim, heads: s.dim % 4 === 0 ? 4 : 2, ffn: 2 * s.dim, encoderLayers: 1, slateLayers: s.slateLayers, itemLayers: s.itemLayers, maxHistory: tiny ? 12 : 20 },
    train: { seed, epochs: s.epochs, stepsPerEpoch: s.stepsPerEpoch, batchSize: s.batchSize, lr: s.lr, warmup: Math.min(20, s.stepsPerEpoch), beam: s.beam, validUsers: tiny ? 12 : 150, patience: 0, logEvery: 5 },
  };
}

export const createSlateSlice: StateCreator<Store, [], [], SlateSlice> = (set, get) => {
  const patch = (p: Partial<SlateState>) => set({ slate: { ...get().slate, ...p } });
  return {
    slate: { settings: { ...SLATE_DEFAULTS }, status: 'idle', progress: null, losses: [], summary: null, error: null, decode: { status: 'idle', view: null, position: 0, error: null } },
    setSlateSettings(p) {
      patch({ settings: { ...get().slate.settings, ...p } });
    },
    async trainSlate() {
      if (get().slate.status === 'training') return;
      patch({ status: 'training', progress: null, losses: [], summary: null, error: null, decode: { status: 'idle', view: null, position: 0, error: null } });
      try {
        const be = await workerBackend();
        const summary = await be.train(slateRequest(get().slate.settings, get().url.seed), (p) => {
          const losses = p.loss !== undefined ? [...get().slate.losses, { step: p.step, loss: p.loss }] : get().slate.losses;
          patch({ progress: p, losses });
        });
        patch({ status: 'done', summary });
      } catch (e) {
        patch({ status: 'error', error: (e as Error).message });
      }
    },
    async decodeSlateUser(index) {
      const s = get().slate;
      patch({ decode: { ...s.decode, status: 'running', error: null } });
      try {
        const view = await (await workerBackend()).decode(index, s.settings.beam);
        patch({ decode: { status: 'done', view, position: 0, error: null } });
      } catch (e) {
        patch({ decode: { ...get().slate.decode, status: 'error', error: (e as Error).message } });
      }
    },
    stepSlate(delta) {
      const d = get().slate.decode;
      if (!d.view) return;
      patch({ decode: { ...d, position: Math.max(0, Math.min(d.view.steps.length, d.position + delta)) } });
    },
  };
};
