// WebGPU backend: pooled GPU buffers, a pipeline cache, and `run()` which records one WGSL kernel dispatch into
// the pending batch (one command encoder, submitted at readbacks, sync(), and size thresholds; see docs/engine.md).
//
// Kernel binding convention (every file in kernels/ follows it):
//   @group(0) @binding(0) var<uniform> p: Params;        // only when the op passes `params`
//   @group(0) @binding(1..n) var<storage, ...> ...;      // inputs first, then outputs, in the order given
// Without params the storage bindings still start at 1, so one convention covers every kernel.
import type { Backend, CpuArray, DType, Storage } from './backend';
import type { GpuContext, GpuInfo } from './device';
import type { OpDef, OpMetas } from './op';

export class GpuStorage implements Storage {
  constructor(
    public readonly buffer: GPUBuffer,
    public readonly size: number,
    public readonly dtype: DType,
    /** Byte offset into `buffer` (views into a flat arena, e.g. the optimizer's parameter buffer); 0 for pooled buffers. */
    public readonly offset = 0,
    /** For views: the storage owning the buffer (kept allocated while views exist). */
    public readonly root: GpuStorage | null = null,
    /**
     * What this storage binds, as a number (the bind-group cache's key; no string is built per dispatch): the pooled
     * buffer's id for a root storage, the id of (buffer, offset, bindBytes) for a view. Equal ids bind identically.
     */
    public readonly bindId = 0,
    /** Bytes of the pooled buffer (its bucket; reading `buffer.size` would cross into the native binding). */
    public readonly bufferBytes = 0,
  ) {}
  /** Views alive on this (root) storage, and whether the root itself was released (pooled once no view is left). */
  viewCount = 0;
  rootReleased = false;
  /** Bytes this storage may bind: its elements rounded up to 4 bytes (at least 4). */
  get bindBytes(): number {
    return Math.max(4, this.size * 4);
  }
}

/** A uniform value: plain numbers are u32; wrap floats and signed ints. */
export type Param = number | { f32: number } | { i32: number };
export const f32 = (v: number): Param => ({ f32: v });
export const i32 = (v: number): Param => ({ i32: v });

export interface KernelSpec {
  /** Unique cache key: file + variant + constants. */
  key: string;
  code: string;
  entry?: string;
}

/** A bind-group trie node: one level per key (uniform slot, then each binding's bindId); leaves are bind groups. */
type BindTrie = Map<number, BindTrie | GPUBindGroup>;

interface KernelEntry {
  pipe: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  /** The uniform is bound at a dynamic offset into the ring (explicit layout); false: layout 'auto', static offsets. */
  dynamic: boolean;
  /** The bindings every call provides (checked: the layout and the bind-group trie's depth depend on them). */
  nBuffers: number;
  hasParams: boolean;
  /** This kernel's cached bind groups, valid while `gen` equals the backend's `bindGen`. */
  bindGroups: BindTrie;
  gen: number;
}

