import { describe, expect, it } from 'vitest';
import { Arena } from './arena';
import { cpuBackend, randn, testGpu, testWasm } from './testing';
import { reshape, setBackend, tensor, tidyAsync } from './tensor';
import { concat } from './ops/shape';
import { gradClipScale, gradClipScaleFlat } from './ops/clip';
import { scale as scaleOp } from './ops/elementwise';
import type { Backend } from './backend';

const shapes = [[3], [17, 5], [20011], [0], [64]];
const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe('flat arenas', () => {
  for (const name of ['cpu', 'webgpu'] as const) {
    it(`${name}: adopt moves tensors into one buffer; ops, reads and writes see the slots; memory is freed once`, async () => {
      const be: Backend = name === 'cpu' ? cpuBackend : await testGpu();
      setBackend(be);
      const live0 = be.stats().liveBuffers;
      const data = shapes.map((s, i) => randn(sizeOf(s), 10 + i));
      const ts = shapes.map((s, i) => tensor(data[i], s).keep());
      const a = Arena.adopt(ts);
      expect(be.stats().liveBuffers - live0).toBe(1); // the old storages went back, one flat buffer remains
      for (let i = 0; i < ts.length; i++) expect(Array.from(await ts[i].data())).toEqual(Array.from(data[i]));
      // an op writing into a neighbour's slot would show up here: every slot is read back after one op per slot
      await tidyAsync(async () => {
        const ys = ts.map((t) => scaleOp(t, 2));
        for (let i = 0; i < ts.length; i++) expect(Array.from(await ys[i].data())).toEqual(Array.from(data[i], (x) => Math.fround(x * 2)));
      });
      ts[1].backend.write(ts[1].storage, new Float32Array(85).fill(7));
      expect((await ts[1].data())[84]).toBe(7);
      expect(Array.from(await ts[2].data()).slice(0, 3)).toEqual(Array.from(data[2].slice(0, 3)));
      // gaps between slots stay zero
      const flat = await a.flat.data();
      const used = new Set<number>();
      a.segments.forEach((s) => {
        for (let k = 0; k < s.size; k++) used.add(s.offset + k);
      });
      flat.forEach((x, i) => {
        if (!used.has(i)) expect(x).toBe(0);
      });
      a.dispose();
      expect(be.stats().liveBuffers - live0).toBe(1); // the tensors still hold their slots
      expect((await ts[4].data()).length).toBe(64);
      ts.forEach((t) => t.dispose());
      expect(be.stats().liveBuffers).toBe(live0);
    });

    it(`${name}: one-dispatch segment sums of squares give bitwise the per-tensor norm and factor`, async () => {
      const be: Backend = name === 'cpu' ? cpuBackend : await testGpu();
      setBackend(be);
      await tidyAsync(async () => {
        const gs = shapes.map((s, i) => tensor(randn(sizeOf(s), 30 + i), s));
        const ref = gradClipScale(gs, 5);
        const a = Arena.zeros(shapes, be);
        a.gather(gs);
        const got = gradClipScaleFlat(a.flat, a.segments, 5);
        const [n0, s0, n1, s1] = await Promise.all([ref.norm.item(), ref.scale.item(), got.norm.item(), got.scale.item()]);
        expect(n0).toBeGreaterThan(5);
        expect(n1).toBe(n0);
        expect(s1).toBe(s0);
        // a wrong segment (one element short) changes the norm: the check can fail
        const short = gradClipScaleFlat(a.flat, a.segments.map((s, i) => (i === 2 ? { ...s, size: s.size - 1 } : s)), 5);
        expect(await short.norm.item()).not.toBe(n0);
        a.dispose();
      });
    });
  }

  it('wasm (no arenas there): segment sums over one flat gradient give bitwise the per-tensor norm and factor', async () => {
    const be = await testWasm();
    setBackend(be);
    await tidyAsync(async () => {
      const gs = shapes.map((s, i) => tensor(randn(sizeOf(s), 30 + i), s));
      const ref = gradClipScale(gs, 5);
      const flat = concat(gs.map((g) => reshape(g, [g.size])), 0);
      let offset = 0;
      const segments = gs.map((g) => ({ offset: (offset += g.size) - g.size, size: g.size }));
      const got = gradClipScaleFlat(flat, segments, 5);
      const [n0, s0, n1, s1] = await Promise.all([ref.norm.item(), ref.scale.item(), got.norm.item(), got.scale.item()]);
      expect(n0).toBeGreaterThan(5);
      expect(n1).toBe(n0);
      expect(s1).toBe(s0);
      const short = gradClipScaleFlat(flat, segments.map((s, i) => (i === 2 ? { ...s, size: s.size - 1 } : s)), 5);
      expect(await short.norm.item()).not.toBe(n0);
    });
  });

  it('rejects shared storage and views of views', async () => {
    setBackend(cpuBackend);
    const t = tensor([1, 2, 3], [3]);
    expect(() => Arena.adopt([t, t])).toThrow(/shares its storage/);
    const a = Arena.adopt([t]);
    expect(() => cpuBackend.view(t.storage, 0, 1)).toThrow(/views of views/);
    a.dispose();
    t.dispose();
  });
});
