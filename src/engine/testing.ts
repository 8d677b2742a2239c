// Test helpers shared by every op test: seeded data, the WebGPU and wasm backends for this process, every backend vs
// the CPU reference for values and gradients (one parameterised suite: `checkGpuVsCpu` runs each op test on every
// backend in `testBackends()`), and finite-difference gradient checks.
import type { Backend, CpuArray } from './backend';
import { CpuBackend } from './cpu-backend';
import { requestGpu } from './device';
import { grad } from './autograd';
import { add, mul, sumTo } from './ops/elementwise';
import { Tensor, tensor, tidyAsync, setBackend } from './tensor';
import { WebGPUBackend } from './webgpu-backend';
import { loadWasm, WasmBackend } from './wasm-backend';

export { rng, randn, randint } from './random';
import { rng, randn, randint } from './random';

let gpuPromise: Promise<WebGPUBackend> | null = null;
/** One WebGPU backend per test process (Dawn + SwiftShader in Node). */
export function testGpu(): Promise<WebGPUBackend> {
  gpuPromise ??= requestGpu().then((ctx) => new WebGPUBackend(ctx));
  return gpuPromise;
}

let wasmPromise: Promise<WasmBackend> | null = null;
/**
 * One wasm SIMD backend per test process (build/wasm/*.wasm, built by the vitest global setup): on
 * HIGR_TEST_WASM_THREADS threads (default 2) with every splittable kernel call split (minWork 0), so the op suites
 * check the threaded dispatch against the CPU reference; `HIGR_TEST_WASM_THREADS=1` runs the single-threaded module.
 */
export function testWasm(): Promise<WasmBackend> {
  const threads = Number(process.env.HIGR_TEST_WASM_THREADS ?? 2);
  wasmPromise ??= loadWasm(undefined, { threads, minWork: 0 }).then((m) => new WasmBackend(m));
  return wasmPromise;
}

export const cpuBackend = new CpuBackend();

export type TestBackendKind = 'webgpu' | 'wasm';
/**
 * The backends every op test checks against the CPU reference: webgpu and wasm, or the comma list in
 * HIGR_TEST_BACKENDS (e.g. `HIGR_TEST_BACKENDS=wasm npx vitest run src/engine`).
 */
export async function testBackends(): Promise<Backend[]> {
  const kinds = (process.env.HIGR_TEST_BACKENDS ?? 'webgpu,wasm').split(',').map((k) => k.trim()).filter(Boolean);
  const out: Backend[] = [];
  for (const k of kinds) {
    if (k === 'webgpu') out.push(await testGpu());
    else if (k === 'wasm') out.push(await testWasm());
    else throw new Error(`HIGR_TEST_BACKENDS: unknown backend "${k}" (webgpu, wasm)`);
  }
  return out;
}

export interface Input {
  data: CpuArray;
  shape: number[];
  /** differentiate w.r.t. this input (default: true for f32) */
  grad?: boolean;
}
export const f = (shape: number[], seed: number, scale = 1): Input => ({
  data: randn(shape.reduce((a, b) => a * b, 1), seed, scale),
  shape,
});
export const ints = (shape: number[], hi: number, seed: number): Input => ({
  data: randint(shape.reduce((a, b) => a * b, 1), hi, seed),
  shape,
  grad: false,
});

function make(be: Backend, inputs: Input[]): Tensor[] {
  return inputs.map((i) => {
    const t = tensor(i.data, i.shape, i.data instanceof Int32Array ? 'i32' : 'f32', be);
    if (i.data instanceof Float32Array && i.grad !== false) t.requiresGrad = true;
    return t;
  });
}

type Fn = (...xs: Tensor[]) => Tensor | Tensor[];
const asList = (r: Tensor | Tensor[]) => (Array.isArray(r) ? r : [r]);

