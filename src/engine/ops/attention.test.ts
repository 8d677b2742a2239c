import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import type { Backend } from '../backend';
import { grad } from '../autograd';
import { checkFiniteDiff, checkGpuVsCpu, cpuBackend, evaluate, expectClose, f, testGpu, type Input } from '../testing';
import { runOp, setBackend, tensor, tidyAsync, type Tensor } from '../tensor';
import { attention, attentionDef, ATTENTION_VARIANTS, MAX_HEAD_DIM, type AttentionVariant } from './attention';

interface Case {
  name: string;
  B: number;
  Tq: number;
  Tk: number;
  H: number;
  dh: number;
  causal?: boolean;
  /** (B, Tk) 0/1 */
  mask?: number[][];
  scale?: number;
  /** self-attention: one tensor (B, T, E) serves as q, k and v (gradients accumulate) */
  shared?: boolean;
}

// Head dims are limited to {4, 6, 12, MAX_HEAD_DIM} (padding lanes: 6; not a power of two: 6, 12) because every
// (kernel, dh, workgroup size) is a separate pipeline and SwiftShader compiles the tiled ones slowly.
const CASES: Case[] = [
  { name: 'cross Tq != Tk, dh = 12', B: 2, Tq: 5, Tk: 7, H: 2, dh: 12 },
  { name: 'causal self, dh = 12', B: 2, Tq: 9, Tk: 9, H: 2, dh: 12, causal: true },
  { name: 'key mask with a fully masked batch row', B: 3, Tq: 4, Tk: 6, H: 2, dh: 4, mask: [[1, 0, 1, 1, 0, 1], [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 0]] },
  { name: 'causal + mask: query 0 sees only a masked key; scale 0.3', B: 1, Tq: 5, Tk: 5, H: 3, dh: 6, causal: true, mask: [[0, 1, 1, 0, 1]], scale: 0.3 },
  { name: 'causal cross Tq > Tk (first rows see no key)', B: 2, Tq: 6, Tk: 3, H: 1, dh: 4, causal: true },
  { name: 'T not a multiple of the tile / workgroup, dh = 6, causal Tq < Tk', B: 1, Tq: 70, Tk: 75, H: 2, dh: 6, causal: true },
  { name: 'B = 1, H = 1, Tq = Tk = 1', B: 1, Tq: 1, Tk: 1, H: 1, dh: 6 },
  { name: 'dh = MAX_HEAD_DIM (tile of 15 rows), several tiles', B: 1, Tq: 33, Tk: 33, H: 1, dh: MAX_HEAD_DIM, causal: true },
  { name: 'shared q = k = v tensor (self-attention, grads accumulate)', B: 2, Tq: 6, Tk: 6, H: 2, dh: 4, causal: true, shared: true },
];

function inputsOf(c: Case, seed: number): Input[] {
  const E = c.H * c.dh;
  const xs: Input[] = c.shared ? [f([c.B, c.Tq, E], seed)] : [f([c.B, c.Tq, E], seed), f([c.B, c.Tk, E], seed + 1), f([c.B, c.Tk, E], seed + 2)];
  if (c.mask) xs.push({ data: Int32Array.from(c.mask.flat()), shape: [c.B, c.Tk], grad: false });
  return xs;
}

function fnOf(c: Case, variant?: AttentionVariant) {
  const opts = (mask?: Tensor) => ({ heads: c.H, causal: c.causal, keyMask: mask, scale: c.scale, variant });
  return c.shared ? (x: Tensor, m?: Tensor) => attention(x, x, x, opts(m)) : (q: Tensor, k: Tensor, v: Tensor, m?: Tensor) => attention(q, k, v, opts(m));
}

/** Query rows (b, i) that see no key: their output and dq must be exactly zero. */
function emptyRows(c: Case): [number, number][] {
  const rows: [number, number][] = [];
  for (let b = 0; b < c.B; b++) {
    for (let i = 0; i < c.Tq; i++) {
      let any = false;
      for (let j = 0; j < c.Tk; j++) if ((!c.causal || j <= i + c.Tk - c.Tq) && (!c.mask || c.mask[b][j])) any = true;
      if (!any) rows.push([b, i]);
    }
  }
  return rows;
}

