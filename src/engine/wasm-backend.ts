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
import { defaultThreads, POOL_KERNELS, threadedKernels, threadsUnavailableReason, ThreadPool, WORKER_STACK_BYTES } from './wasm-threads';

/** The exported kernels (names and argument order match wasm/*.c; pointers are byte offsets). */
export interface WasmKernels {
  matmul_scratch(N: number): number;
  matmul(A: number, B: number, C: number, M: number, N: number, K: number, batch: number, strideA: number, strideB: number, transA: number, transB: number, scratch: number): void;
  matmul_part(A: number, B: number, C: number, M: number, N: number, K: number, strideA: number, strideB: number, transA: number, transB: number, scratch: number, b0: number, b1: number, r0: number, r1: number, c0: number, c1: number): void;
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
  reduce_max_grad(G: number, IDX: number, DX: number, outer: number, red: number, inner: number): void;
  trie_scores(logp: number, score: number, node: number, children: number, open: number, cand: number, R: number, K: number, N: number, Kc: number, beams: number): void;
  trie_advance(values: number, idx: number, node: number, codes: number, children: number, node2: number, codes2: number, prow: number, R: number, K: number, Kc: number, beams: number, LV: number, level: number, offset: number): void;
  trie_block(open: number, node: number, parent: number, U: number, N: number, beams: number): void;
  adamw(P: number, G: number, M: number, V: number, n: number, gscale: number, decay: number, b1: number, b2: number, stepSize: number, bc2sqrt: number, eps: number): void;
  nearest_code(X: number, E: number, INDEX: number, DIST: number, N: number, K: number, d: number): void;
  nearest_code_rescore(X: number, E: number, DOT: number, INDEX: number, DIST: number, N: number, K: number, d: number, CN: number): void;
  embedding_gather(table: number, idx: number, out: number, n: number, d: number, V: number): number;
  embedding_scatter_add(g: number, idx: number, out: number, n: number, d: number, V: number): void;
  topk_rows(X: number, values: number, indices: number, R: number, C: number, k: number): void;
  sumsq(G: number, n: number): number;
  scale_inplace(G: number, n: number, s: number): void;
  copy_block(src: number, dst: number, outer: number, width: number, srcRow: number, srcOff: number, dstRow: number, dstOff: number): void;
  fill_zero(dst: number, n: number): void;
  transpose4(x: number, out: number, o0: number, o1: number, o2: number, o3: number, s0: number, s1: number, s2: number, s3: number): void;
  cast_f32_i32(x: number, out: number, n: number): void;
  cast_i32_f32(x: number, out: number, n: number): void;
  dropout(x: number, y: number, n: number, sh: number, th: number, scale: number): void;
  layernorm_rows(X: number, W: number, B: number, Y: number, rows: number, D: number, eps: number): void;
  layernorm_grad_rows(X: number, W: number, G: number, DX: number, DW: number, DB: number, rows: number, D: number, eps: number): void;
  /** floats of scratch the attention kernels need for Tq queries, Tk keys, head size dh */
  attention_scratch(Tq: number, Tk: number, dh: number): number;
  attention_fwd(Q: number, K: number, V: number, M: number, Bi: number, sB: number, sH: number, sQ: number, sK: number, O: number, LSE: number, B: number, Tq: number, Tk: number, H: number, dh: number, causal: number, scale: number, scratch: number): void;
  attention_bwd(Q: number, K: number, V: number, LSE: number, G: number, M: number, Bi: number, sB: number, sH: number, sQ: number, sK: number, dQ: number, dK: number, dV: number, dS: number, B: number, Tq: number, Tk: number, H: number, dh: number, causal: number, scale: number, scratch: number): void;
}
const KERNEL_NAMES: (keyof WasmKernels)[] = [
  'matmul_scratch', 'matmul', 'matmul_part', 'binary', 'unary', 'unary_grad', 'sum_to', 'softmax_rows', 'softmax_grad_rows', 'cross_entropy_rows',
  'cross_entropy_grad_rows', 'rmsnorm_rows', 'rmsnorm_grad_rows', 'l2norm_rows', 'l2norm_grad_rows', 'reduce_axis', 'reduce_max_grad', 'trie_scores', 'trie_advance', 'trie_block', 'adamw', 'nearest_code', 'nearest_code_rescore',
  'embedding_gather', 'embedding_scatter_add', 'topk_rows', 'attention_scratch', 'attention_fwd', 'attention_bwd', 'sumsq', 'scale_inplace',
  'copy_block', 'fill_zero', 'transpose4', 'cast_f32_i32', 'cast_i32_f32', 'dropout', 'layernorm_rows', 'layernorm_grad_rows',
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
  /** Threads the kernels run on (1 without a pool). */
  threads: number;
  /** The worker pool on the shared memory (threads > 1). */
  pool?: ThreadPool;
  /** Why the module runs on this many threads (e.g. "1 thread: page not cross-origin isolated …"). */
  threadsNote: string;
  /** See LoadWasmOptions.minWork. */
  minWork?: number;
}

