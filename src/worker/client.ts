// Page-side handle on the pipeline worker (Comlink). Created lazily on first use; one worker per page.
import * as Comlink from 'comlink';
import type { BackendStatus, DeviceLostEvent, PipelineApi, ProbeResult } from './pipeline.worker';
import type { BackendChoice } from '../engine/select';

export type { BackendStatus, DeviceLostEvent, GpuErrorInfo, PipelineApi, ProbeResult } from './pipeline.worker';

let worker: Worker | null = null;
let remote: Comlink.Remote<PipelineApi> | null = null;
let failed: Promise<never> | null = null;

/** The worker's API. Every method returns a Promise. */
export function pipeline(): Comlink.Remote<PipelineApi> {
  if (!remote) {
    worker = new Worker(new URL('./pipeline.worker.ts', import.meta.url), { type: 'module', name: 'higr-pipeline' });
    // A worker that fails to load never answers; turn that into a rejection instead of a hang.
    failed = new Promise<never>((_, reject) => {
      worker!.addEventListener('error', (ev) => {
        const msg = (ev as ErrorEvent).message || 'script failed to load';
        reject(new Error(`the pipeline worker failed: ${msg}`));
      });
    });
    failed.catch(() => {});
    remote = Comlink.wrap<PipelineApi>(worker);
  }
  return remote;
}

/** Race a worker call against worker failure and a timeout. */
export async function call<T>(p: Promise<T>, what: string, timeoutMs = 60_000): Promise<T> {
  pipeline();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([p, failed!, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the GPU slice needs from the worker (an interface so unit tests can inject a fake). */
export interface GpuBackend {
  probe(): Promise<ProbeResult>;
  onLost(cb: (e: DeviceLostEvent) => void): Promise<void>;
  simulateLoss(): Promise<boolean>;
  /** Set the compute backend choice and return what was selected (optional: test fakes may omit it). */
  setBackendChoice?(choice: BackendChoice, threads?: number): Promise<BackendStatus>;
  backendStatus?(): Promise<BackendStatus>;
}

export const workerGpuBackend: GpuBackend = {
  probe: () => call<ProbeResult>(pipeline().probeGpu() as Promise<ProbeResult>, 'GPU probe in the pipeline worker'),
  onLost: (cb) => call(pipeline().onDeviceLost(Comlink.proxy(cb)), 'pipeline worker'),
  simulateLoss: () => call(pipeline().simulateDeviceLoss(), 'pipeline worker'),
  setBackendChoice: (choice, threads) => call(pipeline().setBackendChoice(choice, threads), 'backend selection in the pipeline worker'),
  backendStatus: () => call(pipeline().backendStatus(), 'backend selection in the pipeline worker'),
};
