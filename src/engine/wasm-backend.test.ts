import { describe, expect, it } from 'vitest';
import { fallbacks, resetFallbacks } from './fallbacks';
import { autoRule, parseBackendChoice, selectBackend } from './select';
import { runOp, setBackend, tensor, tidyAsync } from './tensor';
import type { OpDef } from './op';
import { OPS } from './ops/index';
import { testWasm } from './testing';
import { topk } from './ops/topk';
import { transpose } from './ops/shape';
import { matmul } from './ops/matmul';
import { max, sum } from './ops/reduce';
import { grad } from './autograd';
import type { GpuInfo } from './device';
import { WasmBackend } from './wasm-backend';

const info = (over: Partial<GpuInfo>): GpuInfo => ({
  host: 'node-dawn', vendor: 'v', architecture: 'a', device: 'd', description: 'x', isSoftware: false,
  features: [], f16: false, timestampQuery: false, limits: {}, ...over,
});

/** A test op with a CPU reference only (no webgpu or wasm kernel of its own). */
const cpuOnlyDef: OpDef<Record<string, never>> = {
  name: 'testCpuOnly',
  outputs: ([x]) => [{ shape: [...x.shape], dtype: 'f32' }],
  cpu: ([x], [y]) => {
    for (let i = 0; i < y.length; i++) y[i] = 2 * x[i];
  },
  webgpu: () => {
    throw new Error('testCpuOnly: no webgpu kernel');
  },
  backward: 'nondiff',
};

describe('wasm backend', () => {
  it('storage: round trip, 64-byte alignment, pooled reuse, growth past the initial memory', async () => {
    const be = await testWasm();
    const a = be.alloc(5, 'f32', new Float32Array([1, 2, 3, 4, 5]));
    expect(a.ptr % 64).toBe(0);
    expect(Array.from(await be.read(a))).toEqual([1, 2, 3, 4, 5]);
    const i = be.alloc(3, 'i32', new Int32Array([-1, 7, 9]));
    expect(Array.from(await be.read(i))).toEqual([-1, 7, 9]);
    const live = be.stats().liveBuffers;
    be.release(a);
    const b = be.alloc(4, 'f32');
    expect(b.ptr).toBe(a.ptr); // same bucket: reused
    expect(be.stats().liveBuffers).toBe(live);
    const bytes = be.memory.buffer.byteLength;
    const big = be.alloc(bytes / 4 + 1000, 'f32');
    expect(be.memory.buffer.byteLength).toBeGreaterThan(bytes);
    be.arr(big)[big.size - 1] = 3;
    expect((await be.read(big))[big.size - 1]).toBe(3);
    expect(Array.from(await be.read(i))).toEqual([-1, 7, 9]); // earlier storages survive the grow
    for (const s of [b, i, big]) be.release(s);
  });

  it('an op with a wasm kernel is not a fallback; one without runs the CPU reference and is recorded', async () => {
    const be = await testWasm();
    setBackend(be);
    resetFallbacks();
    await tidyAsync(async () => {
      const x = tensor([1, 2, 3, 4], [2, 2]);
      await matmul(x, x).data();
      const [v] = topk(tensor([3, 1, 2, 5, 4, 0], [2, 3]), 2);
      expect(Array.from(await v.data())).toEqual([3, 2, 5, 4]);
      expect(Array.from(await transpose(tensor([1, 2, 3, 4, 5, 6], [2, 3]), [1, 0]).data())).toEqual([1, 4, 2, 5, 3, 6]);
      // the max reduction's backward (reduceMaxGrad) has its C kernel: not a fallback
      const xm = tensor([1, 5, 2, 4], [2, 2]);
      xm.requiresGrad = true;
      const [g] = grad(sum(max(xm, 1)), [xm]);
      expect(Array.from(await g!.data())).toEqual([0, 1, 0, 1]);
      // an op without a wasm kernel runs its CPU reference on the wasm memory, and that is recorded
      const [y] = runOp(cpuOnlyDef, [tensor([1, 2, 3], [3])], {});
      expect(Array.from(await y.data())).toEqual([2, 4, 6]);
      runOp(cpuOnlyDef, [tensor([1], [1])], {});
    });
    const fb = fallbacks();
    expect(fb.map((f) => f.op)).toEqual(['testCpuOnly']);
    expect(fb[0]).toMatchObject({ backend: 'wasm', ranOn: 'cpu', calls: 2 });
    expect(fb[0].ms).toBeGreaterThanOrEqual(0);
    resetFallbacks();
  });

  it('every registered op has a wasm kernel (a new op without one is a declared fallback: list it here and in docs/engine.md)', () => {
    const declared: string[] = [];
    const missing = Object.entries(OPS).filter(([, def]) => !(def as OpDef<unknown>).wasm && !(def as { view?: boolean }).view).map(([name]) => name);
    expect(missing).toEqual(declared);
  });
});

describe('backend choice', () => {
  it('auto: WebGPU on a hardware adapter, wasm on a software adapter or without WebGPU', () => {
    expect(autoRule(info({ isSoftware: false }), null).kind).toBe('webgpu');
    const sw = autoRule(info({ isSoftware: true, vendor: 'google', architecture: 'swiftshader' }), null);
    expect(sw.kind).toBe('wasm');
    expect(sw.reason).toMatch(/software adapter/);
    const none = autoRule(null, 'navigator.gpu is undefined');
    expect(none).toEqual({ kind: 'wasm', reason: expect.stringContaining('navigator.gpu is undefined') });
  });
  it('parses --backend values and names the flag on a bad one', () => {
    expect(parseBackendChoice(undefined)).toBe('auto');
    expect(parseBackendChoice('wasm')).toBe('wasm');
    expect(() => parseBackendChoice('gpu')).toThrow(/--backend must be one of auto, webgpu, wasm, cpu, got "gpu"/);
    expect(() => parseBackendChoice(true)).toThrow(/--backend/);
  });
  it('selectBackend: auto without WebGPU loads wasm; webgpu without a device is a clear error', async () => {
    const noGpu = () => Promise.reject(new Error('no adapter'));
    const s = await selectBackend('auto', { gpu: noGpu });
    expect(s.backend).toBeInstanceOf(WasmBackend);
    expect(s.reason).toMatch(/no WebGPU \(no adapter\)/);
    await expect(selectBackend('webgpu', { gpu: noGpu })).rejects.toThrow(/backend webgpu: no WebGPU device \(no adapter\)/);
    const cpu = await selectBackend('auto', { gpu: noGpu, wasm: () => Promise.reject(new Error('boom')) });
    expect(cpu.kind).toBe('cpu');
    expect(cpu.reason).toMatch(/did not load \(boom\)/);
  });
});
