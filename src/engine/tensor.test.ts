// Lifetimes and composition: tidy with class instances, one reshape, the engine lock for interleaved async runs.
import { describe, expect, it } from 'vitest';
import { cpuBackend } from './testing';
import { grad } from './autograd';
import { mul } from './ops/elementwise';
import { sum } from './ops/reduce';
import { reshape, setBackend, tensor, tidy, tidyAsync, withEngineLock, type Tensor } from './tensor';

class Cache {
  constructor(
    public k: Tensor,
    public inner: { v: Tensor[] },
  ) {}
}

describe('tidy, reshape, engine lock', () => {
  it('tidy keeps tensors held by a returned class instance (and Sets), releases the rest', () => {
    setBackend(cpuBackend);
    const live0 = cpuBackend.stats().liveBuffers;
    const c = tidy(() => {
      tensor([1, 2], [2]); // garbage
      const cache = new Cache(tensor([1, 2, 3], [3]), { v: [tensor([4], [1])] });
      (cache as unknown as { self: unknown }).self = cache; // a cycle must not hang
      return cache;
    });
    expect(c.k.disposed).toBe(false);
    expect(c.inner.v[0].disposed).toBe(false);
    expect(cpuBackend.stats().liveBuffers - live0).toBe(2);
    const s = tidy(() => new Set([tensor([5], [1])]));
    expect([...s][0].disposed).toBe(false);
    for (const t of [c.k, c.inner.v[0], ...s]) t.dispose();
    expect(cpuBackend.stats().liveBuffers).toBe(live0);
  });

  it('one reshape: Tensor.reshape / reshapeView record the tape like reshape()', async () => {
    setBackend(cpuBackend);
    await tidyAsync(async () => {
      const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      x.requiresGrad = true;
      for (const view of [(t: Tensor) => reshape(t, [3, 2]), (t: Tensor) => t.reshape([3, 2]), (t: Tensor) => t.reshapeView([6])]) {
        const y = view(x);
        expect(y.requiresGrad).toBe(true);
        const [g] = grad(sum(mul(y, y)), [x]);
        expect(g!.shape).toEqual([2, 3]);
        expect(Array.from(await g!.data())).toEqual([2, 4, 6, 8, 10, 12]);
      }
    });
  });

  it('two async runs interleave step by step under withEngineLock; without it the interleaving is detected', async () => {
    setBackend(cpuBackend);
    const live0 = cpuBackend.stats().liveBuffers;
    const order: string[] = [];
    const run = async (name: string, k: number) => {
      let acc = 0;
      for (let s = 0; s < 4; s++) {
        acc += await withEngineLock(async () => {
          order.push(`${name}${s}`);
          const a = tensor([k, s], [2]);
          await Promise.resolve(); // an await inside the section (a readback)
          const b = mul(a, a);
          const v = await b.data();
          return v[0] + v[1];
        });
        await new Promise((r) => setTimeout(r, 0));
      }
      return acc;
    };
    const [a, b] = await Promise.all([run('a', 2), run('b', 3)]);
    expect(a).toBe(4 * 4 + (0 + 1 + 4 + 9));
    expect(b).toBe(4 * 9 + (0 + 1 + 4 + 9));
    expect(order.slice(0, 4).sort()).toEqual(['a0', 'a1', 'b0', 'b1']); // interleaved, not one run after the other
    expect(cpuBackend.stats().liveBuffers).toBe(live0);

    const unlocked = (k: number) =>
      tidyAsync(async () => {
        const a = tensor([k], [1]);
        await new Promise((r) => setTimeout(r, 0));
        const b = mul(a, a);
        await new Promise((r) => setTimeout(r, 0));
        return (await b.data())[0];
      });
    await expect(Promise.all([unlocked(2), unlocked(3)])).rejects.toThrow(/withEngineLock/);
  });
});