export interface LoadWasmOptions {
  /** Threads (default: hardwareConcurrency capped at THREAD_CAP; 1 = the single-threaded module, no workers). */
  threads?: number;
  /** Bytes of the threaded module (default: build/wasm/higr-mt.wasm). */
  mtSource?: BufferSource;
  /** Multiply-adds below which a kernel call stays on one thread (default DEFAULT_MIN_WORK; tests use 0). */
  minWork?: number;
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

/**
 * Compile and instantiate the kernels. `source`: the module bytes; default: build/wasm/higr.wasm (fs in Node, fetch in
 * a browser). With more than one thread (`opts.threads`, default hardwareConcurrency capped) and SharedArrayBuffer
 * available, the threaded module (higr-mt.wasm) is instantiated on a shared memory and a worker pool started
 * (wasm-threads.ts); without cross-origin isolation it stays on one thread and `threadsNote` says why.
 */
export async function loadWasm(source?: BufferSource, opts: LoadWasmOptions = {}): Promise<WasmModule> {
  const wanted = await defaultThreads(opts.threads);
  const why = wanted > 1 ? threadsUnavailableReason() : '';
  if (wanted > 1 && !why && (opts.mtSource || !source)) return { ...(await loadThreaded(opts.mtSource ?? (await defaultWasmBytes('higr-mt.wasm')), wanted)), minWork: opts.minWork };
  const bytes = source ?? (await defaultWasmBytes('higr.wasm'));
  const mod = await WebAssembly.compile(bytes);
  const imp = memoryImport(mod);
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
  const inst = await WebAssembly.instantiate(mod, { [imp.module]: { [imp.name]: memory } });
  const { kernels, heapBase } = exportsOf(inst);
  const threadsNote = wanted === 1 ? '1 thread (requested)' : why ? `1 thread: ${why}` : '1 thread (module bytes given without a threaded build)';
  return { memory, kernels, heapBase, threads: 1, threadsNote };
}

function memoryImport(mod: WebAssembly.Module): WebAssembly.ModuleImportDescriptor {
  const imp = WebAssembly.Module.imports(mod).find((i) => i.kind === 'memory');
  if (!imp) throw new Error('wasm kernels: the module does not import its memory (rebuild with npm run build:wasm)');
  return imp;
}

function exportsOf(inst: WebAssembly.Instance): { kernels: WasmKernels; heapBase: number } {
  const ex = inst.exports as Record<string, unknown>;
  const missing = KERNEL_NAMES.filter((k) => typeof ex[k] !== 'function');
  if (missing.length) throw new Error(`wasm kernels: build/wasm/higr.wasm lacks ${missing.join(', ')} (stale build: run npm run build:wasm)`);
  const heapBase = (ex.__heap_base as WebAssembly.Global | undefined)?.value as number | undefined;
  if (typeof heapBase !== 'number') throw new Error('wasm kernels: __heap_base is not exported');
  const kernels = Object.fromEntries(KERNEL_NAMES.map((k) => [k, ex[k]])) as unknown as WasmKernels;
  return { kernels, heapBase };
}

/** The threaded module on a shared memory: this thread's instance plus `threads - 1` workers, each with its own stack. */
async function loadThreaded(bytes: BufferSource, threads: number): Promise<WasmModule> {
  const mod = await WebAssembly.compile(bytes);
  const imp = memoryImport(mod);
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true } as WebAssembly.MemoryDescriptor);
  const inst = await WebAssembly.instantiate(mod, { [imp.module]: { [imp.name]: memory } });
  const { kernels, heapBase } = exportsOf(inst);
  if (!(inst.exports as Record<string, unknown>).__stack_pointer) throw new Error('wasm kernels: higr-mt.wasm does not export __stack_pointer (stale build: run npm run build:wasm)');
  // worker stacks right above the static data; the allocator starts after them
  const start = Math.ceil(heapBase / ALIGN) * ALIGN;
  const stackTops = Array.from({ length: threads - 1 }, (_, w) => start + (w + 1) * WORKER_STACK_BYTES);
  const top = start + (threads - 1) * WORKER_STACK_BYTES;
  if (top > memory.buffer.byteLength) memory.grow(Math.ceil((top - memory.buffer.byteLength) / PAGE));
  const pool = await ThreadPool.create({ module: mod, memory, threads, stackTops, names: [...POOL_KERNELS], importModule: imp.module, importName: imp.name });
  return { memory, kernels, heapBase: top, threads, pool, threadsNote: `${threads} threads (Web Workers / worker_threads on a shared memory)` };
}

