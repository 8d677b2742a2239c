// The CPU reference backend: storage is a plain typed array; every op's `cpu` function runs on it.
import type { Backend, CpuArray, DType, Storage } from './backend';
import { newCpuArray } from './backend';
import type { OpDef, OpMetas } from './op';

export class CpuStorage implements Storage {
  constructor(public readonly data: CpuArray) {}
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
    return new CpuStorage(arr);
  }
  release(s: Storage): void {
    this.live--;
    this.liveBytes -= s.size * 4;
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
    return { liveBuffers: this.live, liveBytes: this.liveBytes, pooledBuffers: 0, pooledBytes: 0 };
  }
}
