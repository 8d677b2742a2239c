// GPU slice: what the UI knows about the WebGPU device living in the pipeline worker.
// Plain data only (GpuInfo is strings/numbers); the GPUDevice itself never leaves the worker.
import type { StateCreator } from 'zustand';
import type { GpuInfo } from '../engine/device';
import type { BackendStatus, DeviceLostEvent, GpuBackend, GpuErrorInfo } from '../worker/client';
import type { BackendChoice } from '../engine/select';
import type { Store } from './store';

export type GpuStatus = 'probing' | 'ready' | 'unavailable' | 'lost';

export interface GpuState {
  status: GpuStatus;
  info: GpuInfo | null;
  /** Set when status is 'unavailable' (message + hint are shown to the user as-is). */
  error: GpuErrorInfo | null;
  /** Set when status is 'lost'. */
  lost: DeviceLostEvent | null;
  /** Number of successful device acquisitions (1 after startup, +1 per reconnect). */
  acquisitions: number;
  /** The compute backend setting (kept in localStorage) and what the worker selected for it (kind, reason, fallbacks). */
  backendChoice: BackendChoice;
  /** wasm threads setting (kept in localStorage): 0 = auto (hardwareConcurrency, capped), else that count. */
  threadsChoice: number;
  backend: BackendStatus | null;
  backendError: string | null;
}

export interface GpuSlice {
  gpu: GpuState;
  /** Ask the worker for a device (startup, and "reconnect" after a loss). */
  probeGpu(): Promise<void>;
  /** Destroy the worker's device on purpose to exercise the device-lost path. */
  simulateDeviceLoss(): Promise<void>;
  /** Change the backend setting (auto | webgpu | wasm | cpu); the worker selects it and reports why. */
  setBackendChoice(choice: BackendChoice): Promise<void>;
  /** Change the wasm thread setting (0 = auto); the worker re-selects the backend. */
  setThreadsChoice(threads: number): Promise<void>;
  /** Re-read the selected backend (after a run: fallbacks). */
  refreshBackend(): Promise<void>;
}

const CHOICE_KEY = 'higr.backend';
function savedChoice(): BackendChoice {
  try {
    const v = globalThis.localStorage?.getItem(CHOICE_KEY);
    return v === 'webgpu' || v === 'wasm' || v === 'cpu' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

const THREADS_KEY = 'higr.threads';
function savedThreads(): number {
  try {
    const v = Number(globalThis.localStorage?.getItem(THREADS_KEY) ?? 0);
    return Number.isInteger(v) && v >= 0 && v <= 64 ? v : 0;
  } catch {
    return 0;
  }
}

let backend: GpuBackend | null = null;
let lostHooked: GpuBackend | null = null;

/** Tests (and future hosts) can swap the worker for another backend. */
export function setGpuBackend(b: GpuBackend | null): void {
  backend = b;
  lostHooked = null;
}

async function getBackend(): Promise<GpuBackend> {
  if (!backend) backend = (await import('../worker/client')).workerGpuBackend;
  return backend;
}

export const initialGpuState: GpuState = {
  status: 'probing',
  info: null,
  error: null,
  lost: null,
  acquisitions: 0,
  backendChoice: 'auto',
  threadsChoice: 0,
  backend: null,
  backendError: null,
};

export const createGpuSlice: StateCreator<Store, [], [], GpuSlice> = (set, get) => {
  const patch = (p: Partial<GpuState>) => set((s) => ({ gpu: { ...s.gpu, ...p } }));
  return {
    gpu: { ...initialGpuState, backendChoice: savedChoice(), threadsChoice: savedThreads() },

    async probeGpu() {
      patch({ status: 'probing', error: null });
      let b: GpuBackend;
      try {
        b = await getBackend();
        if (lostHooked !== b) {
          lostHooked = b;
          await b.onLost((e) => patch({ status: 'lost', lost: e }));
        }
        const r = await b.probe();
        if (r.ok) patch({ status: 'ready', info: r.info, lost: null, acquisitions: get().gpu.acquisitions + 1 });
        else patch({ status: 'unavailable', info: null, error: r.error });
        await get().setBackendChoice(get().gpu.backendChoice);
      } catch (e) {
        patch({
          status: 'unavailable',
          info: null,
          error: {
            code: 'worker-failed',
            message: (e as Error).message || String(e),
            hint: 'Reload the page. If the pipeline worker keeps failing, check the browser console for the first error.',
          },
        });
      }
    },

    async setBackendChoice(choice) {
      patch({ backendChoice: choice });
      try {
        globalThis.localStorage?.setItem(CHOICE_KEY, choice);
      } catch {
        /* private mode: the setting lasts for this page */
      }
      const b = await getBackend();
      if (!b.setBackendChoice) return;
      try {
        patch({ backend: await b.setBackendChoice(choice, get().gpu.threadsChoice), backendError: null });
      } catch (e) {
        patch({ backend: null, backendError: (e as Error).message || String(e) });
      }
    },

    async setThreadsChoice(threads) {
      patch({ threadsChoice: threads });
      try {
        globalThis.localStorage?.setItem(THREADS_KEY, String(threads));
      } catch {
        /* private mode: the setting lasts for this page */
      }
      await get().setBackendChoice(get().gpu.backendChoice);
    },

    async refreshBackend() {
      const b = await getBackend();
      if (!b.backendStatus) return;
      try {
        patch({ backend: await b.backendStatus(), backendError: null });
      } catch (e) {
        patch({ backendError: (e as Error).message || String(e) });
      }
    },

    async simulateDeviceLoss() {
      const b = await getBackend();
      await b.simulateLoss();
    },
  };
};
