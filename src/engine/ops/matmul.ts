// Batched matmul with optional transposes and batch broadcasting. Kernels: kernels/matmul.wgsl (generic variants, any
// shape) and kernels/matmul-vec4.wgsl (vec4 fast paths, specialised per transpose pair; see `vec4Eligible`);
// wasm: wasm/matmul.c (packed panels + 4x8 SIMD micro-kernel, every transpose pair at the same speed).
// Shapes: a (..., M, K) [or (..., K, M) with transA], b (..., K, N) [or (..., N, K) with transB];
// batch dims are flattened; a batch of 1 broadcasts. Rank 2 inputs are a batch of one.
import src from '../../../kernels/matmul.wgsl?raw';
import vec4Src from '../../../kernels/matmul-vec4.wgsl?raw';
import type { OpDef } from '../op';
import { shapeStr } from '../op';
import { reshape, runOp, type Tensor } from '../tensor';
import type { WebGPUBackend } from '../webgpu-backend';
import { f32meta, kernel } from './util';
import { sumTo } from './elementwise';

/** The vec4 kernels' transpose flags, compiled in (one header per pair, so `kernel`'s memo compares them by identity). */
const transposeHeader = (a: boolean, b: boolean) => `const TA: bool = ${a};\nconst TB: bool = ${b};`;
const [FF, FT, TF, TT] = [transposeHeader(false, false), transposeHeader(false, true), transposeHeader(true, false), transposeHeader(true, true)];

export type MatmulVariant = 'naive' | 'blocked4x4' | 'tiled' | 'vec4' | 'tiledVec4';
/** Every variant (tests and `npm run bench:kernels` run all of them). `vec4`/`tiledVec4` are fast paths: on shapes
 *  they cannot take (see `vec4Eligible`) they run the generic `tiled` kernel, which beat `blocked4x4` on SwiftShader
 *  too (bench:kernels 2026-11-23, all five matmul shapes: Chromium 0.20–0.55 vs 0.16–0.21 GFLOP/s, Node/Dawn 0.14–0.39
 *  vs 0.12–0.14). */
export const MATMUL_VARIANTS: MatmulVariant[] = ['naive', 'blocked4x4', 'tiled', 'vec4', 'tiledVec4'];
const VEC4_FALLBACK: Partial<Record<MatmulVariant, MatmulVariant>> = { vec4: 'tiled', tiledVec4: 'tiled' };
const VEC4_ENTRY: Partial<Record<MatmulVariant, string>> = { vec4: 'vec4_8x8', tiledVec4: 'tiled_vec4' };

export interface MatmulAttrs {
  transA: boolean;
  transB: boolean;
  /** Force a kernel variant (benchmarks, tests); default: chosen per adapter by `pickMatmulVariant`. */
  variant?: MatmulVariant;
}

interface Dims {
  batch: number;
  batchA: number;
  batchB: number;
  M: number;
  N: number;
  K: number;
  outShape: number[];
}

function dims(a: readonly number[], b: readonly number[], { transA, transB }: MatmulAttrs): Dims {
  if (a.length < 2 || b.length < 2) throw new Error(`matmul: inputs must have rank >= 2, got ${shapeStr(a)} and ${shapeStr(b)}`);
  const [ar, ac] = a.slice(-2);
  const [br, bc] = b.slice(-2);
  const M = transA ? ac : ar;
  const K = transA ? ar : ac;
  const Kb = transB ? bc : br;
  const N = transB ? br : bc;
  if (K !== Kb) throw new Error(`matmul: inner dimensions differ: ${shapeStr(a)}${transA ? 'ᵀ' : ''} · ${shapeStr(b)}${transB ? 'ᵀ' : ''}`);
  const batchShapeA = a.slice(0, -2);
  const batchShapeB = b.slice(0, -2);
  const batchA = batchShapeA.reduce((x, y) => x * y, 1);
  const batchB = batchShapeB.reduce((x, y) => x * y, 1);
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) {
    throw new Error(`matmul: batch dimensions ${shapeStr(batchShapeA)} and ${shapeStr(batchShapeB)} do not broadcast`);
  }
  const batchShape = batchA >= batchB ? batchShapeA : batchShapeB;
  return { batch: Math.max(batchA, batchB), batchA, batchB, M, N, K, outShape: [...batchShape, M, N] };
}

/**
 * Can the vec4 kernels (kernels/matmul-vec4.wgsl) run this product? They read A and B as vec4 along their contiguous
 * axis: K must be a multiple of 4, and also M when A is transposed (vec4 along M), N when B is not (vec4 along N).
 */
export function vec4Eligible(M: number, N: number, K: number, transA: boolean, transB: boolean): boolean {
  return K % 4 === 0 && (!transA || M % 4 === 0) && (transB || N % 4 === 0);
}

/** The kernel variant that really runs: a vec4 fast path falls back to the generic `tiled` kernel when ineligible. */
export function resolveMatmulVariant(variant: MatmulVariant, M: number, N: number, K: number, transA: boolean, transB: boolean): MatmulVariant {
  const fallback = VEC4_FALLBACK[variant];
  return fallback && !vec4Eligible(M, N, K, transA, transB) ? fallback : variant;
}

