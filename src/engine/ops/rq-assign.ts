// Residual-quantization assignment (CRQ-VAE, paper Eq. 1): the nearest codeword of each row.
//   nearestCode(x (N, d), codebook (K, d)) -> [index i32 (N), dist2 f32 (N)],  index = argmin_k ||x - e_k||² (ties -> lowest k).
// Non-differentiable (the straight-through estimator and the codebook/commitment losses are written with other ops).
// Kernel: kernels/rq-assign.wgsl, two entry points chosen per adapter by `pickRqVariant`.
import src from '../../../kernels/rq-assign.wgsl?raw';
import type { OpDef } from '../op';
import { shapeStr } from '../op';
import { runOp, type Tensor } from '../tensor';
import type { WebGPUBackend } from '../webgpu-backend';
import { grid1d } from '../webgpu-backend';

export type RqVariant = 'simple' | 'workgroup';
export const RQ_VARIANTS: RqVariant[] = ['simple', 'workgroup'];

export interface NearestCodeAttrs {
  /** Force a kernel variant (tests, benchmarks); default: `pickRqVariant`. */
  variant?: RqVariant;
}

/** The default kernel on this adapter: software rasterisers run barrier-free one-thread-per-row; GPUs split K over a workgroup. */
export function pickRqVariant(be: WebGPUBackend): RqVariant {
  return be.info.isSoftware ? 'simple' : 'workgroup';
}

export const nearestCodeDef: OpDef<NearestCodeAttrs> = {
  name: 'nearestCode',
  outputs: ([x, e]) => {
    if (x.shape.length !== 2 || e.shape.length !== 2 || x.dtype !== 'f32' || e.dtype !== 'f32') {
      throw new Error(`nearestCode: x (N, d) and codebook (K, d) must be f32 matrices, got ${shapeStr(x.shape)} and ${shapeStr(e.shape)}`);
    }
    if (x.shape[1] !== e.shape[1]) throw new Error(`nearestCode: widths differ: x ${shapeStr(x.shape)} vs codebook ${shapeStr(e.shape)}`);
    if (e.shape[0] < 1) throw new Error('nearestCode: the codebook is empty');
    return [
      { shape: [x.shape[0]], dtype: 'i32' },
      { shape: [x.shape[0]], dtype: 'f32' },
    ];
  },
  cpu: ([x, e], [index, dist2], _a, m) => {
    const [N, d] = m.inputs[0].shape;
    const K = m.inputs[1].shape[0];
    for (let n = 0; n < N; n++) {
      let bd = Infinity;
      let bk = -1;
      for (let k = 0; k < K; k++) {
        // f32 accumulation in j order, like the kernel
        let acc = 0;
        for (let j = 0; j < d; j++) {
          const t = Math.fround(x[n * d + j] - e[k * d + j]);
          acc = Math.fround(acc + Math.fround(t * t));
        }
        // same rule as the kernel's better(): smaller, or equal and no candidate yet (k ascends)
        if (acc < bd || (acc === bd && bk < 0)) {
          bd = acc;
          bk = k;
        }
      }
      index[n] = bk;
      dist2[n] = bd;
    }
  },
  webgpu: (be, [x, e], [index, dist2], attrs, m) => {
    const [N, d] = m.inputs[0].shape;
    const K = m.inputs[1].shape[0];
    const variant = attrs.variant ?? pickRqVariant(be);
    const maxWg = be.info.limits.maxComputeWorkgroupsPerDimension ?? 65535;
    const grid = grid1d(variant === 'simple' ? Math.ceil(N / 64) : N, maxWg);
    be.run({ key: `rq-assign:${variant}`, code: src, entry: variant === 'simple' ? 'simple' : 'wg_reduce' }, [x, e, index, dist2], [N, K, d, grid[0]], grid);
  },
  wasm: (be, [x, e], [index, dist2], _a, m) => {
    const [N, d] = m.inputs[0].shape;
    be.k.nearest_code(be.ptr(x), be.ptr(e), be.ptr(index), be.ptr(dist2), N, m.inputs[1].shape[0], d);
  },
  backward: 'nondiff',
};

/** Nearest codeword per row: [index i32 (N), squared distance f32 (N)]; ties go to the lowest codeword index. */
export function nearestCode(x: Tensor, codebook: Tensor, opts: NearestCodeAttrs = {}): [Tensor, Tensor] {
  const [index, dist2] = runOp(nearestCodeDef, [x, codebook], { variant: opts.variant });
  return [index, dist2];
}
