// Fused in-place AdamW step, matching torch.optim.AdamW (amsgrad=False, maximize=False): decoupled weight decay,
// bias-corrected moments. Non-differentiable, no outputs: the kernel (kernels/adamw.wgsl) rewrites p, m and v.
// An optional `gradScale` (1) f32 tensor multiplies the gradient first — the clipping factor from `gradClipScale`,
// so clipping never needs a readback or a separate pass over the gradients.
import src from '../../../kernels/adamw.wgsl?raw';
import type { OpDef } from '../op';
import { shapeStr } from '../op';
import { runOp, type Tensor } from '../tensor';
import { f32 } from '../webgpu-backend';
import { dispatch1d, kernel, sameShape } from './util';

export interface AdamwOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step count of this update (bias correction). */
  step: number;
}

export interface AdamwAttrs extends AdamwOptions {
  scaled: boolean;
}

/** Host-side (f64) scalars of one step, as PyTorch computes them with Python floats. */
function scalars(a: AdamwOptions) {
  const bc1 = 1 - a.beta1 ** a.step;
  const bc2 = 1 - a.beta2 ** a.step;
  return { decay: 1 - a.lr * a.weightDecay, stepSize: a.lr / bc1, bc2sqrt: Math.sqrt(bc2) };
}

export const adamwDef: OpDef<AdamwAttrs> = {
  name: 'adamwStep',
  outputs: (ins, a) => {
    const [p, g, m, v, s] = ins;
    for (const [name, t] of [['g', g], ['m', m], ['v', v]] as const) {
      if (!sameShape(t.shape, p.shape) || t.dtype !== 'f32' || p.dtype !== 'f32') {
        throw new Error(`adamwStep: ${name} ${t.dtype} ${shapeStr(t.shape)} must be f32 of the parameter's shape ${shapeStr(p.shape)}`);
      }
    }
    if (a.scaled && (!s || s.dtype !== 'f32' || s.shape.reduce((x, y) => x * y, 1) !== 1)) {
      throw new Error('adamwStep: gradScale must be an f32 tensor with one element');
    }
    if (!Number.isInteger(a.step) || a.step < 1) throw new Error(`adamwStep: step must be an integer >= 1, got ${a.step}`);
    return [];
  },
  cpu: ([p, g, m, v, s], _o, a) => {
    const { decay, stepSize, bc2sqrt } = scalars(a);
    const scale = a.scaled ? s[0] : 1;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] * scale;
      const mi = (m[i] = a.beta1 * m[i] + (1 - a.beta1) * gi);
      const vi = (v[i] = a.beta2 * v[i] + (1 - a.beta2) * gi * gi);
      p[i] = p[i] * decay - stepSize * (mi / (Math.sqrt(vi) / bc2sqrt + a.eps));
    }
  },
  webgpu: (be, ins, _o, a) => {
    const [p, g, m, v, s] = ins;
    const n = p.size;
    const { decay, stepSize, bc2sqrt } = scalars(a);
    const { grid, gx } = dispatch1d(be, n);
    const spec = kernel(`adamw:${a.scaled ? 'scaled' : 'plain'}`, [src], {
      GSCALE_DECL: a.scaled ? '@group(0) @binding(5) var<storage, read> gradScale: array<f32>;' : '',
      GSCALE_EXPR: a.scaled ? 'gradScale[0]' : '1.0',
    });
    const params = [n, gx, f32(decay), f32(a.beta1), f32(a.beta2), f32(1 - a.beta1), f32(1 - a.beta2), f32(stepSize), f32(bc2sqrt), f32(a.eps), 0, 0];
    be.run(spec, a.scaled ? [p, g, m, v, s] : [p, g, m, v], params, grid);
  },
  wasm: (be, ins, _o, a) => {
    const [p, g, m, v, s] = ins;
    const { decay, stepSize, bc2sqrt } = scalars(a);
    const scale = a.scaled ? be.arr(s)[0] : 1;
    be.k.adamw(be.ptr(p), be.ptr(g), be.ptr(m), be.ptr(v), p.size, scale, decay, a.beta1, a.beta2, stepSize, bc2sqrt, a.eps);
  },
  backward: 'nondiff',
};

/**
 * One AdamW update in place: p, m (first moment) and v (second moment) are overwritten.
 * `gradScale` (optional, (1) f32) multiplies g, e.g. the clip factor from `gradClipScale`.
 */
export function adamwStep(p: Tensor, g: Tensor, m: Tensor, v: Tensor, opts: AdamwOptions & { gradScale?: Tensor }): void {
  const { gradScale, ...o } = opts;
  // p, m, v are bound read_write: the same buffer twice is a WebGPU validation error (and wrong on the CPU)
  const stores = [p, g, m, v].map((t) => t.storage);
  if (new Set(stores).size !== 4) throw new Error('adamwStep: p, g, m and v must be four distinct tensors (no shared storage)');
  const attrs: AdamwAttrs = { lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay, step: o.step, scaled: !!gradScale };
  runOp(adamwDef, gradScale ? [p, g, m, v, gradScale] : [p, g, m, v], attrs);
}
