// The CPU reference backend: storage is a plain typed array; every op's `cpu` function runs on it.
import type { Backend, CpuArray, DType, Storage } from './backend';
import { newCpuArray } from './backend';
import type { OpDef, OpMetas } from './op';

export class CpuStorage implements Storage {
  /** For views (flat arenas): the owning storage, counted while views exist. */
  viewCount = 0;
  rootReleased = false;
  constructor(
    public readonly data: CpuArray,
    public readonly root: CpuStorage | null = null,
  ) {}
  get size() {
    return this.data.length;
  }
  get dtype(): DType {
    return this.data instanceof Float32Array ? 'f32' : 'i32';
  }
}

export class CpuBackend implements Backend {
  readonly kind = 'cpu' as const;
  private live = 0;
  private liveBytes = 0;

  alloc(size: number, dtype: DType, data?: CpuArray): CpuStorage {
    const arr = newCpuArray(dtype, size);
    if (data) arr.set(data as never);
    this.live++;
    this.liveBytes += size * 4;
    if (this.liveBytes > this.peak) this.peak = this.liveBytes;
    return new CpuStorage(arr);
  }
  readonly viewAlign = 1;
  private peak = 0;
  release(s: Storage): void {
    const c = s as CpuStorage;
    if (c.root) {
      if (--c.root.viewCount === 0 && c.root.rootReleased) this.free(c.root);
      return;
    }
    if (c.viewCount > 0) {
      c.rootReleased = true;
      return;
    }
    this.free(c);
  }
  private free(s: CpuStorage): void {
    this.live--;
    this.liveBytes -= s.size * 4;
  }
  view(root: Storage, offset: number, size: number): CpuStorage {
    const r = root as CpuStorage;
    if (r.root) throw new Error('view: views of views are not supported (pass the root storage)');
    if (offset < 0 || offset + size > r.size) throw new Error(`view: [${offset}, +${size}) is outside a storage of ${r.size} elements`);
    r.viewCount++;
    return new CpuStorage(r.data.subarray(offset, offset + size), r);
  }
  copy(src: Storage, dst: Storage, elements = Math.min(src.size, dst.size), srcOffset = 0, dstOffset = 0): void {
    if (srcOffset + elements > src.size || dstOffset + elements > dst.size) throw new Error(`copy: ${elements} elements do not fit (source ${src.size} from ${srcOffset}, destination ${dst.size} from ${dstOffset})`);
    (dst as CpuStorage).data.set((src as CpuStorage).data.subarray(srcOffset, srcOffset + elements) as never, dstOffset);
  }
  resetPeak(): number {
    const p = this.peak;
    this.peak = this.liveBytes;
    return p;
  }
  async read(s: Storage): Promise<CpuArray> {
    return (s as CpuStorage).data.slice();
  }
  readSync(s: Storage): CpuArray {
    return (s as CpuStorage).data;
  }
  write(s: Storage, data: CpuArray): void {
    (s as CpuStorage).data.set(data as never);
  }
  execute<A>(def: OpDef<A>, inputs: Storage[], outputs: Storage[], attrs: A, metas: OpMetas): void {
    def.cpu(inputs.map((s) => this.readSync(s)), outputs.map((s) => this.readSync(s)), attrs, metas);
  }
  async sync(): Promise<void> {}
  describe(): string {
    return 'cpu (TypeScript reference, Float32Array)';
  }
  stats() {
    return { liveBuffers: this.live, liveBytes: this.liveBytes, pooledBuffers: 0, pooledBytes: 0, peakLiveBytes: this.peak };
  }
}
