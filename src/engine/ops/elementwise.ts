// Elementwise ops with numpy broadcasting (any rank whose broadcast pattern merges to ≤ 4 axes, see coalesceShapes): unary maps/activations, binary arithmetic,
// sumTo (the backward of broadcasting) and broadcastTo. Kernels: kernels/{unary,binary,unary-grad,sum-to}.wgsl.
import common from '../../../kernels/elementwise-common.wgsl?raw';
import unarySrc from '../../../kernels/unary.wgsl?raw';
import binarySrc from '../../../kernels/binary.wgsl?raw';
import unaryGradSrc from '../../../kernels/unary-grad.wgsl?raw';
import sumToSrc from '../../../kernels/sum-to.wgsl?raw';
import type { OpDef } from '../op';
import { reshape, runOp, type Tensor } from '../tensor';
import { f32 } from '../webgpu-backend';
import { bcastIndex, broadcastShapes, broadcastStrides4, coalesceShapes, contiguousStrides, dispatch1d, f32meta, kernel, pad4, sameShape } from './util';
import { sizeOf } from '../backend';

// ------------------------------------------------------------------ unary

/** A unary map: WGSL + CPU forward (of a, alpha, beta) and gradient (of a, y, g, alpha, beta). */
interface UnaryFn {
  wgsl: string;
  cpu: (a: number, alpha: number, beta: number) => number;
  gradWgsl: string;
  grad: (a: number, y: number, g: number, alpha: number, beta: number) => number;
}

const GELU_C = Math.sqrt(2 / Math.PI);
const sig = (x: number) => 1 / (1 + Math.exp(-x));

// GELU uses the tanh approximation (PyTorch `approximate='tanh'`): WGSL has no erf.
export const UNARY = {
  identity: { wgsl: 'a', cpu: (a) => a, gradWgsl: 'g', grad: (_a, _y, g) => g },
  neg: { wgsl: '-a', cpu: (a) => -a, gradWgsl: '-g', grad: (_a, _y, g) => -g },
  affine: { wgsl: 'a * alpha + beta', cpu: (a, al, be) => a * al + be, gradWgsl: 'g * alpha', grad: (_a, _y, g, al) => g * al },
  exp: { wgsl: 'exp(a)', cpu: Math.exp, gradWgsl: 'g * y', grad: (_a, y, g) => g * y },
  log: { wgsl: 'log(a)', cpu: Math.log, gradWgsl: 'g / a', grad: (a, _y, g) => g / a },
  sqrt: { wgsl: 'sqrt(a)', cpu: Math.sqrt, gradWgsl: 'g * 0.5 / y', grad: (_a, y, g) => (g * 0.5) / y },
  square: { wgsl: 'a * a', cpu: (a) => a * a, gradWgsl: '2.0 * a * g', grad: (a, _y, g) => 2 * a * g },
  abs: { wgsl: 'abs(a)', cpu: Math.abs, gradWgsl: 'g * sign(a)', grad: (a, _y, g) => g * Math.sign(a) },
  step: { wgsl: 'select(0.0, 1.0, a > 0.0)', cpu: (a) => (a > 0 ? 1 : 0), gradWgsl: '0.0', grad: () => 0 },
  relu: { wgsl: 'max(a, 0.0)', cpu: (a) => Math.max(a, 0), gradWgsl: 'select(0.0, g, a > 0.0)', grad: (a, _y, g) => (a > 0 ? g : 0) },
  sigmoid: { wgsl: '1.0 / (1.0 + exp(-a))', cpu: sig, gradWgsl: 'g * y * (1.0 - y)', grad: (_a, y, g) => g * y * (1 - y) },
  tanh: { wgsl: 'tanh(a)', cpu: Math.tanh, gradWgsl: 'g * (1.0 - y * y)', grad: (_a, y, g) => g * (1 - y * y) },
  silu: {
    wgsl: 'a / (1.0 + exp(-a))',
    cpu: (a) => a * sig(a),
    gradWgsl: 'g * (1.0 / (1.0 + exp(-a))) * (1.0 + a * (1.0 - 1.0 / (1.0 + exp(-a))))',
    grad: (a, _y, g) => g * sig(a) * (1 + a * (1 - sig(a))),
  },
  gelu: {
    wgsl: '0.5 * a * (1.0 + tanh(0.7978845608 * (a + 0.044715 * a * a * a)))',
    cpu: (a) => 0.5 * a * (1 + Math.tanh(GELU_C * (a + 0.044715 * a ** 3))),
    gradWgsl:
      'g * (0.5 * (1.0 + tanh(0.7978845608 * (a + 0.044715 * a * a * a))) + 0.5 * a * (1.0 - pow(tanh(0.7978845608 * (a + 0.044715 * a * a * a)), 2.0)) * 0.7978845608 * (1.0 + 0.134145 * a * a))',
    grad: (a, _y, g) => {
      const t = Math.tanh(GELU_C * (a + 0.044715 * a ** 3));
      return g * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * a * a));
    },
  },
} satisfies Record<string, UnaryFn>;