/** Run `fn` on `be`, returning outputs and (optionally) gradients of sum(out_k * w_k) for fixed random weights w. */
export async function evaluate(be: Backend, fn: Fn, inputs: Input[], withGrad = true): Promise<{ outs: CpuArray[]; grads: (CpuArray | null)[] }> {
  setBackend(be);
  return tidyAsync(async () => {
    const xs = make(be, inputs);
    const outs = asList(fn(...xs));
    const outData = await Promise.all(outs.map((o) => o.data()));
    if (!withGrad) return { outs: outData, grads: [] };
    let loss: Tensor | null = null;
    outs.forEach((o, k) => {
      if (o.dtype !== 'f32' || !o.requiresGrad) return;
      const w = tensor(randn(o.size, 1000 + k), o.shape, 'f32', be);
      const term = sumTo(mul(o, w), [1]);
      loss = loss ? add(loss, term) : term;
    });
    if (!loss) return { outs: outData, grads: xs.map(() => null) };
    const gs = grad(loss, xs);
    const grads = await Promise.all(gs.map((g) => (g ? g.data() : null)));
    return { outs: outData, grads };
  });
}


export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Assert |a-b| <= atol + rtol*|b| elementwise; throws with the worst index. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-4, rtol = 1e-3, what = 'values'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!Number.isFinite(a) && !(Number.isNaN(a) && Number.isNaN(e)) && a !== e) {
      throw new Error(`${what}[${i}] = ${a}, expected ${e}`);
    }
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worst >= 0) throw new Error(`${what}[${worst}] = ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
}

/** Every test backend (webgpu, wasm: `testBackends`) vs the CPU reference: outputs and gradients. */
export async function checkGpuVsCpu(fn: Fn, inputs: Input[], tol: { atol?: number; rtol?: number; grad?: boolean } = {}): Promise<void> {
  const ref = await evaluate(cpuBackend, fn, inputs, tol.grad ?? true);
  for (const be of await testBackends()) {
    const res =
      be instanceof WebGPUBackend ? await (await be.checked(() => evaluate(be, fn, inputs, tol.grad ?? true))) : await evaluate(be, fn, inputs, tol.grad ?? true);
    ref.outs.forEach((o, k) => expectClose(res.outs[k], o, tol.atol ?? 1e-4, tol.rtol ?? 1e-3, `${be.kind}: output ${k}`));
    ref.grads.forEach((g, k) => {
      if (g === null) return;
      if (!res.grads[k]) throw new Error(`${be.kind}: gradient ${k} missing`);
      expectClose(res.grads[k]!, g, tol.atol ?? 1e-4, tol.rtol ?? 1e-3, `${be.kind}: grad of input ${k}`);
    });
  }
}
/** The same check, named for what it does. */
export const checkBackendsVsCpu = checkGpuVsCpu;

/**
 * Finite differences on the CPU reference (central, double-sided), for `samples` random coordinates of each
 * differentiable input. Loss = Σ_k Σ out_k · w_k with fixed random w (the same as `evaluate`).
 */
export async function checkFiniteDiff(fn: Fn, inputs: Input[], opts: { eps?: number; tol?: number; samples?: number } = {}): Promise<void> {
  const eps = opts.eps ?? 1e-2;
  const tol = opts.tol ?? 2e-2;
  const { grads } = await evaluate(cpuBackend, fn, inputs, true);
  const lossOf = async (ins: Input[]) => {
    const { outs } = await evaluate(cpuBackend, fn, ins, false);
    let s = 0;
    outs.forEach((o, k) => {
      if (!(o instanceof Float32Array)) return;
      const w = randn(o.length, 1000 + k);
      for (let i = 0; i < o.length; i++) s += o[i] * w[i];
    });
    return s;
  };
  const r = rng(77);
  for (let k = 0; k < inputs.length; k++) {
    const g = grads[k];
    if (!g) continue;
    const n = inputs[k].data.length;
    const picks = Math.min(n, opts.samples ?? 6);
    for (let s = 0; s < picks; s++) {
      const i = picks === n ? s : Math.floor(r() * n);
      const plus = inputs.map((x, j) => (j === k ? { ...x, data: x.data.slice() } : x));
      const minus = inputs.map((x, j) => (j === k ? { ...x, data: x.data.slice() } : x));
      plus[k].data[i] += eps;
      minus[k].data[i] -= eps;
      const num = ((await lossOf(plus)) - (await lossOf(minus))) / (2 * eps);
      const ana = g[i];
      const err = Math.abs(num - ana) / Math.max(1, Math.abs(num), Math.abs(ana));
      if (err > tol) throw new Error(`finite difference: input ${k}[${i}] analytic ${ana} vs numeric ${num} (rel err ${err.toFixed(4)})`);
    }
  }
}
