// Threads for the wasm backend: a pool of Web Workers (browser) or worker_threads (Node) that each instantiate the
// threaded kernel module (build/wasm/higr-mt.wasm, same C sources on a shared WebAssembly.Memory) with a stack of
// their own, and the dispatch layer that splits a heavy kernel call into row / batch ranges, one per thread.
//
// Why manual threading rather than wasi-threads / pthreads: the kernels are pure functions of pointers and sizes with
// no libc, no locks and no global state, and ops are synchronous calls from the engine. A job is "call export f with
// these arguments" on a range the main thread chose; the main thread runs part 0 itself, runs any part its worker has
// not picked up by then (work first: a worker not scheduled yet never stalls the call), and blocks (Atomics.wait, or
// a spin where the thread may not block) until the workers have done the rest. No toolchain beyond clang's wasm32
// target, no emscripten runtime, and every split is chosen so that each output element is computed by the same code
// in the same order as on one thread: results are bitwise equal on 1 and N threads (wasm-threads.test.ts).
//
// The op files are untouched: WasmBackend.k is the plain kernel table wrapped by `threadedKernels`, which splits
//   matmul        over batch items, else rows (multiples of 4), else columns (multiples of 8) — matmul_part in matmul.c;
//   attention_fwd / attention_bwd over batch items (pointer offsets into q/k/v/mask/bias/dS: each item's dK/dV rows
//                 belong to one thread; a bias broadcast over the batch (sB = 0) is shared);
//   nearest_code  over rows;  softmax_rows / softmax_grad_rows / rmsnorm_rows / l2norm_rows over rows;
//   adamw         over aligned chunks (the SIMD body and the scalar tail see the same elements).
// Calls below DEFAULT_MIN_WORK multiply-adds stay on one thread: waking a worker costs ~10–50 µs.
import type { WasmKernels } from './wasm-backend';

/** Most threads a pool takes (the default is hardwareConcurrency, capped here). */
export const THREAD_CAP = 8;
const SLOT_BYTES = 256;
const ARGS_OFFSET = 16;
const MAX_ARGS = (SLOT_BYTES - ARGS_OFFSET) / 8;
/** A job still waiting for its worker after this long means the worker is gone (or starved): the caller takes it back. */
const PICKUP_TIMEOUT_MS = 3_000;
/** Stack of each worker's instance (the kernels keep a few hundred bytes there). */
export const WORKER_STACK_BYTES = 256 * 1024;

/** Why threads are unavailable here ('' when SharedArrayBuffer and shared wasm memory can be used). */
export function threadsUnavailableReason(): string {
  const g = globalThis as { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown; document?: unknown; WorkerGlobalScope?: unknown };
  if (typeof g.SharedArrayBuffer !== 'function') {
    return g.crossOriginIsolated === false ? 'page not cross-origin isolated (no COOP/COEP headers): no SharedArrayBuffer' : 'no SharedArrayBuffer in this runtime';
  }
  if (g.crossOriginIsolated === false) return 'page not cross-origin isolated (no COOP/COEP headers): no SharedArrayBuffer';
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
  } catch (e) {
    return `no shared WebAssembly.Memory (${(e as Error).message})`;
  }
  return '';
}

/** Hardware threads of this machine (navigator.hardwareConcurrency, or os.availableParallelism in Node). */
export async function hardwareThreads(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  if (typeof process !== 'undefined' && process.versions?.node) {
    const osName = 'node:os';
    const os: typeof import('node:os') = await import(/* @vite-ignore */ osName);
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return 1;
}

/** The thread count to use: `requested` (a positive integer) or hardwareConcurrency, capped at THREAD_CAP. */
export async function defaultThreads(requested?: number): Promise<number> {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1 || requested > 64) throw new Error(`threads must be an integer in 1..64, got ${requested}`);
    return requested;
  }
  return Math.max(1, Math.min(THREAD_CAP, await hardwareThreads()));
}

interface PoolWorker {
  terminate(): unknown;
}

/** A fixed set of worker threads serving kernel calls on one shared memory. */
export class ThreadPool {
  private readonly i32: Int32Array;
  private readonly args: Float64Array[];
  private readonly fnIndex: Map<string, number>;
  /** Whether this thread may block in Atomics.wait (not a browser page's main thread). */
  private readonly canBlock: boolean;
  private closed = false;
  private running = false;
  /** Parallel calls made so far (benchmarks, tests). */
  calls = 0;
  /** Parts handed to workers, and those this thread took back because their worker had not picked them up yet. */
  posted = 0;
  stolen = 0;