export type UnaryKind = keyof typeof UNARY;
/** Kind ids of the C kernels (wasm/elementwise.c enum); a kind missing here runs the recorded CPU fallback on wasm. */
const UNARY_IDS: Partial<Record<UnaryKind, number>> = {
  identity: 0, neg: 1, affine: 2, exp: 3, log: 4, sqrt: 5, square: 6, abs: 7, step: 8, relu: 9, sigmoid: 10, tanh: 11, silu: 12, gelu: 13,
};
interface UnaryAttrs {
  kind: UnaryKind;
  alpha: number;
  beta: number;
  /** broadcastTo: output shape (else same as input). */
  shape?: readonly number[];
}

function unaryGpuParams(outShape0: readonly number[], inShape0: readonly number[], n: number, alpha: number, beta: number, gx: number) {
  const { out: outShape, ins: [inShape] } = coalesceShapes(outShape0, [inShape0]);
  return [...pad4(outShape), ...broadcastStrides4(inShape, outShape), 0, 0, 0, 0, n, f32(alpha), f32(beta), gx];
}

export const unaryDef: OpDef<UnaryAttrs> = {
  name: 'unary',
  outputs: ([x], a) => {
    const shape = a.shape ?? x.shape;
    broadcastShapes('broadcastTo', x.shape, shape);
    if (x.shape.length > shape.length) throw new Error(`broadcastTo: cannot broadcast [${x.shape}] to [${shape}]`);
    return [f32meta(shape)];
  },
  cpu: ([x], [out], a, m) => {
    const f = (UNARY as Record<UnaryKind, UnaryFn>)[a.kind].cpu;
    const c = coalesceShapes(m.outputs[0].shape, [m.inputs[0].shape]);
    const o = pad4(c.out);
    const st = broadcastStrides4(c.ins[0], c.out);
    for (let i = 0; i < out.length; i++) out[i] = f(x[bcastIndex(i, o, st)], a.alpha, a.beta);
  },
  webgpu: (be, [x], [out], a, m) => {
    const n = out.size;
    const { grid, gx } = dispatch1d(be, n);
    const spec = kernel(`unary:${a.kind}`, [common, unarySrc], { EXPR: UNARY[a.kind].wgsl });
    be.run(spec, [x, out], unaryGpuParams(m.outputs[0].shape, m.inputs[0].shape, n, a.alpha, a.beta, gx), grid);
  },
  wasm: (be, [x], [out], a, m) => {
    const id = UNARY_IDS[a.kind];
    if (id === undefined) return be.runCpu(unaryDef, [x], [out], a, m);
    const c = coalesceShapes(m.outputs[0].shape, [m.inputs[0].shape]);
    const [o0, o1, o2, o3] = pad4(c.out);
    const [s0, s1, s2, s3] = broadcastStrides4(c.ins[0], c.out);
    be.k.unary(id, be.ptr(x), be.ptr(out), o0, o1, o2, o3, s0, s1, s2, s3, a.alpha, a.beta);
  },
  backward: ({ inputs: [x], outputs: [y], grads: [g], attrs: a }) => {
    if (a.shape && !sameShape(a.shape, x.shape)) return [sumTo(g!, x.shape)];
    return [unaryGrad(a.kind, x, y, g!, a.alpha, a.beta)];
  },
};

