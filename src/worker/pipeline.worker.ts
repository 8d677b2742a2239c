// The pipeline Web Worker: owns the GPUDevice so the page thread never blocks on GPU work.
// Only plain data crosses the boundary (GpuInfo, results); GPU objects and big buffers stay here.
//
// To add a pipeline function: add an async method to `api` below that takes/returns structured-cloneable data
// (transfer big typed arrays with Comlink.transfer); the client (src/worker/client.ts) picks up its type automatically.
import * as Comlink from 'comlink';
import { requestGpu, WebGPUUnavailableError, type GpuContext, type GpuInfo } from '../engine/device';
import { stageApi } from './stage-api';
import { tokenizerApi } from './tokenizer-api';
import { backendThreads, selectBackend, type BackendChoice, type SelectedBackend } from '../engine/select';
import { WasmBackend } from '../engine/wasm-backend';
import { setBackend } from '../engine/tensor';
import { fallbacks, type FallbackRecord } from '../engine/fallbacks';
import { slateApi } from './slate-api';
import { evalApi } from './eval-api';

/** Structured-cloneable form of WebGPUUnavailableError (Comlink does not keep custom error fields). */
export interface GpuErrorInfo {
  code: string;
  message: string;
  hint: string;
}

export type ProbeResult = { ok: true; info: GpuInfo } | { ok: false; error: GpuErrorInfo };

export interface DeviceLostEvent {
  reason: string;
  message: string;
}

let ctx: GpuContext | null = null;
/** Bumped whenever we drop a device on purpose, so its `lost` promise is not reported as a loss. */
let generation = 0;
let lostListener: ((e: DeviceLostEvent) => unknown) | null = null;
let lastGpuError: string | null = null;

/** The compute backend the pipeline runs on (the app's backend setting; see src/engine/select.ts for `auto`). */
export interface BackendStatus {
  choice: BackendChoice;
  kind: 'webgpu' | 'wasm' | 'cpu';
  reason: string;
  detail: string;
  /** Threads the wasm kernels use (1 = single-threaded; stated in the UI). */
  threads: number;
  /** The thread setting: 0 = auto (hardwareConcurrency, capped), else that count. */
  threadsChoice: number;
  /** Why this many threads (e.g. "1 thread: page not cross-origin isolated …"). */
  threadsNote: string;
  /** Whether the page is cross-origin isolated (SharedArrayBuffer available for wasm threads). */
  crossOriginIsolated: boolean;
  /** Ops that ran their CPU reference on this backend (declared fallbacks) since the worker started. */
  fallbacks: FallbackRecord[];
}

let backendChoice: BackendChoice = 'auto';
/** wasm threads: 0 = auto (hardwareConcurrency capped at THREAD_CAP). */
let threadsChoice = 0;
let selectedThreads = -1;
let selected: SelectedBackend | null = null;

/** Select (or reuse) the backend for the current choice and device, and make it current. */
async function pipelineBackend(): Promise<SelectedBackend> {
  const stale = !selected || selected.choice !== backendChoice || selected.gpu !== ctx || selectedThreads !== threadsChoice;
  if (stale) {
    selectedThreads = threadsChoice;
    selected = await selectBackend(backendChoice, {
      threads: threadsChoice || undefined,
      gpu: async () => {
        if (!ctx) throw new Error(lastGpuError ?? 'no WebGPU device');
        return ctx;
      },
    });
  }
  setBackend(selected!.backend);
  return selected!;
}

function statusOf(s: SelectedBackend): BackendStatus {
  const threads = backendThreads(s.backend);
  return {
    threadsChoice,
    threadsNote: s.backend instanceof WasmBackend ? s.backend.threadsNote : 'no wasm threads on this backend',
    choice: s.choice,
    kind: s.kind,
    reason: s.reason,
    detail: s.backend.describe(),
    threads,
    crossOriginIsolated: !!(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated,
    fallbacks: fallbacks(),
  };
}

export function toGpuErrorInfo(e: unknown): GpuErrorInfo {
  if (e instanceof WebGPUUnavailableError) return { code: e.code, message: e.message, hint: e.hint };
  const err = e as Error;
  return {
    code: 'unexpected',
    message: `WebGPU initialisation failed: ${err?.message ?? String(e)}`,
    hint: 'Reload the page; if it persists, open the browser console and report the error together with chrome://gpu.',
  };
}

const api = {
  /** (Re)acquire the device. Drops the previous device quietly. Never throws: failures come back as `{ok:false}`. */
  async probeGpu(): Promise<ProbeResult> {
    if (ctx) {
      generation++;
      ctx.device.destroy();
      ctx = null;
    }
    try {
      const c = await requestGpu();
      const gen = ++generation;
      ctx = c;
      void c.lost.then((info) => {
        if (gen !== generation) return; // replaced on purpose
        ctx = null;
        void lostListener?.({ reason: String(info.reason ?? 'unknown'), message: info.message || 'the GPU device was lost' });
      });
      lastGpuError = null;
      return { ok: true, info: c.info };
    } catch (e) {
      const info = toGpuErrorInfo(e);
      lastGpuError = info.message;
      return { ok: false, error: info };
    }
  },

  /** Register the (single) device-lost callback; pass it wrapped in Comlink.proxy. */
  onDeviceLost(cb: (e: DeviceLostEvent) => unknown): void {
    lostListener = cb;
  },

  /** Destroy the current device as if the driver had reset it (Overview panel button; used by e2e tests). */
  async simulateDeviceLoss(): Promise<boolean> {
    if (!ctx) return false;
    ctx.device.destroy();
    return true;
  },

  /**
   * Set the backend choice (auto | webgpu | wasm | cpu) and, optionally, the wasm thread count (0 = auto), and select
   * it now; a failed choice throws its reason.
   */
  async setBackendChoice(choice: BackendChoice, threads?: number): Promise<BackendStatus> {
    backendChoice = choice;
    if (threads !== undefined) {
      if (!Number.isInteger(threads) || threads < 0 || threads > 64) throw new Error(`threads must be 0 (auto) or an integer in 1..64, got ${threads}`);
      threadsChoice = threads;
    }
    return statusOf(await pipelineBackend());
  },

  /** The backend the next run uses (selected on demand), with the reason and the recorded CPU fallbacks. */
  async backendStatus(): Promise<BackendStatus> {
    return statusOf(await pipelineBackend());
  },

  async ping(): Promise<'pong'> {
    return 'pong';
  },
  ...stageApi(async () => (await pipelineBackend()).kind), // every trained stage on the selected backend: stageRun / stageStop (src/worker/stage-api.ts)
  ...tokenizerApi(), // tokenizer views: prefix explorer (src/worker/tokenizer-api.ts)
  ...slateApi(), // decoding views of slate-decoder runs (src/worker/slate-api.ts)
  ...evalApi(), // the Table 1 models of the evaluation stage (src/worker/eval-api.ts)
};

export type PipelineApi = typeof api;

Comlink.expose(api);