describe('attention', () => {
  for (const variant of ATTENTION_VARIANTS) {
    it(`${variant}: GPU = CPU reference for out, dq, dk, dv (cross, causal, masks, ragged sizes, edge shapes)`, async () => {
      for (const [n, c] of CASES.entries()) {
        try {
          await checkGpuVsCpu(fnOf(c, variant) as never, inputsOf(c, 10 * n), { atol: 2e-4, rtol: 2e-3 });
        } catch (e) {
          throw new Error(`case "${c.name}": ${(e as Error).message}`);
        }
      }
    });

    it(`${variant}: the saved logsumexp (B, H, Tq) matches the CPU reference`, async () => {
      for (const [n, c] of CASES.entries()) {
        if (c.shared) continue;
        const fn = (q: Tensor, k: Tensor, v: Tensor, m?: Tensor) =>
          runOp(attentionDef, m ? [q, k, v, m] : [q, k, v], { heads: c.H, causal: !!c.causal, scale: c.scale ?? 1 / Math.sqrt(c.dh), variant });
        await checkGpuVsCpu(fn as never, inputsOf(c, 10 * n), { atol: 2e-4, rtol: 2e-3, grad: false });
      }
    });
  }

  it('rows without a visible key give zeros, never NaN, and zero gradients (CPU and both GPU variants)', async () => {
    const gpu = await testGpu();
    const runs: [string, Backend, AttentionVariant | undefined][] = [
      ['cpu', cpuBackend, undefined],
      ...ATTENTION_VARIANTS.map((v): [string, Backend, AttentionVariant] => [`gpu ${v}`, gpu, v]),
    ];
    for (const c of CASES.filter((x) => !x.shared && emptyRows(x).length > 0)) {
      const E = c.H * c.dh;
      for (const [label, be, variant] of runs) {
        const { outs, grads } = await evaluate(be, fnOf(c, variant) as never, inputsOf(c, 3));
        for (const arr of [outs[0], ...grads.slice(0, 3)]) if (arr) expect(arr.every(Number.isFinite), `${label} ${c.name}: finite`).toBe(true);
        for (const [b, i] of emptyRows(c)) {
          const row = (a: ArrayLike<number>) => Array.from(a).slice((b * c.Tq + i) * E, (b * c.Tq + i + 1) * E);
          expect(row(outs[0]).map(Math.abs), `${label} ${c.name}: out row (${b},${i})`).toEqual(new Array(E).fill(0));
          expect(row(grads[0]!).map(Math.abs), `${label} ${c.name}: dq row (${b},${i})`).toEqual(new Array(E).fill(0));
        }
        // a fully masked batch row: its keys get no gradient either
        c.mask?.forEach((mrow, b) => {
          if (mrow.some((x) => x)) return;
          const slice = (a: ArrayLike<number>) => Array.from(a).slice(b * c.Tk * E, (b + 1) * c.Tk * E).map(Math.abs);
          expect(slice(grads[1]!), `${label} ${c.name}: dk of masked batch ${b}`).toEqual(new Array(c.Tk * E).fill(0));
          expect(slice(grads[2]!), `${label} ${c.name}: dv of masked batch ${b}`).toEqual(new Array(c.Tk * E).fill(0));
        });
      }
    }
  });

  it('CPU gradients match finite differences (cross + mask, causal self, shared q = k = v)', async () => {
    for (const c of [CASES[2], CASES[3], CASES[4], CASES[8]]) {
      await checkFiniteDiff(fnOf(c) as never, inputsOf(c, 5), { eps: 1e-2, tol: 2e-2, samples: 8 });
    }
  });

  it('matches the PyTorch fixtures (out and grads of sum(out * w)) on CPU and both GPU variants', async () => {
    const fx = JSON.parse(readFileSync(new URL('../../../fixtures/attention.json', import.meta.url), 'utf8')) as {
      cases: (Required<Omit<Case, 'mask' | 'scale' | 'shared'>> & {
        mask: number[][] | null;
        scale: number | null;
        q: number[]; k: number[]; v: number[]; w: number[]; out: number[]; dq: number[]; dk: number[]; dv: number[];
      })[];
    };
    expect(fx.cases.length).toBeGreaterThanOrEqual(5);
    const gpu = await testGpu();
    const runs: [Backend, AttentionVariant | undefined][] = [[cpuBackend, undefined], ...ATTENTION_VARIANTS.map((v): [Backend, AttentionVariant] => [gpu, v])];
    for (const c of fx.cases) {
      const E = c.H * c.dh;
      for (const [be, variant] of runs) {
        setBackend(be);
        const res = await tidyAsync(async () => {
          const q = tensor(c.q, [c.B, c.Tq, E], 'f32', be);
          const k = tensor(c.k, [c.B, c.Tk, E], 'f32', be);
          const v = tensor(c.v, [c.B, c.Tk, E], 'f32', be);
          for (const t of [q, k, v]) t.requiresGrad = true;
          const keyMask = c.mask ? tensor(c.mask.flat(), [c.B, c.Tk], 'i32', be) : undefined;
          const out = attention(q, k, v, { heads: c.H, causal: c.causal, keyMask, scale: c.scale ?? undefined, variant });
          const gs = grad(out, [q, k, v], tensor(c.w, out.shape, 'f32', be));
          return Promise.all([out, ...gs].map((t) => t!.data()));
        });
        const what = `${c.name} on ${be.kind}${variant ? ` ${variant}` : ''}`;
        expectClose(res[0], c.out, 1e-5, 1e-4, `${what}: out`);
        expectClose(res[1], c.dq, 1e-5, 1e-4, `${what}: dq`);
        expectClose(res[2], c.dk, 1e-5, 1e-4, `${what}: dk`);
        expectClose(res[3], c.dv, 1e-5, 1e-4, `${what}: dv`);
      }
    }
  });

  it('releases its temporaries (dummy mask, backward stats) on the GPU', async () => {
    const gpu = await testGpu();
    const c = CASES[1];
    for (const variant of ATTENTION_VARIANTS) {
      await evaluate(gpu, fnOf(c, variant) as never, inputsOf(c, 1)); // warm the pool and pipelines
      const before = gpu.stats().liveBuffers;
      await evaluate(gpu, fnOf(c, variant) as never, inputsOf(c, 1));
      expect(gpu.stats().liveBuffers).toBe(before);
    }
  });

  it('rejects bad shapes with a clear message', async () => {
    const run = (ins: Input[], opts: { heads: number }) => evaluate(cpuBackend, ((q: Tensor, k: Tensor, v: Tensor, m?: Tensor) => attention(q, k, v, { ...opts, keyMask: m })) as never, ins, false);
    await expect(run([f([1, 2, 8], 1), f([1, 3, 8], 2), f([1, 3, 8], 3)], { heads: 3 })).rejects.toThrow(/heads=3 does not divide/);
    await expect(run([f([1, 2, 8], 1), f([1, 3, 6], 2), f([1, 3, 6], 3)], { heads: 2 })).rejects.toThrow(/last dim/);
    await expect(run([f([1, 2, 8], 1), f([2, 3, 8], 2), f([2, 3, 8], 3)], { heads: 2 })).rejects.toThrow(/batch/);
    await expect(run([f([1, 2, 8], 1), f([1, 3, 8], 2), f([1, 3, 8], 3), { data: new Int32Array(2), shape: [1, 2], grad: false }], { heads: 2 })).rejects.toThrow(/keyMask must be \(B, Tk\)/);
    await expect(run([f([1, 2, 8], 1), f([1, 3, 8], 2), f([1, 3, 8], 3), f([1, 3], 4)], { heads: 2 })).rejects.toThrow(/keyMask must be i32/);
    await expect(run([f([1, 1, 2 * (MAX_HEAD_DIM + 4)], 1), f([1, 1, 2 * (MAX_HEAD_DIM + 4)], 2), f([1, 1, 2 * (MAX_HEAD_DIM + 4)], 3)], { heads: 2 })).rejects.toThrow(/exceeds MAX_HEAD_DIM/);
  });
});