interface UnaryGradAttrs {
  kind: UnaryKind;
  alpha: number;
  beta: number;
}
export const unaryGradDef: OpDef<UnaryGradAttrs> = {
  name: 'unaryGrad',
  outputs: ([x, y, g]) => {
    if (!sameShape(x.shape, g.shape) || !sameShape(y.shape, g.shape)) throw new Error('unaryGrad: x, y, g shapes differ');
    return [f32meta(x.shape)];
  },
  cpu: ([x, y, g], [out], a) => {
    const f = (UNARY as Record<UnaryKind, UnaryFn>)[a.kind].grad;
    for (let i = 0; i < out.length; i++) out[i] = f(x[i], y[i], g[i], a.alpha, a.beta);
  },
  webgpu: (be, [x, y, g], [out], a, m) => {
    const n = out.size;
    const { grid, gx } = dispatch1d(be, n);
    const spec = kernel(`unaryGrad:${a.kind}`, [common, unaryGradSrc], { EXPR: UNARY[a.kind].gradWgsl });
    const s = m.outputs[0].shape;
    be.run(spec, [x, y, g, out], unaryGpuParams(s, s, n, a.alpha, a.beta, gx), grid);
  },
  wasm: (be, [x, y, g], [out], a, m) => {
    const id = UNARY_IDS[a.kind];
    if (id === undefined) return be.runCpu(unaryGradDef, [x, y, g], [out], a, m);
    be.k.unary_grad(id, be.ptr(x), be.ptr(y), be.ptr(g), be.ptr(out), out.size, a.alpha);
  },
  backward: 'nondiff',
};

export function unary(kind: UnaryKind, x: Tensor, alpha = 1, beta = 0): Tensor {
  return runOp(unaryDef, [x], { kind, alpha, beta })[0];
}
function unaryGrad(kind: UnaryKind, x: Tensor, y: Tensor, g: Tensor, alpha: number, beta: number): Tensor {
  return runOp(unaryGradDef, [x, y, g], { kind, alpha, beta })[0];
}

export const neg = (x: Tensor) => unary('neg', x);
export const exp = (x: Tensor) => unary('exp', x);
export const log = (x: Tensor) => unary('log', x);
export const sqrt = (x: Tensor) => unary('sqrt', x);
export const square = (x: Tensor) => unary('square', x);
export const abs = (x: Tensor) => unary('abs', x);
export const relu = (x: Tensor) => unary('relu', x);
export const sigmoid = (x: Tensor) => unary('sigmoid', x);
export const tanh = (x: Tensor) => unary('tanh', x);
export const silu = (x: Tensor) => unary('silu', x);
export const gelu = (x: Tensor) => unary('gelu', x);
/** x * alpha + beta */
export const affine = (x: Tensor, alpha: number, beta = 0) => unary('affine', x, alpha, beta);
export const scale = (x: Tensor, alpha: number) => unary('affine', x, alpha, 0);
export const addScalar = (x: Tensor, c: number) => unary('affine', x, 1, c);
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  return runOp(unaryDef, [x], { kind: 'identity', alpha: 1, beta: 0, shape })[0];
}
/** A copy with its own storage (identity map). */
export const copy = (x: Tensor) => unary('identity', x);

// ------------------------------------------------------------------ binary

interface BinaryFn {
  wgsl: string;
  cpu: (a: number, b: number) => number;
}
export const BINARY = {
  add: { wgsl: 'a + b', cpu: (a, b) => a + b },
  sub: { wgsl: 'a - b', cpu: (a, b) => a - b },
  mul: { wgsl: 'a * b', cpu: (a, b) => a * b },
  div: { wgsl: 'a / b', cpu: (a, b) => a / b },
  maximum: { wgsl: 'max(a, b)', cpu: Math.max },
} satisfies Record<string, BinaryFn>;
export type BinaryKind = keyof typeof BINARY;
const BINARY_IDS: Record<BinaryKind, number> = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4 };

