// wasm backend: tensors live in one WebAssembly.Memory; ops run the SIMD C kernels in wasm/*.c (built into
// build/wasm/higr.wasm by scripts/build-wasm.mjs with clang's wasm32 target, -O3 -msimd128). An op without a wasm
// kernel runs its CPU reference on zero-copy views of this memory, and the fallback is recorded (fallbacks.ts).
//
// Storage layout: a storage is a 64-byte-aligned byte range [ptr, ptr + bytes) of the memory; sizes are rounded up to
// buckets (as in the WebGPU pool) and released ranges are reused per bucket, so a training loop stops allocating after
// its first step. The memory grows on demand (views are re-created after every op, never cached across a grow).
import type { Backend, CpuArray, DType, Storage } from './backend';
import { recordFallback } from './fallbacks';
import type { OpDef, OpMetas } from './op';

/** The exported kernels (names and argument order match wasm/*.c; pointers are byte offsets). */
export interface WasmKernels {
  matmul_scratch(N: number): number;
  matmul(A: number, B: number, C: number, M: number, N: number, K: number, batch: number, strideA: number, strideB: number, transA: number, transB: number, scratch: number): void;
  binary(kind: number, A: number, B: number, out: number, ...shapeAndStrides: number[]): void;
  unary(kind: number, X: number, out: number, o0: number, o1: number, o2: number, o3: number, s0: number, s1: number, s2: number, s3: number, alpha: number, beta: number): void;
  unary_grad(kind: number, X: number, Y: number, G: number, out: number, n: number, alpha: number): void;
  sum_to(X: number, out: number, nOut: number, x0: number, x1: number, x2: number, x3: number, t0: number, t1: number, t2: number, t3: number): void;
  softmax_rows(X: number, Y: number, rows: number, cols: number, log: number): void;
  softmax_grad_rows(Y: number, G: number, DX: number, rows: number, cols: number, log: number): void;
  cross_entropy_rows(X: number, T: number, loss: number, N: number, C: number, ignore: number): number;
  cross_entropy_grad_rows(X: number, T: number, coef: number, DX: number, N: number, C: number, ignore: number, perRow: number, scale: number): void;
  rmsnorm_rows(X: number, W: number, Y: number, rows: number, D: number, eps: number): void;
  rmsnorm_grad_rows(X: number, W: number, G: number, DX: number, DW: number, rows: number, D: number, eps: number): void;
  l2norm_rows(X: number, Y: number, rows: number, D: number, eps: number): void;
  l2norm_grad_rows(X: number, G: number, DX: number, rows: number, D: number, eps: number): void;
  reduce_axis(kind: number, X: number, OUT: number, IDX: number, outer: number, red: number, inner: number): void;
  adamw(P: number, G: number, M: number, V: number, n: number, gscale: number, decay: number, b1: number, b2: number, stepSize: number, bc2sqrt: number, eps: number): void;
  nearest_code(X: number, E: number, INDEX: number, DIST: number, N: number, K: number, d: number): void;
  embedding_gather(table: number, idx: number, out: number, n: number, d: number, V: number): number;
  embedding_scatter_add(g: number, idx: number, out: number, n: number, d: number, V: number): void;
  topk_rows(X: number, values: number, indices: number, R: number, C: number, k: number): void;
  sumsq(G: number, n: number): number;
  scale_inplace(G: number, n: number, s: number): void;
  attention_fwd(Q: number, K: number, V: number, M: number, Bi: number, sB: number, sH: number, sQ: number, sK: number, O: number, LSE: number, B: number, Tq: number, Tk: number, H: number, dh: number, causal: number, scale: number, scratch: number): void;
  attention_bwd(Q: number, K: number, V: number, LSE: number, G: number, M: number, Bi: number, sB: number, sH: number, sQ: number, sK: number, dQ: number, dK: number, dV: number, dS: number, B: number, Tq: number, Tk: number, H: number, dh: number, causal: number, scale: number, scratch: number): void;
}
const KERNEL_NAMES: (keyof WasmKernels)[] = [
  'matmul_scratch', 'matmul', 'binary', 'unary', 'unary_grad', 'sum_to', 'softmax_rows', 'softmax_grad_rows', 'cross_entropy_rows',
  'cross_entropy_grad_rows', 'rmsnorm_rows', 'rmsnorm_grad_rows', 'l2norm_rows', 'l2norm_grad_rows', 'reduce_axis', 'adamw', 'nearest_code',
  'embedding_gather', 'embedding_scatter_add', 'topk_rows', 'attention_fwd', 'attention_bwd', 'sumsq', 'scale_inplace',
];

