import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import type { Backend } from '../backend';
import { grad } from '../autograd';
import { checkFiniteDiff, checkGpuVsCpu, cpuBackend, evaluate, expectClose, f, testBackends, testGpu, type Input } from '../testing';
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
  /** additive bias of this shape (broadcast over (B, H, Tq, Tk)), random; entries listed in `minusInf` are -Infinity */
  bias?: number[];
  minusInf?: number[];
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

// Bias cases: every broadcast layout the models use, -Infinity entries (masked) including fully masked rows, the bias
// together with causality and with a key mask (folded into one binding on WebGPU), ragged sizes over several tiles.
const BIAS_CASES: Case[] = [
  { name: 'bias (Tq, Tk), cross, dh = 12', B: 2, Tq: 5, Tk: 7, H: 2, dh: 12, bias: [5, 7] },
  // row 1 of batch 0 fully masked by the bias (entries 7..13 of (B,1,Tq,Tk) = b 0, i 1), plus scattered -inf
  { name: 'bias (B, 1, Tq, Tk) with -inf, a fully masked row, causal', B: 2, Tq: 4, Tk: 7, H: 3, dh: 4, causal: true, bias: [2, 1, 4, 7], minusInf: [7, 8, 9, 10, 11, 12, 13, 2, 30, 45, 50] },
  { name: 'bias (B, H, Tq, Tk) + key mask (fold) + scale', B: 2, Tq: 3, Tk: 6, H: 2, dh: 6, scale: 0.4, mask: [[1, 0, 1, 1, 0, 1], [1, 1, 1, 1, 1, 0]], bias: [2, 2, 3, 6], minusInf: [0, 2, 3, 5, 40] },
  { name: 'bias (H, Tq, Tk) rank 3, causal Tq > Tk, ragged sizes', B: 1, Tq: 40, Tk: 37, H: 2, dh: 6, causal: true, bias: [2, 40, 37] },
  { name: 'bias (B, 1, 1, Tk) (a key-padding bias) + key mask', B: 3, Tq: 4, Tk: 5, H: 1, dh: 4, mask: [[1, 1, 0, 1, 1], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]], bias: [3, 1, 1, 5], minusInf: [4, 10] },
];

function inputsOf(c: Case, seed: number): Input[] {
  const E = c.H * c.dh;
  const xs: Input[] = c.shared ? [f([c.B, c.Tq, E], seed)] : [f([c.B, c.Tq, E], seed), f([c.B, c.Tk, E], seed + 1), f([c.B, c.Tk, E], seed + 2)];
  if (c.mask) xs.push({ data: Int32Array.from(c.mask.flat()), shape: [c.B, c.Tk], grad: false });
  if (c.bias) {
    const b = f(c.bias, seed + 3);
    for (const i of c.minusInf ?? []) b.data[i] = -Infinity;
    xs.push(b);
  }
  return xs;
}

function fnOf(c: Case, variant?: AttentionVariant) {
  const opts = (extra: Tensor[]) => ({
    heads: c.H, causal: c.causal, keyMask: extra.find((t) => t.dtype === 'i32'), bias: extra.find((t) => t.dtype === 'f32'), scale: c.scale, variant,
  });
  return c.shared ? (x: Tensor, ...e: Tensor[]) => attention(x, x, x, opts(e)) : (q: Tensor, k: Tensor, v: Tensor, ...e: Tensor[]) => attention(q, k, v, opts(e));
}

/** The bias value at (b, h, i, j) of a case (undefined without a bias). */
function biasAt(c: Case, data: ArrayLike<number>, b: number, h: number, i: number, j: number): number {
  const s4 = [...new Array(4 - c.bias!.length).fill(1), ...c.bias!];
  const idx = [b, h, i, j].map((x, a) => (s4[a] === 1 ? 0 : x));
  return data[((idx[0] * s4[1] + idx[1]) * s4[2] + idx[2]) * s4[3] + idx[3]];
}