export function bucketBytes(bytes: number): number {
  // Round up so buffers are reusable across nearby sizes: multiples of 256 B below 64 KiB,
  // then 1/8-power-of-two steps (≤ 12.5% waste).
  const b = Math.max(16, bytes);
  if (b <= 65536) return Math.ceil(b / 256) * 256;
  const p = 2 ** Math.floor(Math.log2(b));
  const step = p / 8;
  return Math.ceil(b / step) * step;
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

export interface WebGPUBackendOptions {
  /**
   * Record dispatches into one command encoder and submit at sync points (default true). `false` submits every
   * dispatch on its own (the pre-batching behaviour, kept for comparisons and debugging).
   */
  batching?: boolean;
  /** Submit when this many dispatches are pending (default 1024). */
  maxBatchDispatches?: number;
  /** Staging bytes for uploads recorded into a pending batch (default 4 MiB); larger uploads flush first. */
  uploadStagingBytes?: number;
  /**
   * Pool budget floor in bytes (default 32 MiB). After each submit the pool is trimmed (least recently used size
   * buckets first) to max(floor, high-water live bytes − live bytes now); `Infinity` turns automatic trimming off.
   */
  poolFloorBytes?: number;
}

export interface WebGPUStats {
  liveBuffers: number;
  liveBytes: number;
  pooledBuffers: number;
  pooledBytes: number;
  /** Highest liveBytes since the backend was created or `resetPeak()` was called. */
  peakLiveBytes: number;
  /** Highest liveBytes over the backend's lifetime (drives the pool budget). */
  highWaterLiveBytes: number;
  dispatches: number;
  /** queue.submit calls (dispatch batches, readbacks). */
  submits: number;
  /** Buffers destroyed by trimming so far. */
  trimmedBuffers: number;
}

export class WebGPUBackend implements Backend {
  readonly kind = 'webgpu' as const;
  readonly device: GPUDevice;
  readonly info: GpuInfo;
  /**
   * Pooled buffers by bucket size, with their bind ids (`ids[i]` belongs to `bufs[i]`, sorted descending: `alloc` takes
   * the lowest id); `lastUse` orders buckets for trimming (least recently used first).
   */
  private pool = new Map<number, { bufs: GPUBuffer[]; ids: number[]; lastUse: number }>();
  private useClock = 0;
  private pipelines = new Map<string, GPUComputePipeline>();
  /** Per kernel key: explicit layout info (binding types parsed from the WGSL) so the uniform can use a dynamic offset. */
  private kernels = new Map<string, KernelEntry>();
  /**
   * Bind groups are cached per kernel in a trie keyed by numbers (uniform slot, then each binding's `bindId`; see
   * `run`): training and decoding loops bind the same pooled buffers step after step. Clearing the cache (buffers
   * destroyed, ring replaced) bumps `bindGen`; a kernel's trie is dropped when its generation is stale.
   */
  private bindGen = 0;
  private bindGroupCount = 0;
  /** Bind ids: pooled buffers and views ((buffer, offset, bytes) → id, assigned when the view is created). */
  private nextBindId = 1;
  private viewIds = new Map<string, number>();
  /**
   * `setBindGroup`'s dynamic offset, one array reused (no per-dispatch allocation). A plain array: Dawn's Node binding
   * takes the (Uint32Array, start, length) overload ~3× slower (1.3 vs 3.9 µs per call measured).
   */
  private readonly dynOffset = [0];
  /** The pipeline last set in the open pass (a repeated kernel skips `setPipeline`). */
  private passPipe: GPUComputePipeline | null = null;
  /** Bind-group cache hits and misses (host cost: a miss is a createBindGroup call). */
  bindGroupHits = 0;
  bindGroupMisses = 0;
  private live = 0;
  private liveBytes = 0;
  private pooledBytes = 0;
  private pooledCount = 0;
  private peakLive = 0;
  private highWater = 0;
  private trimmed = 0;
  /** Number of kernel dispatches so far (for benchmarks and tests). */
  dispatches = 0;
  /** Number of queue submits so far. */
  submits = 0;
  isLost = false;

  batching: boolean;
  maxBatchDispatches: number;
  poolFloorBytes: number;

  // ---- the pending batch: one command encoder, an open compute pass, a uniform ring and an upload staging area
  private enc: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pending = 0;
  private readonly uAlign: number;
  private uCap: number;
  private uRing: GPUBuffer;
  private uData: ArrayBuffer;
  private uU32: Uint32Array;
  private uF32: Float32Array;
  private uI32: Int32Array;
  private uUsed = 0;
  private readonly upCap: number;
  private upBuf: GPUBuffer | null = null;
  private upData: Uint8Array | null = null;
  private upUsed = 0;

  constructor(ctx: GpuContext, opts: WebGPUBackendOptions = {}) {
    this.device = ctx.device;
    this.info = ctx.info;
    ctx.lost.then(() => {
      this.isLost = true;
    });
    this.batching = opts.batching ?? true;
    this.maxBatchDispatches = opts.maxBatchDispatches ?? 1024;
    this.poolFloorBytes = opts.poolFloorBytes ?? 32 * 2 ** 20;
    this.upCap = opts.uploadStagingBytes ?? 4 * 2 ** 20;
    this.uAlign = this.device.limits?.minUniformBufferOffsetAlignment ?? 256;
    this.uCap = 0;
    this.uRing = null as unknown as GPUBuffer;
    this.uData = new ArrayBuffer(0);
    this.uU32 = new Uint32Array(0);
    this.uF32 = new Float32Array(0);
    this.uI32 = new Int32Array(0);
    this.growRing(alignUp(Math.max(64, this.maxBatchDispatches) * this.uAlign, 4));
  }

  private growRing(bytes: number): void {
    const old = this.uRing;
    if (old) void this.device.queue.onSubmittedWorkDone().then(() => old.destroy()); // submitted work may still read it
    this.clearBindGroups();
    this.uCap = bytes;
    this.uRing = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'uniform ring' });
    this.uData = new ArrayBuffer(bytes);
    this.uU32 = new Uint32Array(this.uData);
    this.uF32 = new Float32Array(this.uData);
    this.uI32 = new Int32Array(this.uData);
  }

  // ------------------------------------------------------------------ memory

  alloc(size: number, dtype: DType, data?: CpuArray): GpuStorage {
    const bytes = bucketBytes(size * 4);
    const maxBinding = this.info.limits.maxStorageBufferBindingSize ?? 134217728;
    if (bytes > maxBinding) {
      throw new Error(
        `tensor of ${size} elements (${(bytes / 2 ** 20).toFixed(1)} MiB) exceeds this adapter's maxStorageBufferBindingSize ` +
          `(${(maxBinding / 2 ** 20).toFixed(0)} MiB): reduce the batch or model size`,
      );
    }
    const entry = this.pool.get(bytes);
    let buffer: GPUBuffer;
    let id: number;
    if (entry && entry.bufs.length) {
      buffer = entry.bufs.pop()!;
      id = entry.ids.pop()!;
      entry.lastUse = ++this.useClock;
      this.pooledBytes -= bytes;
      this.pooledCount--;
    } else {
      buffer = this.createStorageBuffer(bytes);
      id = this.nextBindId++;
    }
    this.live++;
    this.liveBytes += bytes;
    if (this.liveBytes > this.peakLive) this.peakLive = this.liveBytes;
    if (this.liveBytes > this.highWater) this.highWater = this.liveBytes;
    const s = new GpuStorage(buffer, size, dtype, 0, null, id, bytes);
    if (data) this.write(s, data);
    return s;
  }

  private createStorageBuffer(bytes: number, label?: string): GPUBuffer {
    return this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label });
  }

  /**
   * Back to the pool. Reuse is stream-ordered: a later dispatch that overwrites the buffer is recorded after every
   * dispatch that read it (same encoder, or a later submit), and uploads into a batch are staged copies recorded in
   * order, so the buffer can be handed out again at once. Destruction (trimming) waits for the GPU (see `trim`).
   */
  release(s: Storage): void {
    const g = s as GpuStorage;
    if (g.root) {
      const r = g.root;
      if (--r.viewCount === 0 && r.rootReleased) this.poolBuffer(r);
      return;
    }
    if (g.viewCount > 0) {
      g.rootReleased = true;
      return;
    }
    this.poolBuffer(g);
  }

  get viewAlign(): number {
    return (this.device.limits?.minStorageBufferOffsetAlignment ?? 256) / 4;
  }

  view(root: Storage, offset: number, size: number): GpuStorage {
    const r = root as GpuStorage;
    if (r.root) throw new Error('view: views of views are not supported (pass the root storage)');
    if (offset % this.viewAlign !== 0) throw new Error(`view: offset ${offset} is not a multiple of ${this.viewAlign} elements (minStorageBufferOffsetAlignment)`);
    if (offset < 0 || offset + size > r.size) throw new Error(`view: [${offset}, +${size}) is outside a storage of ${r.size} elements`);
    r.viewCount++;
    const bindBytes = Math.max(4, size * 4);
    const key = `${r.bindId}@${offset * 4}+${bindBytes}`;
    let id = this.viewIds.get(key);
    if (id === undefined) this.viewIds.set(key, (id = this.nextBindId++));
    return new GpuStorage(r.buffer, size, r.dtype, offset * 4, r, id, r.bufferBytes);
  }

  private poolBuffer(g: GpuStorage): void {
    const bytes = g.bufferBytes;
    this.live--;
    this.liveBytes -= bytes;
    let entry = this.pool.get(bytes);
    if (!entry) this.pool.set(bytes, (entry = { bufs: [], ids: [], lastUse: 0 }));
    // kept sorted by bind id, descending, so `alloc` pops the lowest id: which buffer a tensor gets depends only on the
    // set of free buffers, not on the order they were released in. A training or decoding step then gets the same
    // buffers every time and finds its bind groups in the cache (LIFO order would permute them from step to step).
    const ids = entry.ids;
    const id = g.bindId;
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid] > id) lo = mid + 1;
      else hi = mid;
    }
    if (lo === ids.length) {
      ids.push(id);
      entry.bufs.push(g.buffer);
    } else {
      ids.splice(lo, 0, id);
      entry.bufs.splice(lo, 0, g.buffer);
    }
    entry.lastUse = ++this.useClock;
    this.pooledBytes += bytes;
    this.pooledCount++;
  }

  /**
   * Free pooled buffers down to `keepBytes` (default 0: all of them), least recently used size buckets first.
   * Pending work is submitted first and the buffers are destroyed once the GPU has finished every submitted command
   * that may still use them. Returns the bytes freed.
   */
  trim(keepBytes = 0): number {
    this.flush();
    return this.evict(keepBytes);
  }

  private evict(keepBytes: number): number {
    if (this.pooledBytes <= keepBytes) return 0;
    const doomed: GPUBuffer[] = [];
    let freed = 0;
    const order = [...this.pool.entries()].sort((a, b) => a[1].lastUse - b[1].lastUse);
    for (const [bytes, entry] of order) {
      while (entry.bufs.length && this.pooledBytes > keepBytes) {
        doomed.push(entry.bufs.pop()!);
        entry.ids.pop();
        this.pooledBytes -= bytes;
        this.pooledCount--;
        freed += bytes;
      }
      if (!entry.bufs.length) this.pool.delete(bytes);
      if (this.pooledBytes <= keepBytes) break;
    }
    this.trimmed += doomed.length;
    if (doomed.length) this.clearBindGroups(); // they may reference the doomed buffers
    // deferred: a submitted (possibly still running) command buffer may reference these buffers
    void this.device.queue.onSubmittedWorkDone().then(() => doomed.forEach((b) => b.destroy()));
    return freed;
  }

  /** Restart the peak-live-bytes counter (e.g. at the start of a training step); returns the previous peak. */
  resetPeak(): number {
    const p = this.peakLive;
    this.peakLive = this.liveBytes;
    return p;
  }

  /**
   * Upload. With no pending batch this is `queue.writeBuffer` (queue order puts it after every earlier submit).
   * Inside a batch the data is staged and a copy is recorded in order, so the write cannot overtake pending dispatches
   * that still read the old contents of a reused buffer.
   */
  write(s: Storage, data: CpuArray): void {
    const g = s as GpuStorage;
    const n = Math.min(data.length, g.size);
    const bytes = n * 4;
    if (bytes === 0) return;
    if (this.enc && this.upUsed + bytes > this.upCap) this.flush();
    if (!this.enc) {
      this.device.queue.writeBuffer(g.buffer, g.offset, data.buffer, data.byteOffset, bytes);
      return;
    }
    if (!this.upBuf) {
      this.upBuf = this.device.createBuffer({ size: this.upCap, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: 'upload staging' });
      this.upData = new Uint8Array(this.upCap);
    }
    const off = this.upUsed;
    this.upData!.set(new Uint8Array(data.buffer, data.byteOffset, bytes), off);
    this.upUsed = alignUp(off + bytes, 256);
    this.endPass();
    this.enc.copyBufferToBuffer(this.upBuf, off, g.buffer, g.offset, bytes);
  }

  /** Record a buffer-to-buffer copy into the pending batch (arenas gather gradients with it; no dispatch). */
  copy(src: Storage, dst: Storage, elements = Math.min(src.size, dst.size), srcElem = 0, dstElem = 0): void {
    if (srcElem + elements > src.size || dstElem + elements > dst.size) throw new Error(`copy: ${elements} elements do not fit (source ${src.size} from ${srcElem}, destination ${dst.size} from ${dstElem})`);
    const a = src as GpuStorage;
    const b = dst as GpuStorage;
    if (elements <= 0) return;
    this.encoder();
    this.endPass();
    this.enc!.copyBufferToBuffer(a.buffer, a.offset + srcElem * 4, b.buffer, b.offset + dstElem * 4, elements * 4);
    if (!this.batching) this.flush();
  }

  async read(s: Storage): Promise<CpuArray> {
    const g = s as GpuStorage;
    const bytes = Math.max(4, g.size * 4);
    const staging = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.encoder();
    this.endPass();
    this.enc!.copyBufferToBuffer(g.buffer, g.offset, staging, 0, bytes);
    // readbacks started together (Promise.all over several tensors) share one submit: the flush runs in a microtask
    await this.flushSoon();
    await staging.mapAsync(GPUMapMode.READ);
    const copy = staging.getMappedRange().slice(0);
    staging.unmap();
    staging.destroy();
    const out = g.dtype === 'f32' ? new Float32Array(copy) : new Int32Array(copy);
    return out.subarray(0, g.size);
  }

  private flushPending: Promise<void> | null = null;
  /** Flush once the current synchronous code has run (coalesces readbacks issued together). */
  private flushSoon(): Promise<void> {
    this.flushPending ??= Promise.resolve().then(() => {
      this.flushPending = null;
      this.flush();
    });
    return this.flushPending;
  }

  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
  }

  execute<A>(def: OpDef<A>, inputs: Storage[], outputs: Storage[], attrs: A, metas: OpMetas): void {
    def.webgpu(this, inputs, outputs, attrs, metas);
  }

  describe(): string {
    return `webgpu (${this.info.host}: ${[this.info.vendor, this.info.architecture, this.info.description].filter(Boolean).join(' / ') || 'unknown'})`;
  }

  stats(): WebGPUStats {
    return {
      liveBuffers: this.live,
      liveBytes: this.liveBytes,
      pooledBuffers: this.pooledCount,
      pooledBytes: this.pooledBytes,
      peakLiveBytes: this.peakLive,
      highWaterLiveBytes: this.highWater,
      dispatches: this.dispatches,
      submits: this.submits,
      trimmedBuffers: this.trimmed,
    };
  }

  /**
   * The pipeline for `spec`, with an explicit bind-group layout for exactly the bindings this call provides (types
   * parsed from the WGSL declarations), the uniform at binding 0 with a dynamic offset into the uniform ring. Falls back
   * to layout 'auto' (static offsets, no bind-group reuse across batches) when the declarations cannot be parsed.
   */
  private kernelFor(spec: KernelSpec, nBuffers: number, hasParams: boolean): KernelEntry {
    let k = this.kernels.get(spec.key);
    if (k) {
      if (k.nBuffers !== nBuffers || k.hasParams !== hasParams) {
        throw new Error(`${spec.key}: called with ${nBuffers} buffers${hasParams ? ' and params' : ''}, first called with ${k.nBuffers}${k.hasParams ? ' and params' : ''} (one kernel key, one binding layout)`);
      }
      return k;
    }
    const types = new Map<number, string>();
    let ok = true;
    for (const m of spec.code.matchAll(/@binding\((\d+)\)\s*var<([^>]+)>/g)) {
      const b = Number(m[1]);
      const t = m[2].replace(/\s+/g, '');
      if (types.has(b) && types.get(b) !== t) ok = false;
      types.set(b, t);
    }
    const entries: GPUBindGroupLayoutEntry[] = [];
    if (hasParams) {
      if (types.get(0) !== 'uniform') ok = false;
      entries.push({ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } });
    }
    for (let b = 1; b <= nBuffers && ok; b++) {
      const t = types.get(b);
      if (t === 'storage,read') entries.push({ binding: b, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } });
      else if (t === 'storage,read_write') entries.push({ binding: b, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } });
      else ok = false;
    }
    if (ok) {
      const layout = this.device.createBindGroupLayout({ entries, label: spec.key });
      const module = this.device.createShaderModule({ code: spec.code, label: spec.key });
      const pipe = this.device.createComputePipeline({
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: spec.entry ?? 'main' },
        label: spec.key,
      });
      k = { pipe, layout, dynamic: true, nBuffers, hasParams, bindGroups: new Map(), gen: this.bindGen };
    } else {
      const pipe = this.pipeline(spec);
      k = { pipe, layout: pipe.getBindGroupLayout(0), dynamic: false, nBuffers, hasParams, bindGroups: new Map(), gen: this.bindGen };
    }
    this.kernels.set(spec.key, k);
    return k;
  }

  /**
   * The trie node holding `k`'s bind groups for this uniform slot key and every buffer but the last (levels created on
   * the way; the leaf key is the last buffer's bind id, or the slot key without buffers).
   */
  private bindNode(k: KernelEntry, slotKey: number, buffers: Storage[]): BindTrie {
    if (k.gen !== this.bindGen) {
      k.bindGroups = new Map();
      k.gen = this.bindGen;
    }
    let node = k.bindGroups;
    for (let j = 0; j < buffers.length; j++) {
      const key = j === 0 ? slotKey : (buffers[j - 1] as GpuStorage).bindId;
      let child = node.get(key) as BindTrie | undefined;
      if (!child) node.set(key, (child = new Map()));
      node = child;
    }
    return node;
  }

  /** Forget every cached bind group (they may reference destroyed buffers or the old uniform ring). */
  private clearBindGroups(): void {
    this.bindGen++;
    this.bindGroupCount = 0;
  }

  pipeline(spec: KernelSpec): GPUComputePipeline {
    let p = this.pipelines.get(spec.key);
    if (!p) {
      const module = this.device.createShaderModule({ code: spec.code, label: spec.key });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: spec.entry ?? 'main' }, label: spec.key });
      this.pipelines.set(spec.key, p);
    }
    return p;
  }

  // ------------------------------------------------------------------ batching

  private encoder(): GPUCommandEncoder {
    if (this.isLost) throw new Error('the GPU device was lost: reconnect (reload the device) and resume from the last checkpoint');
    this.enc ??= this.device.createCommandEncoder();
    return this.enc;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** Number of dispatches recorded but not yet submitted. */
  get pendingDispatches(): number {
    return this.pending;
  }

  /**
   * Submit the pending batch (no-op when nothing is pending): uniforms and staged uploads are written to the queue,
   * then the command buffer. Called at every readback, `sync()`, when a threshold is reached, and by `trim()`.
   */
  flush(): void {
    if (!this.enc) return;
    this.endPass();
    if (this.uUsed) this.device.queue.writeBuffer(this.uRing, 0, this.uData, 0, this.uUsed);
    if (this.upUsed) this.device.queue.writeBuffer(this.upBuf!, 0, this.upData!.buffer, 0, this.upUsed);
    const cb = this.enc.finish();
    this.enc = null;
    this.pending = 0;
    this.uUsed = 0;
    this.upUsed = 0;
    this.device.queue.submit([cb]);
    this.submits++;
    if (Number.isFinite(this.poolFloorBytes)) {
      const budget = Math.max(this.poolFloorBytes, this.highWater - this.liveBytes);
      if (this.pooledBytes > budget) this.evict(budget);
    }
  }

  /**
   * Pack uniform params into the next slot of the ring's CPU copy (written to the GPU once per submit, in `flush`);
   * returns the slot's byte size, its offset is left in `uSlot` (no object per dispatch).
   */
  private uniform(params: Param[]): number {
    const words = Math.max(4, (params.length + 3) & ~3);
    const size = words * 4;
    if (this.uUsed + size > this.uCap) {
      if (this.enc) this.flush();
      if (size > this.uCap) this.growRing(alignUp(size, this.uAlign));
    }
    const offset = this.uUsed;
    const w = offset >>> 2;
    const u32 = this.uU32;
    for (let k = params.length; k < words; k++) u32[w + k] = 0;
    for (let k = 0; k < params.length; k++) {
      const v = params[k];
      if (typeof v === 'number') u32[w + k] = v >>> 0;
      else if ('f32' in v) this.uF32[w + k] = v.f32;
      else this.uI32[w + k] = v.i32;
    }
    this.uUsed = alignUp(offset + size, this.uAlign);
    this.uSlot = offset;
    return size;
  }
  private uSlot = 0;

  /**
   * Record one kernel dispatch into the pending batch (see `flush` for when it is submitted). With `batching: false`
   * every dispatch is submitted at once.
   */
  run(spec: KernelSpec, buffers: Storage[], params: Param[] | null, workgroups: [number, number?, number?]): void {
    if (this.isLost) throw new Error('the GPU device was lost: reconnect (reload the device) and resume from the last checkpoint');
    const maxWg = this.info.limits.maxComputeWorkgroupsPerDimension ?? 65535;
    const x = workgroups[0];
    const y = workgroups[1] ?? 1;
    const z = workgroups[2] ?? 1;
    if (x > maxWg || y > maxWg || z > maxWg) {
      throw new Error(`${spec.key}: dispatch (${x},${y},${z}) exceeds maxComputeWorkgroupsPerDimension=${maxWg}`);
    }
    if (x === 0 || y === 0 || z === 0) return;
    const k = this.kernelFor(spec, buffers.length, !!params);
    // the uniform slot first: a full ring flushes, and this dispatch then starts the next batch
    const uSize = params ? this.uniform(params) : 0;
    const uOffset = this.uSlot;
    // the cached bind group: a trie walk on numbers (uniform slot, then the buffers' bind ids), no string key
    const slotKey = !params ? -1 : k.dynamic ? uSize : uOffset * 65537 + uSize;
    const n = buffers.length;
    const leafKey = n ? (buffers[n - 1] as GpuStorage).bindId : slotKey;
    let node = this.bindNode(k, slotKey, buffers);
    let bg = node.get(leafKey) as GPUBindGroup | undefined;
    if (bg) this.bindGroupHits++;
    else {
      this.bindGroupMisses++;
      const entries: GPUBindGroupEntry[] = [];
      if (params) entries.push({ binding: 0, resource: { buffer: this.uRing, offset: k.dynamic ? 0 : uOffset, size: uSize } });
      for (let j = 0; j < buffers.length; j++) {
        const b = buffers[j] as GpuStorage;
        entries.push({ binding: j + 1, resource: b.root ? { buffer: b.buffer, offset: b.offset, size: b.bindBytes } : { buffer: b.buffer } });
      }
      bg = this.device.createBindGroup({ layout: k.layout, entries });
      if (++this.bindGroupCount > 8192) {
        // a bounded cache: start over (this bind group becomes the first entry)
        this.clearBindGroups();
        node = this.bindNode(k, slotKey, buffers);
        this.bindGroupCount = 1;
      }
      node.set(leafKey, bg);
    }
    const enc = this.encoder();
    if (!this.pass) {
      this.pass = enc.beginComputePass();
      this.passPipe = null;
    }
    if (this.passPipe !== k.pipe) {
      this.pass.setPipeline(k.pipe);
      this.passPipe = k.pipe;
    }
    if (params && k.dynamic) {
      this.dynOffset[0] = uOffset;
      this.pass.setBindGroup(0, bg, this.dynOffset);
    } else this.pass.setBindGroup(0, bg);
    this.pass.dispatchWorkgroups(x, y, z);
    this.dispatches++;
    this.pending++;
    if (!this.batching || this.pending >= this.maxBatchDispatches) this.flush();
  }

  /** Run `fn` and reject if it produced a WebGPU validation or out-of-memory error (used by tests). */
  async checked<T>(fn: () => T): Promise<T> {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    let r: T;
    try {
      r = fn();
    } finally {
      // encoding errors surface at finish/submit: submit inside the scopes
      this.flush();
    }
    const v = await this.device.popErrorScope();
    const m = await this.device.popErrorScope();
    if (v) throw new Error(`WebGPU validation error: ${v.message}`);
    if (m) throw new Error(`WebGPU out of memory: ${m.message}`);
    return r;
  }
}

/** Split a 1-D dispatch of `n` workgroups into (x, y) under the per-dimension limit. Kernels recompute the flat id. */
export function grid1d(n: number, maxPerDim = 65535): [number, number] {
  if (n <= maxPerDim) return [Math.max(1, n), 1];
  const y = Math.ceil(n / maxPerDim);
  return [Math.ceil(n / y), y];
}