export const binaryDef: OpDef<{ kind: BinaryKind }> = {
  name: 'binary',
  outputs: ([a, b], { kind }) => {
    if (a.dtype !== 'f32' || b.dtype !== 'f32') throw new Error(`${kind}: f32 inputs required`);
    return [f32meta(broadcastShapes(kind, a.shape, b.shape))];
  },
  cpu: ([A, B], [out], { kind }, m) => {
    const f = BINARY[kind].cpu;
    const c = coalesceShapes(m.outputs[0].shape, [m.inputs[0].shape, m.inputs[1].shape]);
    const o = pad4(c.out);
    const sa = broadcastStrides4(c.ins[0], c.out);
    const sb = broadcastStrides4(c.ins[1], c.out);
    for (let i = 0; i < out.length; i++) out[i] = f(A[bcastIndex(i, o, sa)], B[bcastIndex(i, o, sb)]);
  },
  webgpu: (be, [A, B], [out], { kind }, m) => {
    const n = out.size;
    const { grid, gx } = dispatch1d(be, n);
    const c = coalesceShapes(m.outputs[0].shape, [m.inputs[0].shape, m.inputs[1].shape]);
    const os = c.out;
    const params = [...pad4(os), ...broadcastStrides4(c.ins[0], os), ...broadcastStrides4(c.ins[1], os), n, f32(0), f32(0), gx];
    be.run(kernel(`binary:${kind}`, [common, binarySrc], { EXPR: BINARY[kind].wgsl }), [A, B, out], params, grid);
  },
  wasm: (be, [A, B], [out], { kind }, m) => {
    const c = coalesceShapes(m.outputs[0].shape, [m.inputs[0].shape, m.inputs[1].shape]);
    const os = c.out;
    be.k.binary(BINARY_IDS[kind], be.ptr(A), be.ptr(B), be.ptr(out), ...pad4(os), ...broadcastStrides4(c.ins[0], os), ...broadcastStrides4(c.ins[1], os));
  },
  backward: ({ inputs: [a, b], grads: [g], attrs: { kind } }) => {
    const G = g!;
    const ga = a.requiresGrad;
    const gb = b.requiresGrad;
    switch (kind) {
      case 'add':
        return [ga ? sumTo(G, a.shape) : null, gb ? sumTo(G, b.shape) : null];
      case 'sub':
        return [ga ? sumTo(G, a.shape) : null, gb ? sumTo(neg(G), b.shape) : null];
      case 'mul':
        return [ga ? sumTo(mul(G, b), a.shape) : null, gb ? sumTo(mul(G, a), b.shape) : null];
      case 'div':
        return [ga ? sumTo(div(G, b), a.shape) : null, gb ? sumTo(neg(div(mul(G, a), square(b))), b.shape) : null];
      case 'maximum': {
        // the gradient goes to the larger input (to b on ties)
        const mA = unary('step', sub(a, b));
        return [ga ? sumTo(mul(G, mA), a.shape) : null, gb ? sumTo(mul(G, addScalar(neg(mA), 1)), b.shape) : null];
      }
    }
  },
};

export function binary(kind: BinaryKind, a: Tensor, b: Tensor): Tensor {
  return runOp(binaryDef, [a, b], { kind })[0];
}
export const add = (a: Tensor, b: Tensor) => binary('add', a, b);
export const sub = (a: Tensor, b: Tensor) => binary('sub', a, b);
export const mul = (a: Tensor, b: Tensor) => binary('mul', a, b);
export const div = (a: Tensor, b: Tensor) => binary('div', a, b);
export const maximum = (a: Tensor, b: Tensor) => binary('maximum', a, b);

// ------------------------------------------------------------------ sumTo

export const sumToDef: OpDef<{ shape: readonly number[] }> = {
  name: 'sumTo',
  outputs: ([x], { shape }) => {
    const b = broadcastShapes('sumTo', shape, x.shape);
    if (!sameShape(b, x.shape) || shape.length > x.shape.length) throw new Error(`sumTo: [${x.shape}] does not reduce to [${shape}]`);
    return [f32meta(shape)];
  },
  cpu: ([x], [out], { shape }, m) => {
    out.fill(0);
    const c = coalesceShapes(m.inputs[0].shape, [shape]);
    const xs = pad4(c.out);
    const os = pad4(c.ins[0]);
    const ost = contiguousStrides(os).map((s, k) => (os[k] === 1 ? 0 : s));
    for (let i = 0; i < x.length; i++) out[bcastIndex(i, xs, ost)] += x[i];
  },
  webgpu: (be, [x], [out], { shape }, m) => {
    const n = out.size;
    const { grid, gx } = dispatch1d(be, n);
    const c = coalesceShapes(m.inputs[0].shape, [shape]);
    const xs = pad4(c.out);
    const params = [...pad4(c.ins[0]), ...contiguousStrides(xs), ...xs, n, f32(0), f32(0), gx];
    be.run(kernel('sumTo', [common, sumToSrc]), [x, out], params, grid);
  },
  wasm: (be, [x], [out], { shape }, m) => {
    const c = coalesceShapes(m.inputs[0].shape, [shape]);
    const [x0, x1, x2, x3] = pad4(c.out);
    const os = pad4(c.ins[0]);
    const [t0, t1, t2, t3] = contiguousStrides(os).map((s, k) => (os[k] === 1 ? 0 : s));
    be.k.sum_to(be.ptr(x), be.ptr(out), out.size, x0, x1, x2, x3, t0, t1, t2, t3);
  },
  backward: ({ inputs: [x], grads: [g] }) => [broadcastTo(g!, x.shape)],
};

/** Sum `x` down to `shape` (which must broadcast to x's shape). Identity when shapes match. */
export function sumTo(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  if (sizeOf(shape) === sizeOf(x.shape)) return reshape(x, shape);
  return runOp(sumToDef, [x], { shape: [...shape] })[0];
}
