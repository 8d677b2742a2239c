// What an op is: output shapes, kernels keyed by backend kind (a CPU reference, a WebGPU program, optionally a wasm
// kernel), and a backward rule.
// The registry in ops/index.ts is typed `{ [K in OpName]: OpDef }`: an op whose `backward` is
// missing does not compile. Non-differentiable ops say so explicitly with `backward: 'nondiff'`.
import type { CpuArray, TensorMeta, Storage } from './backend';
import type { WebGPUBackend } from './webgpu-backend';
import type { WasmBackend } from './wasm-backend';
import type { Tensor } from './tensor';

export interface BackwardArgs<A> {
  inputs: Tensor[];
  outputs: Tensor[];
  /** Gradient of the loss w.r.t. each output (null when that output does not reach the loss). */
  grads: (Tensor | null)[];
  attrs: A;
}

/** Returns one gradient per input (null for inputs without a gradient, e.g. integer indices). */
export type BackwardFn<A> = (args: BackwardArgs<A>) => (Tensor | null)[];

export interface OpMetas {
  inputs: TensorMeta[];
  outputs: TensorMeta[];
}

export interface OpDef<A = Record<string, unknown>> {
  name: string;
  /** Output metadata from input metadata; throws a clear Error on shape mismatch. */
  outputs(inputs: TensorMeta[], attrs: A): TensorMeta[];
  /** CPU reference: reads `inputs`, fills the preallocated `outputs`. */
  cpu(inputs: CpuArray[], outputs: CpuArray[], attrs: A, metas: { inputs: TensorMeta[]; outputs: TensorMeta[] }): void;
  /** WebGPU program: encodes the dispatch(es) writing `outputs`. */
  webgpu(be: WebGPUBackend, inputs: Storage[], outputs: Storage[], attrs: A, metas: { inputs: TensorMeta[]; outputs: TensorMeta[] }): void;
  /**
   * wasm kernel: calls the SIMD C kernels in wasm/*.c through `be.k` with pointers from `be.ptr(storage)`.
   * Optional: an op without one runs `cpu` on views of the wasm memory (zero-copy), and the wasm backend records
   * the fallback (`fallbacks()` in fallbacks.ts: results JSON `environment.fallbacks`, the app's backend line).
   */
  wasm?(be: WasmBackend, inputs: Storage[], outputs: Storage[], attrs: A, metas: OpMetas): void;
  /** Backward rule built from other ops (runs under no-grad), or 'nondiff'. */
  backward: BackwardFn<A> | 'nondiff';
  /** Optional: ops whose outputs alias/are views of the input storage (reshape) implement this instead of cpu/gpu. */
  view?: boolean;
}

export function shapeStr(s: readonly number[]): string {
  return `[${s.join(',')}]`;
}

export function assertShape(cond: boolean, op: string, msg: string): asserts cond {
  if (!cond) throw new Error(`${op}: ${msg}`);
}