async function defaultWasmBytes(file: 'higr.wasm' | 'higr-mt.wasm'): Promise<ArrayBuffer> {
  // two literal URLs so that vite emits both modules as assets
  const url = file === 'higr.wasm' ? new URL('../../build/wasm/higr.wasm', import.meta.url) : new URL('../../build/wasm/higr-mt.wasm', import.meta.url);
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
  private freeLists = new Map<number, number[]>();
  private live = 0;
  private liveBytes = 0;
  private pooledBytes = 0;
  private pooledCount = 0;
  private scratchStore: WasmStorage | null = null;
  private partScratch: (WasmStorage | null)[] = [];
  private readonly poolThreads: number;
  private readonly note: string;
  /** The worker pool (threads > 1). */
  readonly pool: ThreadPool | null;
  /** Kernel calls so far (benchmarks). */
  calls = 0;

  constructor(mod: WasmModule) {
    this.memory = mod.memory;
    this.top = Math.ceil(mod.heapBase / ALIGN) * ALIGN;
    this.poolThreads = mod.threads ?? 1;
    this.note = mod.threadsNote ?? '1 thread';
    this.pool = mod.pool ?? null;
    const pool = this.pool;
    this.k = pool ? threadedKernels(mod.kernels, { pool, scratchFor: (p, n) => this.scratchOf(p, n), minWork: mod.minWork }) : mod.kernels;
  }

  alloc(size: number, dtype: DType, data?: CpuArray): WasmStorage {
    const bytes = bucketBytes(size * 4);
    const list = this.freeLists.get(bytes);
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
    let list = this.freeLists.get(w.bytes);
    if (!list) this.freeLists.set(w.bytes, (list = []));
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
    if (!this.scratchStore || this.scratchStore.size < floats) this.scratchStore = this.ownRegion(this.scratchStore, floats);
    return this.scratchStore.ptr;
  }

  /** Threads the kernels use (1: single-threaded build, or a pool that lost a worker). */
  get threads(): number {
    return this.pool?.degraded ? 1 : this.poolThreads;
  }
  /** Why this many threads (environment.backendDetail, the app's header). */
  get threadsNote(): string {
    const p = this.pool;
    if (p?.degraded) return `1 thread: the worker pool stopped (${p.degraded}); kernels run on the calling thread`;
    // parts the calling thread took back because their worker was not scheduled in time (a loaded machine)
    return p?.stolen ? `${this.note}; ${p.stolen} of ${p.posted} worker parts ran on the calling thread (worker not scheduled in time)` : this.note;
  }

  /** Scratch of worker part `part` (>= 1) of a split kernel call: one region per thread, grown as needed. */
  private scratchOf(part: number, floats: number): number {
    const cur = this.partScratch[part];
    if (cur && cur.size >= floats) return cur.ptr;
    return (this.partScratch[part] = this.ownRegion(cur ?? null, floats)).ptr;
  }

  /** A region of the backend's own (scratch), replacing `old`; kept out of the leak statistics (it is not a tensor). */
  private ownRegion(old: WasmStorage | null, floats: number): WasmStorage {
    if (old) {
      this.live++;
      this.liveBytes += old.bytes;
      this.release(old);
    }
    const s = this.alloc(Math.max(floats, 1 << 16), 'f32');
    this.live--;
    this.liveBytes -= s.bytes;
    return s;
  }

  /** Stop the worker threads (the backend must not be used afterwards). */
  close(): void {
    this.pool?.close();
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
    const t0 = performance.now();
    def.cpu(inputs.map((s) => this.arr(s)), outputs.map((s) => this.arr(s)), attrs, metas);
    recordFallback(def.name, 'wasm', performance.now() - t0);
  }

  describe(): string {
    return `wasm (SIMD128, ${this.threadsNote})`;
  }
  stats() {
    return { liveBuffers: this.live, liveBytes: this.liveBytes, pooledBuffers: this.pooledCount, pooledBytes: this.pooledBytes };
  }
}