  private constructor(
    readonly threads: number,
    private readonly ctrl: SharedArrayBuffer,
    private readonly workers: PoolWorker[],
    names: string[],
    /** Worker errors and exits seen by this thread's event loop (reported by the next `run`). */
    private readonly workerErrors: string[] = [],
  ) {
    this.i32 = new Int32Array(ctrl);
    this.args = Array.from({ length: threads }, (_, w) => new Float64Array(ctrl, SLOT_BYTES * w + ARGS_OFFSET, MAX_ARGS));
    this.fnIndex = new Map(names.map((n, i) => [n, i]));
    let canBlock = true;
    try {
      Atomics.wait(this.i32, 5, 1, 0);
    } catch {
      canBlock = false;
    }
    this.canBlock = canBlock;
  }

  /**
   * Start `threads - 1` workers (the calling thread is thread 0) on `memory`, each instantiating `module` with its
   * stack top at `stackTops[w - 1]`. Resolves when every worker is ready.
   */
  static async create(opts: {
    module: WebAssembly.Module;
    memory: WebAssembly.Memory;
    threads: number;
    stackTops: number[];
    names: string[];
    importModule: string;
    importName: string;
    /** Spin iterations before a worker sleeps between jobs (default 20000 ≈ tens of µs). */
    spin?: number;
  }): Promise<ThreadPool> {
    const { threads } = opts;
    const ctrl = new SharedArrayBuffer(SLOT_BYTES * threads);
    const i32 = new Int32Array(ctrl);
    const workers: PoolWorker[] = [];
    const errors: string[] = [];
    const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof (globalThis as { window?: unknown }).window === 'undefined';
    let NodeWorker: (new (url: URL, opts: { execArgv: string[] }) => { on(ev: string, f: (e: unknown) => void): void; postMessage(m: unknown): void; unref(): void; terminate(): unknown }) | null = null;
    if (isNode && typeof (globalThis as { Worker?: unknown }).Worker === 'undefined') {
      const wtName = 'node:worker_threads';
      NodeWorker = (await import(/* @vite-ignore */ wtName)).Worker;
    }
    for (let w = 1; w < threads; w++) {
      const msg = { module: opts.module, memory: opts.memory, ctrl, index: w, stackTop: opts.stackTops[w - 1], names: opts.names, importModule: opts.importModule, importName: opts.importName, spin: opts.spin ?? 20000 };
      if (NodeWorker) {
        // no inherited execArgv: the worker is plain JS and must not run the parent's loaders (tsx, vitest's hooks)
        const wk = new NodeWorker(new URL('./wasm-thread.worker.js', import.meta.url), { execArgv: [] });
        wk.on('error', (e) => errors.push(`worker ${w}: ${String((e as Error)?.message ?? e)}`));
        wk.on('exit', (code) => errors.push(`worker ${w} exited (code ${String(code)})`));
        wk.unref();
        wk.postMessage(msg);
        workers.push(wk);
      } else {
        const wk = new Worker(new URL('./wasm-thread.worker.js', import.meta.url), { type: 'module' });
        wk.onerror = (e) => errors.push(`worker ${w}: ${e.message || 'failed'}`);
        wk.postMessage(msg);
        workers.push(wk);
      }
    }
    const t0 = Date.now();
    while (Atomics.load(i32, 4) < threads - 1) {
      if (errors.length || Date.now() - t0 > 20000) {
        Atomics.store(i32, 3, 1);
        for (const wk of workers) wk.terminate();
        throw new Error(`wasm threads: ${errors.length ? errors[0] : `only ${Atomics.load(i32, 4)} of ${threads - 1} workers started within 20 s`}`);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    return new ThreadPool(threads, ctrl, workers, opts.names, errors);
  }

  /**
   * Run one call per part: `parts[0]` on this thread (through `self`), `parts[w]` on worker w; returns when all are
   * done. Throws if a worker's call failed.
   */
  run(name: keyof WasmKernels, self: (...args: number[]) => unknown, parts: number[][]): void {
    if (this.closed) throw new Error('wasm threads: the pool was closed');
    if (this.workerErrors.length && !this.degraded) this.degrade(this.workerErrors.join('; '));
    if (this.degraded) {
      // a worker is gone: every part runs here, in order (parts are disjoint ranges with scratch of their own)
      for (const p of parts) self(...p);
      return;
    }
    if (this.running) throw new Error(`wasm threads: ${name} was started while another pool call runs (pool calls do not nest)`);
    if (parts.length > this.threads) throw new Error(`wasm threads: ${parts.length} parts for ${this.threads} threads`);
    const fn = this.fnIndex.get(name);
    if (fn === undefined) throw new Error(`wasm threads: ${name} is not a pool kernel`);
    const i32 = this.i32;
    this.calls++;
    const errorsBefore = Atomics.load(i32, 2);
    Atomics.store(i32, 1, parts.length - 1);
    for (let w = 1; w < parts.length; w++) {
      const a = parts[w];
      if (a.length > MAX_ARGS) throw new Error(`wasm threads: ${name} has ${a.length} arguments (max ${MAX_ARGS})`);
      const base = (SLOT_BYTES * w) / 4;
      this.args[w].set(a);
      i32[base + 1] = fn;
      i32[base + 2] = a.length;
      Atomics.store(i32, base, 1);
    }
    this.running = true;
    this.posted += parts.length - 1;
    Atomics.add(i32, 0, 1);
    Atomics.notify(i32, 0);
    let err: unknown = null;
    try {
      self(...parts[0]);
    } catch (e) {
      err = e;
    }
    // Work first: a part its worker has not picked up by the time this thread is done with its own (the worker is
    // asleep and not scheduled yet: on a loaded machine that takes milliseconds) is taken back and run here. The
    // compare-exchange decides who runs it (the worker's is 1 -> 2), and a part computes the same whichever thread runs
    // it, so results stay bitwise equal; the call is never slower than one thread plus the wake-up.
    for (let w = 1; w < parts.length; w++) {
      if (Atomics.compareExchange(i32, (SLOT_BYTES * w) / 4, 1, 0) !== 1) continue;
      this.stolen++;
      try {
        self(...parts[w]);
      } catch (e) {
        err ??= e;
      }
      Atomics.sub(i32, 1, 1);
    }
    const t0 = Date.now();
    for (;;) {
      const v = Atomics.load(i32, 1);
      if (v === 0) break;
      if (this.canBlock) Atomics.wait(i32, 1, v, 50);
      if (Date.now() - t0 > PICKUP_TIMEOUT_MS) {
        // a job nobody picked up: its worker is gone or starved (a running kernel may take as long as it needs). Take the
        // job back (the compare-exchange makes sure the worker cannot start it too), run it here, and stop using workers.
        for (let w = 1; w < parts.length; w++) {
          if (Atomics.compareExchange(i32, (SLOT_BYTES * w) / 4, 1, 0) !== 1) continue;
          const seen = Atomics.load(i32, (SLOT_BYTES * w) / 4 + 3);
          this.degrade(`worker ${w} did not pick up ${name} within ${PICKUP_TIMEOUT_MS / 1000} s (last generation it saw: ${seen} of ${Atomics.load(i32, 0)})${this.workerErrors.length ? `; ${this.workerErrors.join('; ')}` : ''}`);
          try {
            self(...parts[w]);
          } catch (e) {
            err ??= e;
          }
          if (Atomics.sub(i32, 1, 1) === 1) break;
        }
      }
    }
    this.running = false;
    if (err) throw err;
    if (Atomics.load(i32, 2) !== errorsBefore) throw new Error(`wasm threads: ${name} failed on a worker (its message is on the console)`);
  }

  /**
   * Why the pool stopped using its workers (a worker exited or never picked up a job), or null. From then on every
   * call's parts run on the calling thread (same results, one thread's speed); the backend's description says so.
   */
  degraded: string | null = null;

  private degrade(reason: string): void {
    if (this.degraded) return;
    this.degraded = reason;
    console.warn(`wasm threads: ${reason}: running on the calling thread from now on`);
    Atomics.store(this.i32, 3, 1);
    Atomics.add(this.i32, 0, 1);
    Atomics.notify(this.i32, 0);
  }

  /** Stop the workers (they leave their wait loop and exit). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.i32, 3, 1);
    Atomics.add(this.i32, 0, 1);
    Atomics.notify(this.i32, 0);
    for (const w of this.workers) w.terminate();
  }
}

/** The kernels the pool runs (their export names, in the pool's function-table order). */
export const POOL_KERNELS = ['matmul_part', 'attention_fwd', 'attention_bwd', 'nearest_code', 'softmax_rows', 'softmax_grad_rows', 'rmsnorm_rows', 'l2norm_rows', 'adamw'] as const;

/** Multiply-adds below which a call stays on one thread (default; `minWork` overrides it, e.g. 0 in tests). */
export const DEFAULT_MIN_WORK = 1 << 18;

/** Split `units` into `parts` contiguous ranges as equal as possible: [start, end) pairs. */
export function splitRange(units: number, parts: number): [number, number][] {
  const p = Math.max(1, Math.min(parts, units));
  const out: [number, number][] = [];
  for (let i = 0; i < p; i++) out.push([Math.floor((units * i) / p), Math.floor((units * (i + 1)) / p)]);
  return out;
}

export interface ThreadedHost {
  readonly pool: ThreadPool;
  /** A private scratch region of `floats` f32 for part `part` (part 0 uses the op's own scratch). */
  scratchFor(part: number, floats: number): number;
  /** Multiply-adds below which a call stays on one thread (default MIN_WORK; 0 splits everything, as tests do). */
  minWork?: number;
}

/** `base` with the heavy kernels split across `host.pool` (the rest unchanged). */
export function threadedKernels(base: WasmKernels, host: ThreadedHost): WasmKernels {
  const pool = host.pool;
  const T = pool.threads;
  const k: WasmKernels = { ...base };
  const F = 4; // bytes per element
  const MIN_WORK = host.minWork ?? DEFAULT_MIN_WORK;
  /** Run `count` units split over the threads; `args(r0, r1, part)` builds part arguments. */
  const rows = (name: keyof WasmKernels, count: number, args: (r0: number, r1: number, part: number) => number[]) => {
    const ranges = splitRange(count, T);
    const parts = ranges.map(([r0, r1], p) => args(r0, r1, p));
    pool.run(name, base[name] as (...a: number[]) => unknown, parts);
  };

  k.matmul = (A, B, C, M, N, K, batch, strideA, strideB, transA, transB, scratch) => {
    const work = batch * M * N * K;
    const rowBlocks = Math.ceil(M / 4);
    const colBlocks = Math.ceil(N / 8);
    if (work < MIN_WORK || T < 2 || (batch < 2 && rowBlocks < 2 && colBlocks < 2)) {
      base.matmul(A, B, C, M, N, K, batch, strideA, strideB, transA, transB, scratch);
      return;
    }
    let parts: number[][];
    const call = (b0: number, b1: number, r0: number, r1: number, c0: number, c1: number, p: number) => [
      A, B, C, M, N, K, strideA, strideB, transA, transB, p === 0 ? scratch : host.scratchFor(p, base.matmul_scratch(c1 - c0)), b0, b1, r0, r1, c0, c1,
    ];
    if (batch >= T) parts = splitRange(batch, T).map(([b0, b1], p) => call(b0, b1, 0, M, 0, N, p));
    else if (rowBlocks >= colBlocks) parts = splitRange(rowBlocks, T).map(([r0, r1], p) => call(0, batch, r0 * 4, Math.min(M, r1 * 4), 0, N, p));
    else parts = splitRange(colBlocks, T).map(([c0, c1], p) => call(0, batch, 0, M, c0 * 8, Math.min(N, c1 * 8), p));
    pool.run('matmul_part', base.matmul_part as (...a: number[]) => unknown, parts);
  };

  // the bias Bi is indexed b*sB + h*sH + i*sQ + j*sK (sB = 0 when it broadcasts over the batch): batch b0 starts at b0*sB
  k.attention_fwd = (Q, K, V, M, Bi, sB, sH, sQ, sK, O, LSE, B, Tq, Tk, H, dh, causal, scale, scratch) => {
    const E = H * dh;
    if (T < 2 || B < 2 || B * Tq * Tk * E < MIN_WORK) {
      base.attention_fwd(Q, K, V, M, Bi, sB, sH, sQ, sK, O, LSE, B, Tq, Tk, H, dh, causal, scale, scratch);
      return;
    }
    rows('attention_fwd', B, (b0, b1, p) => [
      Q + b0 * Tq * E * F, K + b0 * Tk * E * F, V + b0 * Tk * E * F, M ? M + b0 * Tk * F : 0, Bi ? Bi + b0 * sB * F : 0, sB, sH, sQ, sK,
      O + b0 * Tq * E * F, LSE + b0 * H * Tq * F, b1 - b0, Tq, Tk, H, dh, causal, scale, p === 0 ? scratch : host.scratchFor(p, base.attention_scratch(Tq, Tk, dh)),
    ]);
  };

  k.attention_bwd = (Q, K, V, LSE, G, M, Bi, sB, sH, sQ, sK, dQ, dK, dV, dS, B, Tq, Tk, H, dh, causal, scale, scratch) => {
    const E = H * dh;
    if (T < 2 || B < 2 || B * Tq * Tk * E < MIN_WORK) {
      base.attention_bwd(Q, K, V, LSE, G, M, Bi, sB, sH, sQ, sK, dQ, dK, dV, dS, B, Tq, Tk, H, dh, causal, scale, scratch);
      return;
    }
    rows('attention_bwd', B, (b0, b1, p) => [
      Q + b0 * Tq * E * F, K + b0 * Tk * E * F, V + b0 * Tk * E * F, LSE + b0 * H * Tq * F, G + b0 * Tq * E * F, M ? M + b0 * Tk * F : 0,
      Bi ? Bi + b0 * sB * F : 0, sB, sH, sQ, sK, dQ + b0 * Tq * E * F, dK + b0 * Tk * E * F, dV + b0 * Tk * E * F, dS ? dS + b0 * H * Tq * Tk * F : 0,
      b1 - b0, Tq, Tk, H, dh, causal, scale, p === 0 ? scratch : host.scratchFor(p, base.attention_scratch(Tq, Tk, dh)),
    ]);
  };

  k.nearest_code = (X, E, INDEX, DIST, N, K, d) => {
    if (T < 2 || N < 2 || N * K * d < MIN_WORK) {
      base.nearest_code(X, E, INDEX, DIST, N, K, d);
      return;
    }
    rows('nearest_code', N, (r0, r1) => [X + r0 * d * F, E, INDEX + r0 * F, DIST + r0 * F, r1 - r0, K, d]);
  };

  // Row kernels: memory-bound, so only large tensors are split (4x the matmul threshold in elements).
  const bigRows = (rowsN: number, cols: number) => T >= 2 && rowsN >= 2 && rowsN * cols >= 4 * MIN_WORK;
  k.softmax_rows = (X, Y, R, C, log) => {
    if (!bigRows(R, C)) return base.softmax_rows(X, Y, R, C, log);
    rows('softmax_rows', R, (r0, r1) => [X + r0 * C * F, Y + r0 * C * F, r1 - r0, C, log]);
  };
  k.softmax_grad_rows = (Y, G, DX, R, C, log) => {
    if (!bigRows(R, C)) return base.softmax_grad_rows(Y, G, DX, R, C, log);
    rows('softmax_grad_rows', R, (r0, r1) => [Y + r0 * C * F, G + r0 * C * F, DX + r0 * C * F, r1 - r0, C, log]);
  };
  k.rmsnorm_rows = (X, W, Y, R, D, eps) => {
    if (!bigRows(R, D)) return base.rmsnorm_rows(X, W, Y, R, D, eps);
    rows('rmsnorm_rows', R, (r0, r1) => [X + r0 * D * F, W, Y + r0 * D * F, r1 - r0, D, eps]);
  };
  k.l2norm_rows = (X, Y, R, D, eps) => {
    if (!bigRows(R, D)) return base.l2norm_rows(X, Y, R, D, eps);
    rows('l2norm_rows', R, (r0, r1) => [X + r0 * D * F, Y + r0 * D * F, r1 - r0, D, eps]);
  };
  k.adamw = (P, G, Mm, Vv, n, gscale, decay, b1, b2, stepSize, bc2sqrt, eps) => {
    if (T < 2 || n < 4 * MIN_WORK) return base.adamw(P, G, Mm, Vv, n, gscale, decay, b1, b2, stepSize, bc2sqrt, eps);
    // chunks of whole 4-lane groups: every element takes the same (SIMD or tail) path as on one thread
    const groups = Math.ceil(n / 4);
    rows('adamw', groups, (g0, g1) => {
      const o = g0 * 4 * F;
      return [P + o, G + o, Mm + o, Vv + o, Math.min(n, g1 * 4) - g0 * 4, gscale, decay, b1, b2, stepSize, bc2sqrt, eps];
    });
  };
  return k;
}