/**
 * The kernel variant used by default on this adapter (one place; benchmarks report all). Shapes the vec4 kernels
 * cannot take run `tiled` (see `resolveMatmulVariant`).
 *
 * Software adapters (SwiftShader runs shaders on the CPU; workgroup barriers are expensive) → `vec4`, register-blocked
 * 8x8 per thread with vec4 loads. Measured by `npm run bench:kernels` (docs/results/bench-kernels.md, 2026-11-23
 * 17:49 UTC, 2-core machine at load 5–7), GFLOP/s on the five model matmul shapes:
 *   Chromium:  vec4 1.19–1.91 | tiledVec4 0.22–0.68 | tiled 0.20–0.55 | blocked4x4 0.16–0.21 | ORT-web WebGPU 0.14–0.23
 *              → vec4 is 7.2–9.2x ORT-web's WebGPU EP on the same adapter;
 *   Node/Dawn: vec4 0.89–1.24 | tiledVec4 0.13–0.49 | tiled 0.14–0.39 | blocked4x4 0.12–0.14.
 * Transposed operands (the backward pass) keep the gap: Node/Dawn vec4 0.58–1.14 vs tiled 0.14–0.34 with transA or
 * transB. 8x8 outputs per thread beat 8x4 by 8–31% and 4x8 by 16–36% in an interleaved Node/Dawn comparison (4x4 was
 * a further ~20% slower than 8x4).
 *
 * Real GPUs → `tiledVec4` (64x64 tile staged in workgroup memory with vec4 loads: operand reuse across the tile);
 * not measured here (no real GPU on the benchmark machine), chosen by design.
 */
export function pickMatmulVariant(be: WebGPUBackend): MatmulVariant {
  return be.info.isSoftware ? 'vec4' : 'tiledVec4';
}

export const matmulDef: OpDef<MatmulAttrs> = {
  name: 'matmul',
  outputs: ([a, b], attrs) => [f32meta(dims(a.shape, b.shape, attrs).outShape)],
  cpu: ([A, B], [C], attrs, m) => {
    const { batch, batchA, batchB, M, N, K } = dims(m.inputs[0].shape, m.inputs[1].shape, attrs);
    const { transA, transB } = attrs;
    const acc = new Float64Array(N);
    for (let bt = 0; bt < batch; bt++) {
      const oa = batchA === 1 ? 0 : bt * M * K;
      const ob = batchB === 1 ? 0 : bt * K * N;
      for (let i = 0; i < M; i++) {
        acc.fill(0);
        for (let k = 0; k < K; k++) {
          const av = transA ? A[oa + k * M + i] : A[oa + i * K + k];
          if (av === 0) continue;
          for (let j = 0; j < N; j++) acc[j] += av * (transB ? B[ob + j * K + k] : B[ob + k * N + j]);
        }
        const oc = bt * M * N + i * N;
        for (let j = 0; j < N; j++) C[oc + j] = acc[j];
      }
    }
  },
  webgpu: (be, [A, B], [C], attrs, m) => {
    const { batch, batchA, batchB, M, N, K } = dims(m.inputs[0].shape, m.inputs[1].shape, attrs);
    const { transA, transB } = attrs;
    const variant = resolveMatmulVariant(attrs.variant ?? pickMatmulVariant(be), M, N, K, transA, transB);
    const params = [M, N, K, batch, batchA === 1 ? 0 : M * K, batchB === 1 ? 0 : K * N, transA ? 1 : 0, transB ? 1 : 0];
    const entry = VEC4_ENTRY[variant];
    // vec4 kernels: one pipeline per transpose pair, the transposes being compile-time constants of the WGSL
    const spec = entry
      ? kernel(`matmul-vec4:${variant}:${+transA}${+transB}`, [transA ? (transB ? TT : TF) : transB ? FT : FF, vec4Src], {}, entry)
      : kernel(`matmul:${variant}`, [src], {}, variant);
    // output tile per workgroup, [rows (M), cols (N)]
    const [tm, tn] = variant === 'naive' ? [16, 16] : variant === 'blocked4x4' ? [32, 32] : [64, 64];
    const wg: [number, number, number] = [Math.ceil(N / tn), Math.ceil(M / tm), batch];
    be.run(spec, [A, B, C], params, wg);
  },
  wasm: (be, [A, B], [C], attrs, m) => {
    const { batch, batchA, batchB, M, N, K } = dims(m.inputs[0].shape, m.inputs[1].shape, attrs);
    const scratch = be.scratch(be.k.matmul_scratch(N));
    be.k.matmul(be.ptr(A), be.ptr(B), be.ptr(C), M, N, K, batch, batchA === 1 ? 0 : M * K, batchB === 1 ? 0 : K * N, +attrs.transA, +attrs.transB, scratch);
  },
  backward: ({ inputs: [a, b], grads: [g], attrs }) => {
    const G = g!;
    const { transA, transB } = attrs;
    // C = op(A)·op(B).  dop(A) = G·op(B)ᵀ, dop(B) = op(A)ᵀ·G; undo the op for the stored layout.
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (a.requiresGrad) {
      da = transA ? matmul(b, G, { transA: transB, transB: true }) : matmul(G, b, { transA: false, transB: !transB });
      da = reduceBatch(da, a.shape);
    }
    if (b.requiresGrad) {
      db = transB ? matmul(G, a, { transA: true, transB: transA }) : matmul(a, G, { transA: !transA, transB: false });
      db = reduceBatch(db, b.shape);
    }
    return [da, db];
  },
};

/** Sum a gradient computed over the full batch back to an operand that was broadcast. */
function reduceBatch(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const batch = g.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const [r, c] = g.shape.slice(-2);
  const flat = reshape(g, [batch, r, c]);
  return reshape(sumTo(flat, [1, r, c]), shape);
}

export function matmul(a: Tensor, b: Tensor, opts: Partial<MatmulAttrs> = {}): Tensor {
  return runOp(matmulDef, [a, b], { transA: !!opts.transA, transB: !!opts.transB, variant: opts.variant })[0];
}