export class WasmStorage implements Storage {
  constructor(
    /** Byte offset in the wasm memory. */
    public readonly ptr: number,
    public readonly size: number,
    public readonly dtype: DType,
    /** Bytes reserved (bucket size). */
    public readonly bytes: number,
  ) {}
}

export interface WasmModule {
  memory: WebAssembly.Memory;
  kernels: WasmKernels;
  heapBase: number;
}

const PAGE = 65536;
const ALIGN = 64;

function bucketBytes(bytes: number): number {
  const b = Math.max(ALIGN, bytes);
  if (b <= 65536) return Math.ceil(b / ALIGN) * ALIGN;
  const p = 2 ** Math.floor(Math.log2(b));
  const step = p / 8;
  return Math.ceil(b / step) * step;
}

/** Compile and instantiate the kernels. `source`: the module bytes; default: build/wasm/higr.wasm (fs in Node, fetch in a browser). */
export async function loadWasm(source?: BufferSource): Promise<WasmModule> {
  const bytes = source ?? (await defaultWasmBytes());
  const mod = await WebAssembly.compile(bytes);
  const imp = WebAssembly.Module.imports(mod).find((i) => i.kind === 'memory');
  if (!imp) throw new Error('wasm kernels: the module does not import its memory (rebuild with npm run build:wasm)');
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
  const inst = await WebAssembly.instantiate(mod, { [imp.module]: { [imp.name]: memory } });
  const ex = inst.exports as Record<string, unknown>;
  const missing = KERNEL_NAMES.filter((k) => typeof ex[k] !== 'function');
  if (missing.length) throw new Error(`wasm kernels: build/wasm/higr.wasm lacks ${missing.join(', ')} (stale build: run npm run build:wasm)`);
  const heapBase = (ex.__heap_base as WebAssembly.Global | undefined)?.value as number | undefined;
  if (typeof heapBase !== 'number') throw new Error('wasm kernels: __heap_base is not exported');
  const kernels = Object.fromEntries(KERNEL_NAMES.map((k) => [k, ex[k]])) as unknown as WasmKernels;
  return { memory, kernels, heapBase };
}

async function defaultWasmBytes(): Promise<ArrayBuffer> {
  const url = new URL('../../build/wasm/higr.wasm', import.meta.url);
  const isNode = typeof process !== 'undefined' && !!process.versions?.node && url.protocol === 'file:';
  if (isNode) {
    const fsName = 'node:fs/promises';
    const fs: typeof import('node:fs/promises') = await import(/* @vite-ignore */ fsName);
    try {
      const b = await fs.readFile(url);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    } catch {
      throw new Error(`wasm kernels: ${url.pathname} not found: run npm run build:wasm (needs clang + lld)`);
    }
  }
  const r = await fetch(url);
  if (!r.ok) throw new Error(`wasm kernels: GET ${url.pathname} failed (${r.status})`);
  return r.arrayBuffer();
}

export class WasmBackend implements Backend {
  readonly kind = 'wasm' as const;
  readonly memory: WebAssembly.Memory;
  /** The exported kernels; pointers come from `ptr(storage)`. */
  readonly k: WasmKernels;
  private top: number;
  private pool = new Map<number, number[]>();
  private live = 0;
  private liveBytes = 0;
  private pooledBytes = 0;
  private pooledCount = 0;
  private scratchStore: WasmStorage | null = null;
  /** Threads the kernels use (1: single-threaded build). */
  readonly threads = 1;
  /** Kernel calls so far (benchmarks). */
  calls = 0;

