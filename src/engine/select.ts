// Backend choice for a run (CLI `--backend`, the app's backend setting, benchmarks): one rule, one place.
//   webgpu | wasm | cpu  — that backend or a clear error;
//   auto                 — WebGPU on a hardware adapter; the wasm SIMD backend on a software adapter (SwiftShader,
//                          lavapipe, `adapter.info.isFallbackAdapter`: the CPU runs wasm SIMD kernels 10x+ faster than
//                          it emulates a GPU) or when WebGPU is unavailable; the CPU reference only if wasm cannot load.
// The chosen kind and the reason are recorded (`environment.backend`, `environment.backendReason`) and shown; the wasm
// thread count (and why, e.g. no cross-origin isolation) is in `environment.threads` / `environment.backendDetail`.
import type { Backend, BackendKind } from './backend';
import { CpuBackend } from './cpu-backend';
import type { GpuContext, GpuInfo } from './device';
import { describeAdapter } from './device';
import { loadWasm, WasmBackend, type WasmModule } from './wasm-backend';
import { WebGPUBackend } from './webgpu-backend';

export type BackendChoice = 'auto' | BackendKind;
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'wasm', 'cpu'];

export function parseBackendChoice(v: unknown, what = '--backend'): BackendChoice {
  if (v === undefined) return 'auto';
  if (typeof v === 'string' && (BACKEND_CHOICES as readonly string[]).includes(v)) return v as BackendChoice;
  throw new Error(`${what} must be one of ${BACKEND_CHOICES.join(', ')}, got "${String(v)}"`);
}

/** The `auto` rule on what the WebGPU probe found (adapter info, or the error message when there is none). */
export function autoRule(gpu: GpuInfo | null, gpuError: string | null): { kind: 'webgpu' | 'wasm'; reason: string } {
  if (!gpu) return { kind: 'wasm', reason: `auto: no WebGPU (${gpuError ?? 'unavailable'}), so the wasm SIMD backend` };
  if (gpu.isSoftware) return { kind: 'wasm', reason: `auto: ${describeAdapter(gpu)} is a software adapter (the GPU is emulated on the CPU), so the wasm SIMD backend` };
  return { kind: 'webgpu', reason: `auto: hardware adapter ${describeAdapter(gpu)}` };
}

export interface SelectedBackend {
  backend: Backend;
  kind: BackendKind;
  /** What was asked for. */
  choice: BackendChoice;
  /** One sentence: why this backend. */
  reason: string;
  /** The WebGPU device when one was acquired (also under auto → wasm, for its adapter description). */
  gpu: GpuContext | null;
}

export interface SelectDeps {
  /** Acquire the WebGPU device (the caller's: cliGpu() in Node, requestGpu() in the worker). */
  gpu: () => Promise<GpuContext>;
  /** Load the wasm kernels (default: loadWasm() on `threads` threads). */
  wasm?: () => Promise<WasmModule>;
  /** wasm threads (default: hardwareConcurrency capped at THREAD_CAP; 1 without cross-origin isolation). */
  threads?: number;
}

/** Threads of a selected backend (the wasm pool's size; 1 for cpu and webgpu, whose host work is one thread). */
export function backendThreads(be: Backend): number {
  return be instanceof WasmBackend ? be.threads : 1;
}

export async function selectBackend(choice: BackendChoice, deps: SelectDeps): Promise<SelectedBackend> {
  const wasm = deps.wasm ?? (() => loadWasm(undefined, { threads: deps.threads }));
  if (choice === 'cpu') return { backend: new CpuBackend(), kind: 'cpu', choice, reason: 'requested: cpu (TypeScript reference)', gpu: null };
  if (choice === 'webgpu') {
    let ctx: GpuContext;
    try {
      ctx = await deps.gpu();
    } catch (e) {
      throw new Error(`backend webgpu: no WebGPU device (${(e as Error).message})`);
    }
    return { backend: new WebGPUBackend(ctx), kind: 'webgpu', choice, reason: `requested: webgpu on ${describeAdapter(ctx.info)}`, gpu: ctx };
  }
  if (choice === 'wasm') {
    try {
      return { backend: new WasmBackend(await wasm()), kind: 'wasm', choice, reason: 'requested: wasm', gpu: null };
    } catch (e) {
      throw new Error(`backend wasm: the wasm kernels did not load (${(e as Error).message})`);
    }
  }
  let ctx: GpuContext | null = null;
  let gpuError: string | null = null;
  try {
    ctx = await deps.gpu();
  } catch (e) {
    gpuError = (e as Error).message;
  }
  const rule = autoRule(ctx?.info ?? null, gpuError);
  if (rule.kind === 'webgpu' && ctx) return { backend: new WebGPUBackend(ctx), kind: 'webgpu', choice, reason: rule.reason, gpu: ctx };
  try {
    return { backend: new WasmBackend(await wasm()), kind: 'wasm', choice, reason: rule.reason, gpu: ctx };
  } catch (e) {
    return { backend: new CpuBackend(), kind: 'cpu', choice, reason: `${rule.reason}; the wasm kernels did not load (${(e as Error).message}), so the CPU reference`, gpu: ctx };
  }
}
