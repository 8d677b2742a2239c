// Batched matmul with optional transposes and batch broadcasting. Kernel: kernels/matmul.wgsl.
// Shapes: a (..., M, K) [or (..., K, M) with transA], b (..., K, N) [or (..., N, K) with transB];
// batch dims are flattened; a batch of 1 broadcasts. Rank 2 inputs are a batch of one.
import src from '../../../kernels/matmul.wgsl?raw';
import type { OpDef } from '../op';
import { shapeStr } from '../op';
import { runOp, type Tensor } from '../tensor';
import type { WebGPUBackend } from '../webgpu-backend';
import { f32meta } from './util';
import { sumTo } from './elementwise';

export type MatmulVariant = 'naive' | 'blocked4x4' | 'tiled';
export const MATMUL_VARIANTS: MatmulVariant[] = ['naive', 'blocked4x4', 'tiled'];

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

/** The kernel variant used by default on this adapter (one place; benchmarks report all). */
export function pickMatmulVariant(be: WebGPUBackend): MatmulVariant {
  // Software rasterisers (SwiftShader) pay dearly for workgroup barriers; real GPUs want workgroup-memory tiling.
  return be.info.isSoftware ? 'blocked4x4' : 'tiled';
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
  gpu: (be, [A, B], [C], attrs, m) => {
    const { batch, batchA, batchB, M, N, K } = dims(m.inputs[0].shape, m.inputs[1].shape, attrs);
    const variant = attrs.variant ?? pickMatmulVariant(be);
    const params = [M, N, K, batch, batchA === 1 ? 0 : M * K, batchB === 1 ? 0 : K * N, attrs.transA ? 1 : 0, attrs.transB ? 1 : 0];
    const spec = { key: `matmul:${variant}`, code: src, entry: variant };
    const wg: [number, number, number] =
      variant === 'naive'
        ? [Math.ceil(N / 16), Math.ceil(M / 16), batch]
        : variant === 'blocked4x4'
          ? [Math.ceil(N / 32), Math.ceil(M / 32), batch]
          : [Math.ceil(N / 64), Math.ceil(M / 64), batch];
    be.run(spec, [A, B, C], params, wg);
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
  const flat = g.reshapeView([batch, r, c]);
  return sumTo(flat, [1, r, c]).reshapeView(shape);
}

export function matmul(a: Tensor, b: Tensor, opts: Partial<MatmulAttrs> = {}): Tensor {
  return runOp(matmulDef, [a, b], { transA: !!opts.transA, transB: !!opts.transB, variant: opts.variant })[0];
}