  constructor(mod: WasmModule) {
    this.memory = mod.memory;
    this.k = mod.kernels;
    this.top = Math.ceil(mod.heapBase / ALIGN) * ALIGN;
  }

  alloc(size: number, dtype: DType, data?: CpuArray): WasmStorage {
    const bytes = bucketBytes(size * 4);
    const list = this.pool.get(bytes);
    let ptr = list?.pop();
    if (ptr !== undefined) {
      this.pooledBytes -= bytes;
      this.pooledCount--;
    } else {
      ptr = this.top;
      const end = ptr + bytes;
      if (end > 2 ** 32 - PAGE) throw new Error(`wasm backend: out of memory (${(end / 2 ** 30).toFixed(2)} GiB needed, the wasm32 limit is 4 GiB): reduce the batch or model size`);
      const have = this.memory.buffer.byteLength;
      if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
      this.top = end;
    }
    this.live++;
    this.liveBytes += bytes;
    const s = new WasmStorage(ptr, size, dtype, bytes);
    if (data) this.write(s, data);
    return s;
  }

  release(s: Storage): void {
    const w = s as WasmStorage;
    this.live--;
    this.liveBytes -= w.bytes;
    let list = this.pool.get(w.bytes);
    if (!list) this.pool.set(w.bytes, (list = []));
    list.push(w.ptr);
    this.pooledBytes += w.bytes;
    this.pooledCount++;
  }

  /** A typed-array view of the storage (valid until the next allocation may grow the memory). */
  arr(s: Storage): CpuArray {
    const w = s as WasmStorage;
    return w.dtype === 'f32' ? new Float32Array(this.memory.buffer, w.ptr, w.size) : new Int32Array(this.memory.buffer, w.ptr, w.size);
  }
  readSync(s: Storage): CpuArray {
    return this.arr(s);
  }
  /** Byte pointer of a storage, for kernel arguments. */
  ptr(s: Storage): number {
    return (s as WasmStorage).ptr;
  }
  /** A scratch region of at least `floats` f32 (reused by every kernel; valid until the next scratch call). */
  scratch(floats: number): number {
    if (!this.scratchStore || this.scratchStore.size < floats) {
      if (this.scratchStore) this.release(this.scratchStore);
      this.scratchStore = this.alloc(Math.max(floats, 1 << 16), 'f32');
      this.live--; // scratch is the backend's own, not a tensor: keep it out of the leak statistics
      this.liveBytes -= this.scratchStore.bytes;
    }
    return this.scratchStore.ptr;
  }

  async read(s: Storage): Promise<CpuArray> {
    return this.arr(s).slice();
  }
  write(s: Storage, data: CpuArray): void {
    const v = this.arr(s);
    v.set((data.length > v.length ? data.subarray(0, v.length) : data) as never);
  }
  async sync(): Promise<void> {}

  execute<A>(def: OpDef<A>, inputs: Storage[], outputs: Storage[], attrs: A, metas: OpMetas): void {
    this.calls++;
    if (def.wasm) {
      def.wasm(this, inputs, outputs, attrs, metas);
      return;
    }
    this.runCpu(def, inputs, outputs, attrs, metas);
  }

  /**
   * The declared fallback: `def.cpu` on views of this memory (no copies), recorded in fallbacks.ts. Kernels call it
   * for the cases they do not cover (e.g. a unary kind without a C kernel).
   */
  runCpu<A>(def: OpDef<A>, inputs: Storage[], outputs: Storage[], attrs: A, metas: OpMetas): void {
    recordFallback(def.name, 'wasm');
    def.cpu(inputs.map((s) => this.arr(s)), outputs.map((s) => this.arr(s)), attrs, metas);
  }

  describe(): string {
    return `wasm (SIMD128, ${this.threads} thread${this.threads === 1 ? '' : 's'})`;
  }
  stats() {
    return { liveBuffers: this.live, liveBytes: this.liveBytes, pooledBuffers: this.pooledCount, pooledBytes: this.pooledBytes };
  }
}
