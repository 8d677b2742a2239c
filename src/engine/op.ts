// What an op is: output shapes, kernels keyed by backend kind (a CPU reference, a WebGPU program, optionally a wasm
// kernel), and a backward rule.
// The registry in ops/index.ts is typed `{ [K in OpName]: OpDef }`: an op whose `backward` is
// missing does not compile. Non-differentiable ops say so explicitly with `backward: 'nondiff'`.
import type { CpuArray, TensorMeta, Storage } from './backend';
import type { WebGPUBackend } from './webgpu-backend';
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

export interface OpDef<A = Record<string, unknown>> {
  name: string;
  /** Output metadata from input metadata; throws a clear Error on shape mismatch. */
  outputs(inputs: TensorMeta[], attrs: A): TensorMeta[];
  /** CPU reference: reads `inputs`, fills the preallocated `outputs`. */
  cpu(inputs: CpuArray[], outputs: CpuArray[], attrs: A, metas: { inputs: TensorMeta[]; outputs: TensorMeta[] }): void;
  /** WebGPU program: encodes the dispatch(es) writing `outputs`. */
  webgpu(be: WebGPUBackend, inputs: Storage[], outputs: Storage[], attrs: A, metas: { inputs: TensorMeta[]; outputs: TensorMeta[] }): void;
  /**
   * wasm kernel (optional while the wasm backend is being built): when absent, the wasm backend runs `cpu` on its
   * memory and the fallback is recorded (see `engine/fallbacks`), never silent.
   */
  wasm?(inputs: CpuArray[], outputs: CpuArray[], attrs: A, metas: { inputs: TensorMeta[]; outputs: TensorMeta[] }): void;
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
