import { describe, expect, it } from 'vitest';
import { checkFiniteDiff, cpuBackend, evaluate, f, testBackends } from '../testing';
import { dropout, dropoutSeed, lowbias32 } from './dropout';

describe('dropout', () => {
  it('mask and values on every backend (webgpu, wasm) = CPU exactly (several sizes, > one workgroup), scaled by 1/(1-p)', async () => {
    const backends = await testBackends();
    for (const [n, p, seed] of [[1, 0.5, 3], [255, 0.2, 7], [1000, 0.5, 11], [70000, 0.9, 123456789], [300, 0.999999, 0xffffffff]] as const) {
      const x = f([n], n);
      const a = await evaluate(cpuBackend, (t) => dropout(t, p, seed), [x]);
      for (const be of backends) {
        const b = await evaluate(be, (t) => dropout(t, p, seed), [x]);
        expect(Array.from(b.outs[0]), be.kind).toEqual(Array.from(a.outs[0]));
        expect(Array.from(b.grads[0]!), be.kind).toEqual(Array.from(a.grads[0]!));
      }
      let kept = 0;
      for (let i = 0; i < n; i++) {
        if (a.outs[0][i] !== 0) {
          kept++;
          expect(a.outs[0][i]).toBeCloseTo(x.data[i] / (1 - p), 5);
        }
      }
      if (n >= 1000) expect(Math.abs(kept / n - (1 - p))).toBeLessThan(0.05);
    }
  });
  it('same seed, same mask; another seed, another mask; p = 0 is the identity', async () => {
    const x = f([512], 1);
    const a = (await evaluate(cpuBackend, (t) => dropout(t, 0.5, 1), [x], false)).outs[0];
    const b = (await evaluate(cpuBackend, (t) => dropout(t, 0.5, 1), [x], false)).outs[0];
    const c = (await evaluate(cpuBackend, (t) => dropout(t, 0.5, 2), [x], false)).outs[0];
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from((await evaluate(cpuBackend, (t) => dropout(t, 0, 9), [x], false)).outs[0])).toEqual(Array.from(x.data));
    expect(dropoutSeed(0, 1, 0)).not.toBe(dropoutSeed(0, 2, 0));
  });
  it('gradient = finite differences (mask fixed by the seed); mirrors the WGSL hash', async () => {
    await checkFiniteDiff((t: any) => dropout(t, 0.3, 5), [f([3, 7], 2)], { eps: 1e-3 });
    expect(lowbias32(0)).toBe(0);
    expect(lowbias32(1)).not.toBe(lowbias32(2));
  });
  it('rejects p outside [0, 1)', async () => {
    await expect(evaluate(cpuBackend, (t) => dropout(t, 1, 0), [f([4], 1)])).rejects.toThrow(/dropout: p must be in \[0, 1\)/);
  });
});
