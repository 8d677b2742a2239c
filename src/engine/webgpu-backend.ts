// WebGPU backend: pooled GPU buffers, a pipeline cache, and `run()` which dispatches one WGSL kernel.
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
  ) {}
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

function bucketBytes(bytes: number): number {
  // Round up so buffers are reusable across nearby sizes: multiples of 256 B below 64 KiB,
  // then 1/8-power-of-two steps (≤ 12.5% waste).
  const b = Math.max(16, bytes);
  if (b <= 65536) return Math.ceil(b / 256) * 256;
  const p = 2 ** Math.floor(Math.log2(b));
  const step = p / 8;
  return Math.ceil(b / step) * step;
}

export class WebGPUBackend implements Backend {
  readonly kind = 'webgpu' as const;
  readonly device: GPUDevice;
  readonly info: GpuInfo;
  private pool = new Map<number, GPUBuffer[]>();
  private pipelines = new Map<string, GPUComputePipeline>();
  private live = 0;
  private liveBytes = 0;
  private pooledBytes = 0;
  private pooledCount = 0;
  private uniformPool: GPUBuffer[] = [];
  /** Number of kernel dispatches so far (for benchmarks and tests). */
  dispatches = 0;
  isLost = false;

  constructor(ctx: GpuContext) {
    this.device = ctx.device;
    this.info = ctx.info;
    ctx.lost.then(() => {
      this.isLost = true;
    });
  }

  alloc(size: number, dtype: DType, data?: CpuArray): GpuStorage {
    const bytes = bucketBytes(size * 4);
    const maxBinding = this.info.limits.maxStorageBufferBindingSize ?? 134217728;
    if (bytes > maxBinding) {
      throw new Error(
        `tensor of ${size} elements (${(bytes / 2 ** 20).toFixed(1)} MiB) exceeds this adapter's maxStorageBufferBindingSize ` +
          `(${(maxBinding / 2 ** 20).toFixed(0)} MiB): reduce the batch or model size`,
      );
    }
    const list = this.pool.get(bytes);
    let buffer = list?.pop();
    if (buffer) {
      this.pooledBytes -= bytes;
      this.pooledCount--;
    } else {
      buffer = this.device.createBuffer({
        size: bytes,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
    }
    this.live++;
    this.liveBytes += bytes;
    const s = new GpuStorage(buffer, size, dtype);
    if (data) this.write(s, data);
    return s;
  }

  release(s: Storage): void {
    const g = s as GpuStorage;
    const bytes = g.buffer.size;
    this.live--;
    this.liveBytes -= bytes;
    let list = this.pool.get(bytes);
    if (!list) this.pool.set(bytes, (list = []));
    list.push(g.buffer);
    this.pooledBytes += bytes;
    this.pooledCount++;
  }

  /** Free pooled (unused) buffers, e.g. after a training run. */
  trim(): void {
    for (const list of this.pool.values()) for (const b of list) b.destroy();
    this.pool.clear();
    this.pooledBytes = 0;
    this.pooledCount = 0;
  }

  write(s: Storage, data: CpuArray): void {
    const g = s as GpuStorage;
    const n = Math.min(data.length, g.size);
    this.device.queue.writeBuffer(g.buffer, 0, data.buffer, data.byteOffset, n * 4);
  }

  async read(s: Storage): Promise<CpuArray> {
    const g = s as GpuStorage;
    const bytes = Math.max(4, g.size * 4);
    const staging = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(g.buffer, 0, staging, 0, bytes);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const copy = staging.getMappedRange().slice(0);
    staging.unmap();
    staging.destroy();
    const out = g.dtype === 'f32' ? new Float32Array(copy) : new Int32Array(copy);
    return out.subarray(0, g.size);
  }

  async sync(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
  }

  execute<A>(def: OpDef<A>, inputs: Storage[], outputs: Storage[], attrs: A, metas: OpMetas): void {
    def.webgpu(this, inputs, outputs, attrs, metas);
  }

  describe(): string {
    return `webgpu (${this.info.host}: ${[this.info.vendor, this.info.architecture, this.info.description].filter(Boolean).join(' / ') || 'unknown'})`;
  }

  stats() {
    return { liveBuffers: this.live, liveBytes: this.liveBytes, pooledBuffers: this.pooledCount, pooledBytes: this.pooledBytes };
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

  private uniformBuffer(params: Param[]): GPUBuffer {
    const words = Math.max(4, Math.ceil(params.length / 4) * 4);
    const ab = new ArrayBuffer(words * 4);
    const u = new Uint32Array(ab);
    const f = new Float32Array(ab);
    const i = new Int32Array(ab);
    params.forEach((v, k) => {
      if (typeof v === 'number') u[k] = v >>> 0;
      else if ('f32' in v) f[k] = v.f32;
      else i[k] = v.i32;
    });
    const size = words * 4;
    const idx = this.uniformPool.findIndex((b) => b.size === size);
    const buf =
      idx >= 0
        ? this.uniformPool.splice(idx, 1)[0]
        : this.device.createBuffer({ size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(buf, 0, ab);
    return buf;
  }

  /**
   * Dispatch one kernel. Each dispatch is its own submit: queue order then guarantees that uniform
   * and data writes (queue.writeBuffer) land before the work that reads them and after earlier work,
   * so pooled buffers can be reused immediately. Batching several dispatches per submit is a later
   * optimisation that must keep this ordering guarantee.
   */
  run(spec: KernelSpec, buffers: Storage[], params: Param[] | null, workgroups: [number, number?, number?]): void {
    if (this.isLost) throw new Error('the GPU device was lost: reconnect (reload the device) and resume from the last checkpoint');
    const maxWg = this.info.limits.maxComputeWorkgroupsPerDimension ?? 65535;
    const [x, y = 1, z = 1] = workgroups;
    if (x > maxWg || y > maxWg || z > maxWg) {
      throw new Error(`${spec.key}: dispatch (${x},${y},${z}) exceeds maxComputeWorkgroupsPerDimension=${maxWg}`);
    }
    if (x === 0 || y === 0 || z === 0) return;
    const pipe = this.pipeline(spec);
    const entries: GPUBindGroupEntry[] = [];
    let ubuf: GPUBuffer | null = null;
    if (params) {
      ubuf = this.uniformBuffer(params);
      entries.push({ binding: 0, resource: { buffer: ubuf } });
    }
    buffers.forEach((b, k) => entries.push({ binding: k + 1, resource: { buffer: (b as GpuStorage).buffer } }));
    const bg = this.device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries });
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipe);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
    this.device.queue.submit([enc.finish()]);
    this.dispatches++;
    if (ubuf) {
      // the uniform buffer can be rewritten by a later queue.writeBuffer: queue order protects this dispatch.
      this.uniformPool.push(ubuf);
    }
  }

  /** Run `fn` and reject if it produced a WebGPU validation or out-of-memory error (used by tests). */
  async checked<T>(fn: () => T): Promise<T> {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    const r = fn();
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
