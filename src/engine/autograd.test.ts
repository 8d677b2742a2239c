// Backward frees intermediate gradients: peak memory of a deep chain's backward stays O(1) tensors above the forward.
import { describe, expect, it } from 'vitest';
import { cpuBackend, randn } from './testing';
import { grad, param } from './autograd';
import { add, mul, silu } from './ops/elementwise';
import { sum } from './ops/reduce';
import { matmul } from './ops/matmul';
import { setBackend, tensor, tidy, type Tensor } from './tensor';

describe('autograd memory', () => {
  it('a 24-layer chain: backward peak is a few activations above the forward, not one per layer', () => {
    setBackend(cpuBackend);
    const N = 64, L = 24;
    const S = N * N * 4; // bytes of one activation / weight
    const Ws = Array.from({ length: L }, (_, i) => param(tensor(randn(N * N, i, 0.1), [N, N])));
    const x = tensor(randn(N * N, 99), [N, N]);
    let afterForward = 0;
    let gradsBytes = 0;
    tidy(() => {
      let h: Tensor = x;
      for (const W of Ws) h = add(silu(matmul(h, W)), h);
      const loss = sum(mul(h, h));
      afterForward = cpuBackend.stats().liveBytes;
      cpuBackend.resetPeak();
      const gs = grad(loss, Ws);
      gradsBytes = gs.length * S;
      for (const g of gs) expect(g).not.toBeNull();
    });
    const peak = cpuBackend.resetPeak();
    const extra = peak - afterForward;
    // returned weight gradients + a handful of in-flight tensors; without freeing, every layer's dh, d(silu) and
    // d(matmul) temporaries stay until the end (> 3 activations per layer, i.e. > 70 S here)
    expect(extra).toBeLessThanOrEqual(gradsBytes + 8 * S);
    expect(extra).toBeGreaterThanOrEqual(gradsBytes);
    for (const W of Ws) W.dispose();
    x.dispose();
  });
});
