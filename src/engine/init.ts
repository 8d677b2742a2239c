// Choose a backend for the current thread (worker, CLI, test). Models never do this themselves.
import { CpuBackend } from './cpu-backend';
import { requestGpu, type RequestOptions } from './device';
import { setBackend } from './tensor';
import { WebGPUBackend, type WebGPUBackendOptions } from './webgpu-backend';
import { loadWasm, WasmBackend } from './wasm-backend';

/** Request the device and make a WebGPU backend current; `batching: false` etc. configure it (see WebGPUBackendOptions). */
export async function initWebGPU(opts?: RequestOptions & WebGPUBackendOptions): Promise<WebGPUBackend> {
  const be = new WebGPUBackend(await requestGpu(opts), opts);
  setBackend(be);
  return be;
}

export function initCpu(): CpuBackend {
  const be = new CpuBackend();
  setBackend(be);
  return be;
}

/** The wasm SIMD backend (kernels from build/wasm/higr.wasm unless `source` gives the module bytes). */
export async function initWasm(source?: BufferSource): Promise<WasmBackend> {
  const be = new WasmBackend(await loadWasm(source));
  setBackend(be);
  return be;
}
