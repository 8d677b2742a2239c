// The pipeline Web Worker: owns the GPUDevice so the page thread never blocks on GPU work.
// Only plain data crosses the boundary (GpuInfo, results); GPU objects and big buffers stay here.
//
// To add a pipeline function: add an async method to `api` below that takes/returns structured-cloneable data
// (transfer big typed arrays with Comlink.transfer); the client (src/worker/client.ts) picks up its type automatically.
import * as Comlink from 'comlink';
import { requestGpu, WebGPUUnavailableError, type GpuContext, type GpuInfo } from '../engine/device';
import { tokenizerApi } from './tokenizer-api';
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
      return { ok: true, info: c.info };
    } catch (e) {
      return { ok: false, error: toGpuErrorInfo(e) };
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

  async ping(): Promise<'pong'> {
    return 'pong';
  },
  ...tokenizerApi(() => ctx), // tokenizer stage (src/worker/tokenizer-api.ts)
  ...slateApi(() => ctx), // slate model + decoding stages (src/worker/slate-api.ts)
  ...evalApi(), // evaluation stage: Table 1 models (src/worker/eval-api.ts)
};

export type PipelineApi = typeof api;

Comlink.expose(api);
