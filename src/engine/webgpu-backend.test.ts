// Batched execution and the buffer pool: ordering of uploads vs pending dispatches, submit points, trimming.
import { describe, expect, it } from 'vitest';
import { testGpu, randn } from './testing';
import { WebGPUBackend, type GpuStorage } from './webgpu-backend';
import { setBackend, tensor, tidy, tidyAsync, type Tensor } from './tensor';
import { add, scale } from './ops/elementwise';
import { concat } from './ops/shape';
import { topk } from './ops/topk';
import { reshape } from './tensor';
import { kernel } from './ops/util';

async function fresh(opts: ConstructorParameters<typeof WebGPUBackend>[1] = {}): Promise<WebGPUBackend> {
  const g = await testGpu();
  const be = new WebGPUBackend({ device: g.device, info: g.info, lost: g.device.lost }, opts);
  setBackend(be);
  return be;
}

describe('batched WebGPU execution', () => {
  it('records many dispatches into one submit; the readback is the submit point', async () => {
    const be = await fresh();
    const s0 = be.submits;
    const out = await tidyAsync(async () => {
      let x = tensor(new Float32Array(1000).fill(1), [1000]);
      for (let i = 0; i < 50; i++) x = add(x, x); // 50 dispatches, each reading the previous output
      expect(be.pendingDispatches).toBe(50);
      expect(be.submits).toBe(s0);
      return x.data();
    });
    expect(be.submits - s0).toBe(1);
    expect(out[999]).toBe(2 ** 50);
  });

  it('an upload into a reused pooled buffer cannot overtake a pending dispatch that reads its old contents', async () => {
    const be = await fresh();
    const r = await tidyAsync(async () => {
      const a = tensor(new Float32Array(256).fill(3), [256]);
      const y = scale(a, 2); // pending: reads a
      const buf = a.storage;
      a.dispose(); // a's buffer goes back to the pool while the dispatch reading it is not yet submitted
      const b = tensor(new Float32Array(256).fill(100), [256]); // same bucket: reuses a's buffer, upload staged in order
      expect((b.storage as GpuStorage).buffer).toBe((buf as GpuStorage).buffer);
      return { y: await y.data(), b: await b.data() };
    });
    expect(r.y[0]).toBe(6); // an unordered queue.writeBuffer would make this 200
    expect(r.b[0]).toBe(100);
  });

  it('submits when the dispatch threshold is reached; unbatched mode submits every dispatch', async () => {
    const be = await fresh({ maxBatchDispatches: 8 });
    const s0 = be.submits;
    tidy(() => {
      let x = tensor(new Float32Array(64).fill(1), [64]);
      for (let i = 0; i < 20; i++) x = add(x, x);
    });
    expect(be.submits - s0).toBe(2);
    expect(be.pendingDispatches).toBe(4);
    await be.sync();
    expect(be.pendingDispatches).toBe(0);
    const u = await fresh({ batching: false });
    const u0 = u.submits;
    const v = await tidyAsync(async () => {
      let x = tensor(new Float32Array(64).fill(1), [64]);
      for (let i = 0; i < 10; i++) x = add(x, x);
      return x.data();
    });
    expect(u.submits - u0).toBe(11); // 10 dispatches + the readback
    expect(v[0]).toBe(1024);
  });

  it('a long decode with a concat-grown cache keeps pooled bytes bounded (trimmed), unlike an untrimmed pool', async () => {
    const run = async (be: WebGPUBackend) => {
      const D = 64, rows = 4, steps = 120;
      let cache: Tensor = tensor(randn(rows * D, 1), [rows, 1, D]).keep();
      let maxPooled = 0;
      for (let s = 0; s < steps; s++) {
        const next = tidy(() => concat([cache, tensor(randn(rows * D, 100 + s), [rows, 1, D])], 1).keep());
        cache.dispose();
        cache = next;
        // the decoder reads a little every step (top-k of the last position): the submit point
        await tidyAsync(async () => {
          const last = reshape(cache, [rows, -1]);
          const [vals] = topk(last, 4);
          await vals.data();
        });
        maxPooled = Math.max(maxPooled, be.stats().pooledBytes);
      }
      const st = be.stats();
      cache.dispose();
      return { maxPooled, live: st.liveBytes, highWater: st.highWaterLiveBytes, trimmed: st.trimmedBuffers };
    };
    const trimmed = await run(await fresh({ poolFloorBytes: 0 }));
    const untrimmed = await run(await fresh({ poolFloorBytes: Infinity }));
    // budget = high-water live bytes (minus live): here the cache at its largest plus one step's temporaries
    expect(trimmed.maxPooled).toBeLessThanOrEqual(trimmed.highWater);
    expect(trimmed.trimmed).toBeGreaterThan(0);
    expect(untrimmed.maxPooled).toBeGreaterThan(10 * trimmed.maxPooled);
  });

  it('trim() frees the pool after the GPU is done; work continues correctly afterwards', async () => {
    const be = await fresh();
    await tidyAsync(async () => {
      const x = tensor(new Float32Array(4096).fill(2), [4096]);
      await scale(x, 3).data();
    });
    expect(be.stats().pooledBytes).toBeGreaterThan(0);
    const freed = be.trim();
    expect(freed).toBeGreaterThan(0);
    expect(be.stats().pooledBytes).toBe(0);
    await be.sync();
    const y = await tidyAsync(async () => scale(tensor(new Float32Array(4096).fill(2), [4096]), 3).data());
    expect(y[4095]).toBe(6);
  });

  it('a repeated step reuses its bind groups (pooled buffers come back in a stable order)', async () => {
    const be = await fresh();
    const step = () =>
      tidyAsync(async () => {
        const a = tensor(new Float32Array(300).fill(1), [300]);
        const b = scale(add(a, a), 0.5);
        return (await add(b, a).data())[0];
      });
    for (let i = 0; i < 2; i++) await step();
    const m0 = be.bindGroupMisses;
    const h0 = be.bindGroupHits;
    for (let i = 0; i < 3; i++) expect(await step()).toBe(2);
    expect(be.bindGroupMisses - m0).toBe(0);
    expect(be.bindGroupHits - h0).toBe(9);
  });

  it('the pool hands out the lowest free bind id: which buffer a tensor gets does not depend on the release order', async () => {
    const be = await fresh();
    const ids = (ts: Tensor[]) => ts.map((t) => (t.storage as GpuStorage).bindId);
    const make = () => [0, 1, 2, 3].map(() => tensor(new Float32Array(500), [500]));
    const first = make();
    const order = ids(first);
    for (const i of [2, 0, 3, 1]) first[i].dispose(); // released out of order
    const again = make();
    expect(ids(again)).toEqual([...order].sort((a, b) => a - b));
    again.forEach((t) => t.dispose());
  });

  it('kernel(): one spec object per key; a key reused for another program is an error, as is another binding count', async () => {
    const a = kernel('test-kernel:unique', ['// a', '@compute @workgroup_size(1) fn main() {}'], { X: '1' });
    expect(kernel('test-kernel:unique', ['// a', '@compute @workgroup_size(1) fn main() {}'], { X: '1' })).toBe(a);
    expect(() => kernel('test-kernel:unique', ['// b', '@compute @workgroup_size(1) fn main() {}'], { X: '1' })).toThrow(/names two different WGSL programs/);
    expect(() => kernel('test-kernel:unique', ['// a', '@compute @workgroup_size(1) fn main() {}'], { X: '2' })).toThrow(/names two different WGSL programs/);
    expect(() => kernel('test-kernel:unique', ['// a', '@compute @workgroup_size(1) fn main() {}'], { X: '1' }, 'other')).toThrow(/names two different WGSL programs/);
    const be = await fresh();
    const copy1 = kernel('test-kernel:copy1', [
      '@group(0) @binding(1) var<storage, read> a: array<f32>;\n@group(0) @binding(2) var<storage, read_write> b: array<f32>;\n' +
        '@compute @workgroup_size(1) fn main() { b[0] = a[0]; }',
    ]);
    const got = await tidyAsync(async () => {
      const x = tensor([7], [1]);
      const y = tensor([0], [1]);
      be.run(copy1, [x.storage, y.storage], null, [1]);
      expect(() => be.run(copy1, [x.storage], null, [1])).toThrow(/called with 1 buffers, first called with 2/);
      return y.data();
    });
    expect(got[0]).toBe(7);
  });

  it('peak live bytes per step: resetPeak then a step reports its high-water mark', async () => {
    const be = await fresh();
    be.resetPeak();
    const base = be.stats().liveBytes;
    tidy(() => {
      const a = tensor(new Float32Array(1 << 16), [1 << 16]);
      add(a, a);
    });
    expect(be.stats().peakLiveBytes - base).toBe(2 * 4 * (1 << 16));
    expect(be.stats().liveBytes).toBe(base);
  });
});