/** Query rows (b, i) that see no key: their output and dq must be exactly zero. */
function emptyRows(c: Case): [number, number][] {
  const rows: [number, number][] = [];
  for (let b = 0; b < c.B; b++) {
    for (let i = 0; i < c.Tq; i++) {
      let any = false;
      for (let j = 0; j < c.Tk; j++) if ((!c.causal || j <= i + c.Tk - c.Tq) && (!c.mask || c.mask[b][j])) any = true;
      if (any && c.bias) {
        const bd = inputsOf(c, 3).at(-1)!.data;
        any = false;
        for (let h = 0; h < c.H; h++) for (let j = 0; j < c.Tk; j++) if ((!c.causal || j <= i + c.Tk - c.Tq) && (!c.mask || c.mask[b][j]) && biasAt(c, bd, b, h, i, j) !== -Infinity) any = true;
      }
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

  for (const variant of ATTENTION_VARIANTS) {
    it(`${variant}: additive bias, every backend = CPU reference for out, dq, dk, dv and dbias (broadcasts, -inf, + key mask)`, async () => {
      for (const [n, c] of BIAS_CASES.entries()) {
        try {
          await checkGpuVsCpu(fnOf(c, variant) as never, inputsOf(c, 20 + 10 * n), { atol: 2e-4, rtol: 2e-3 });
        } catch (e) {
          throw new Error(`case "${c.name}": ${(e as Error).message}`);
        }
      }
    });
  }

  it('a zero bias changes nothing; a -inf bias equals the key mask; a bias of -inf in every entry gives zeros', async () => {
    const c: Case = { name: 'equivalences', B: 2, Tq: 3, Tk: 5, H: 2, dh: 4, causal: true };
    const mask = [[1, 0, 1, 1, 0], [0, 1, 1, 1, 1]];
    const base = inputsOf(c, 9);
    const mk = { data: Int32Array.from(mask.flat()), shape: [c.B, c.Tk], grad: false };
    const keyBias = { data: Float32Array.from(mask.flat(), (x) => (x ? 0 : -Infinity)), shape: [c.B, 1, 1, c.Tk] };
    const zero = { data: new Float32Array(c.Tq * c.Tk), shape: [c.Tq, c.Tk] };
    const allInf = { data: new Float32Array(c.Tq * c.Tk).fill(-Infinity), shape: [c.Tq, c.Tk] };
    const plain = fnOf(c) as never;
    for (const be of [cpuBackend, ...(await testBackends())]) {
      const ref = await evaluate(be, plain, base);
      const withZero = await evaluate(be, plain, [...base, zero]);
      expectClose(withZero.outs[0], ref.outs[0], 1e-6, 1e-6, `${be.kind}: zero bias`);
      const masked = await evaluate(be, plain, [...base, mk]);
      const biased = await evaluate(be, plain, [...base, keyBias]);
      expectClose(biased.outs[0], masked.outs[0], 1e-6, 1e-6, `${be.kind}: -inf key bias vs key mask`);
      for (let k = 0; k < 3; k++) expectClose(biased.grads[k]!, masked.grads[k]!, 1e-5, 1e-5, `${be.kind}: grad ${k}`);
      const dead = await evaluate(be, plain, [...base, allInf]);
      expect(Array.from(dead.outs[0]).every((x) => x === 0), `${be.kind}: all -inf -> zeros`).toBe(true);
      for (const g of dead.grads) expect(Array.from(g!).every((x) => x === 0), `${be.kind}: all -inf -> zero grads`).toBe(true);
    }
  });

  it('bias gradients match finite differences (a learned bias trains)', async () => {
    for (const c of [BIAS_CASES[0], BIAS_CASES[2], BIAS_CASES[4]]) {
      await checkFiniteDiff(fnOf(c) as never, inputsOf(c, 6), { eps: 1e-2, tol: 2e-2, samples: 8 });
    }
  });

  it('rows without a visible key give zeros, never NaN, and zero gradients (CPU and both GPU variants)', async () => {
    const gpu = await testGpu();
    const runs: [string, Backend, AttentionVariant | undefined][] = [
      ['cpu', cpuBackend, undefined],
      ...ATTENTION_VARIANTS.map((v): [string, Backend, AttentionVariant] => [`gpu ${v}`, gpu, v]),
    ];
    for (const c of [...CASES, ...BIAS_CASES].filter((x) => !x.shared && emptyRows(x).length > 0)) {
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

  it('matches the PyTorch bias fixture (softmax(q kᵀ·scale + bias) v, incl. dbias) on CPU, wasm and both GPU variants', async () => {
    const fx = JSON.parse(readFileSync(new URL('../../../fixtures/attention_bias.json', import.meta.url), 'utf8')) as {
      cases: (Required<Omit<Case, 'mask' | 'scale' | 'shared' | 'minusInf'>> & {
        mask: number[][] | null;
        scale: number | null;
        biasValues: (number | null)[];
        q: number[]; k: number[]; v: number[]; w: number[]; out: number[]; dq: number[]; dk: number[]; dv: number[]; dbias: number[];
      })[];
    };
    expect(fx.cases.length).toBeGreaterThanOrEqual(4);
    expect(fx.cases.some((c) => c.biasValues.includes(null))).toBe(true);
    const gpu = await testGpu();
    const runs: [Backend, AttentionVariant | undefined][] = [
      [cpuBackend, undefined],
      ...(await testBackends()).filter((b) => b !== gpu).map((b): [Backend, undefined] => [b, undefined]),
      ...ATTENTION_VARIANTS.map((v): [Backend, AttentionVariant] => [gpu, v]),
    ];
    for (const c of fx.cases) {
      const E = c.H * c.dh;
      for (const [be, variant] of runs) {
        setBackend(be);
        const res = await tidyAsync(async () => {
          const q = tensor(c.q, [c.B, c.Tq, E], 'f32', be);
          const k = tensor(c.k, [c.B, c.Tk, E], 'f32', be);
          const v = tensor(c.v, [c.B, c.Tk, E], 'f32', be);
          const bias = tensor(c.biasValues.map((x) => x ?? -Infinity), c.bias, 'f32', be);
          for (const t of [q, k, v, bias]) t.requiresGrad = true;
          const keyMask = c.mask ? tensor(c.mask.flat(), [c.B, c.Tk], 'i32', be) : undefined;
          const out = attention(q, k, v, { heads: c.H, causal: c.causal, keyMask, bias, scale: c.scale ?? undefined, variant });
          const gs = grad(out, [q, k, v, bias], tensor(c.w, out.shape, 'f32', be));
          return Promise.all([out, ...gs].map((t) => t!.data()));
        });
        const what = `${c.name} on ${be.kind}${variant ? ` ${variant}` : ''}`;
        expectClose(res[0], c.out, 1e-5, 1e-4, `${what}: out`);
        expectClose(res[1], c.dq, 1e-5, 1e-4, `${what}: dq`);
        expectClose(res[2], c.dk, 1e-5, 1e-4, `${what}: dk`);
        expectClose(res[3], c.dv, 1e-5, 1e-4, `${what}: dv`);
        expectClose(res[4], c.dbias, 1e-5, 1e-4, `${what}: dbias`);
      }
    }
  });

  it('releases its temporaries (dummy mask, folded mask + bias, backward stats, dS) on the GPU', async () => {
    const gpu = await testGpu();
    const c = BIAS_CASES[2];
    for (const variant of ATTENTION_VARIANTS) {
      await evaluate(gpu, fnOf(c, variant) as never, inputsOf(c, 1));
      const before = gpu.stats().liveBuffers;
      await evaluate(gpu, fnOf(c, variant) as never, inputsOf(c, 1));
      expect(gpu.stats().liveBuffers).toBe(before);
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
    const runBias = (ins: Input[]) => evaluate(cpuBackend, ((q: Tensor, k: Tensor, v: Tensor, b: Tensor) => attention(q, k, v, { heads: 2, bias: b })) as never, ins, false);
    await expect(runBias([f([1, 2, 8], 1), f([1, 3, 8], 2), f([1, 3, 8], 3), f([3, 3], 4)])).rejects.toThrow(/bias \[3,3\] does not broadcast to \(B, H, Tq, Tk\) = \[1,2,2,3\]/);
    await expect(runBias([f([1, 2, 8], 1), f([1, 3, 8], 2), f([1, 3, 8], 3), f([1, 1, 1, 2, 3], 4)])).rejects.toThrow(/bias must have rank 1\.\.4/);
    await expect(runBias([f([1, 2, 8], 1), f([1, 3, 8], 2), f([1, 3, 8], 3), { data: new Int32Array(6), shape: [2, 3], grad: false }])).rejects.toThrow(/bias must be f32/);
    await expect(run([f([1, 1, 2 * (MAX_HEAD_DIM + 4)], 1), f([1, 1, 2 * (MAX_HEAD_DIM + 4)], 2), f([1, 1, 2 * (MAX_HEAD_DIM + 4)], 3)], { heads: 2 })).rejects.toThrow(/exceeds MAX_HEAD_DIM/);
  });
});
