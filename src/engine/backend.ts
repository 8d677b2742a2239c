// The one small interface where the frontend (tensors, autograd, models) meets a backend.
// Backends: 'cpu' (plain TypeScript reference), 'webgpu' (WGSL kernels), 'wasm' (SIMD C kernels compiled to wasm32, for
// machines without a (hardware) GPU). Models never import a backend: they call op frontends (src/engine/ops/*), whose
// `runOp` hands the op to `backend.execute`, and each backend runs the op's kernel for its own kind
// (`OpDef.cpu` / `OpDef.webgpu` / `OpDef.wasm`, see op.ts).
import type { OpDef, OpMetas } from './op';

export type DType = 'f32' | 'i32';
export type CpuArray = Float32Array | Int32Array;
export type BackendKind = 'cpu' | 'webgpu' | 'wasm';

export interface TensorMeta {
  shape: readonly number[];
  dtype: DType;
}

/** Opaque per-backend storage. `size` is the number of elements. */
export interface Storage {
  readonly size: number;
  readonly dtype: DType;
}

export interface Backend {
  readonly kind: BackendKind;
  /** Allocate storage of `size` elements; contents undefined unless `data` is given. */
  alloc(size: number, dtype: DType, data?: CpuArray): Storage;
  /** Return storage to the backend (pooled). Must not be used afterwards. */
  release(s: Storage): void;
  /** Asynchronous readback of the whole storage. */
  read(s: Storage): Promise<CpuArray>;
  /** Overwrite storage contents. */
  write(s: Storage, data: CpuArray): void;
  /** Wait until all queued work has finished (no-op on CPU). */
  sync(): Promise<void>;
  /**
   * Run `def`'s kernel for this backend kind on preallocated storages (the only dispatch point; called by runOp).
   * A backend without a kernel of its own for `def` runs the declared CPU fallback and records it (see fallbacks.ts).
   */
  execute<A>(def: OpDef<A>, inputs: Storage[], outputs: Storage[], attrs: A, metas: OpMetas): void;
  /** Human-readable description for result JSON ("environment.backendDetail"). */
  describe(): string;
  /** Live allocation statistics (for leak tests and the UI); WebGPU adds peak, submits and trimming counters. */
  stats(): BackendStats;
  /**
   * Optional (flat arenas, e.g. the optimizer's): a storage aliasing `size` elements of `root` from element `offset`
   * (a multiple of `viewAlign`). `root` stays allocated until it and every view of it are released.
   */
  view?(root: Storage, offset: number, size: number): Storage;
  /** Element alignment of `view` offsets. */
  readonly viewAlign?: number;
  /** Optional: copy `elements` elements between storages, in order with queued work (no kernel dispatch). */
  copy?(src: Storage, dst: Storage, elements?: number, srcOffset?: number, dstOffset?: number): void;
  /** Highest liveBytes since creation or the last call (peak memory of a training step); optional. */
  resetPeak?(): number;
}

export interface BackendStats {
  liveBuffers: number;
  liveBytes: number;
  pooledBuffers: number;
  pooledBytes: number;
  /** Highest liveBytes since creation or the last `resetPeak()` (when the backend tracks it). */
  peakLiveBytes?: number;
  /** queue submits so far (WebGPU). */
  submits?: number;
  /** kernel dispatches so far (WebGPU). */
  dispatches?: number;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function newCpuArray(dtype: DType, size: number): CpuArray {
  return dtype === 'f32' ? new Float32Array(size) : new Int32Array(size);
}
