// Fused multi-head attention (paper §3.4: cross-attention to the context C, causal self-attention over the slate).
//   out = softmax(scale · q kᵀ + mask) v, per batch and head, heads packed in the last dim:
//   q (B, Tq, H·dh), k and v (B, Tk, H·dh) -> out (B, Tq, H·dh). No transposes around it; projections are the caller's.
// Masking: `causal` aligns queries with the END of the keys (query i sees keys j <= i + Tk - Tq), `keyMask` (B, Tk) i32
// marks valid keys with 1. A query that sees no key at all outputs zeros and receives zero gradients (never NaN).
//
// Forward (kernels/attention-fwd.wgsl) also returns the per-row logsumexp (B, H, Tq) as a second, internal output.
// Backward (flash-attention style, no probability matrix stored, no float atomics, deterministic):
//   attention-bwd-prep.wgsl  stats = (lse, D = rowsum(dO ∘ O)) per query row
//   attention-bwd-dq.wgsl    one thread per query row loops over keys -> dq
//   attention-bwd-dkdv.wgsl  one thread per key row loops over queries -> dk, dv
// Each kernel has two variants ('rowwise' for software adapters, 'tiled' for real GPUs), chosen in pickAttentionVariant.
import commonSrc from '../../../kernels/attention-common.wgsl?raw';
import fwdSrc from '../../../kernels/attention-fwd.wgsl?raw';
import prepSrc from '../../../kernels/attention-bwd-prep.wgsl?raw';
import dqSrc from '../../../kernels/attention-bwd-dq.wgsl?raw';
import dkdvSrc from '../../../kernels/attention-bwd-dkdv.wgsl?raw';
import type { TensorMeta, Storage } from '../backend';
import type { OpDef } from '../op';
import { shapeStr } from '../op';
import { runOp, type Tensor } from '../tensor';
import { f32, i32, type KernelSpec, type Param, type WebGPUBackend } from '../webgpu-backend';
import { dispatch1d, f32meta, kernel } from './util';

export type AttentionVariant = 'rowwise' | 'tiled';
export const ATTENTION_VARIANTS: AttentionVariant[] = ['rowwise', 'tiled'];

/** Largest head dim the kernels support (rows live in fixed-size private arrays). */
export const MAX_HEAD_DIM = 128;
/** Threads per workgroup of the rowwise kernels and the largest tiled workgroup (one query or key row per thread). */
const WG = 64;
/** Workgroup memory the tiled variant plans for: WebGPU's guaranteed minimum maxComputeWorkgroupStorageSize. */
const WG_STORAGE_BYTES = 16384;

export interface AttentionAttrs {
  heads: number;
  causal: boolean;
  /** Multiplies q·k before the softmax (the frontend defaults it to 1/sqrt(dh)). */
  scale: number;
  /** Force a kernel variant (tests, benchmarks); default: `pickAttentionVariant`. */
  variant?: AttentionVariant;
}

export interface AttentionOptions {
  heads: number;
  causal?: boolean;
  /** i32 (B, Tk): 1 = valid key, 0 = masked. */
  keyMask?: Tensor;
  /** Default 1/sqrt(dh). */
  scale?: number;
  variant?: AttentionVariant;
}

interface Dims {
  B: number;
  Tq: number;
  Tk: number;
  H: number;
  dh: number;
  E: number;
  hasMask: boolean;
}

const OP = 'attention';

function dims(inputs: readonly TensorMeta[], heads: number): Dims {
  const [q, k, v, mask] = inputs;
  const err = (msg: string): never => {
    throw new Error(`${OP}: ${msg}`);
  };
  if (q.shape.length !== 3 || k.shape.length !== 3 || v.shape.length !== 3) {
    err(`q, k, v must be (B, T, H*dh); got q ${shapeStr(q.shape)}, k ${shapeStr(k.shape)}, v ${shapeStr(v.shape)}`);
  }
  if (q.dtype !== 'f32' || k.dtype !== 'f32' || v.dtype !== 'f32') err('q, k, v must be f32');
  const [B, Tq, E] = q.shape;
  const [Bk, Tk, Ek] = k.shape;
  if (v.shape[0] !== Bk || v.shape[1] !== Tk || v.shape[2] !== Ek) err(`k ${shapeStr(k.shape)} and v ${shapeStr(v.shape)} differ`);
  if (Bk !== B) err(`batch of q ${shapeStr(q.shape)} and k ${shapeStr(k.shape)} differ`);
  if (Ek !== E) err(`last dim of q ${shapeStr(q.shape)} and k/v ${shapeStr(k.shape)} differ (both must be heads*dh)`);
  if (!Number.isInteger(heads) || heads < 1 || E % heads !== 0) err(`heads=${heads} does not divide the model dim ${E}`);
  const dh = E / heads;
  if (dh > MAX_HEAD_DIM) err(`head dim ${dh} (= ${E}/${heads}) exceeds MAX_HEAD_DIM=${MAX_HEAD_DIM}; use more heads`);
  if (mask) {
    if (mask.dtype !== 'i32') err(`keyMask must be i32 (1 = valid), got ${mask.dtype}`);
    if (mask.shape.length !== 2 || mask.shape[0] !== B || mask.shape[1] !== Tk) {
      err(`keyMask must be (B, Tk) = [${B},${Tk}], got ${shapeStr(mask.shape)}`);
    }
  }
  return { B, Tq, Tk, H: heads, dh, E, hasMask: !!mask };
}

/** The kernel variant used by default on this adapter (one place; the report/benchmarks time both). */
export function pickAttentionVariant(be: WebGPUBackend): AttentionVariant {
  // Software rasterisers (SwiftShader) pay for every workgroup barrier and gain nothing from workgroup memory
  // (it is ordinary CPU memory); real GPUs want k/v tiles shared through workgroup memory.
  return be.info.isSoftware ? 'rowwise' : 'tiled';
}

// ------------------------------------------------------------------ CPU reference (straightforward loops, f64)

/** Keys visible to query i of batch b, as a list (empty = the row outputs zeros). */
function visibleKeys(d: Dims, causal: boolean, mask: ArrayLike<number> | undefined, b: number, i: number): number[] {
  const end = causal ? Math.min(d.Tk, Math.max(0, i + d.Tk - d.Tq + 1)) : d.Tk;
  const js: number[] = [];
  for (let j = 0; j < end; j++) if (!mask || mask[b * d.Tk + j] !== 0) js.push(j);
  return js;
}

/** Softmax probabilities of query row (b, h, i) over its visible keys `js`, and the row's logsumexp. */
function rowSoftmax(d: Dims, scale: number, Q: ArrayLike<number>, K: ArrayLike<number>, b: number, h: number, i: number, js: number[]) {
  const qb = (b * d.Tq + i) * d.E + h * d.dh;
  const s = js.map((j) => {
    const kb = (b * d.Tk + j) * d.E + h * d.dh;
    let acc = 0;
    for (let c = 0; c < d.dh; c++) acc += Q[qb + c] * K[kb + c];
    return acc * scale;
  });
  const m = s.reduce((a, x) => Math.max(a, x), -Infinity);
  const e = s.map((x) => Math.exp(x - m));
  const z = e.reduce((a, x) => a + x, 0);
  return { p: e.map((x) => x / z), lse: m + Math.log(z) };
}

// ------------------------------------------------------------------ GPU helpers

function tileRows(dh: number): number {
  // two vec4 tiles (k and v, or q and dO) of TILE rows + 8 bytes of per-row side data
  const dh4 = Math.ceil(dh / 4);
  return Math.min(WG, Math.floor(WG_STORAGE_BYTES / (2 * dh4 * 16 + 8)));
}

/** Tiled workgroup size: the smallest power of two >= the rows per (b, h), in [8, WG] (short slates idle fewer lanes). */
function tiledWg(rowsPerHead: number): number {
  return Math.min(WG, Math.max(8, 2 ** Math.ceil(Math.log2(Math.max(1, rowsPerHead)))));
}

function spec(file: string, src: string, dh: number, entry: string, wg: number): KernelSpec {
  const header = `const DH: u32 = ${dh}u;\nconst DH4: u32 = ${Math.ceil(dh / 4)}u;\nconst TILE: u32 = ${tileRows(dh)}u;\nconst WG: u32 = ${wg}u;\n`;
  return { ...kernel(`${file}:${entry}:dh${dh}:wg${wg}`, [header, commonSrc, src]), entry };
}

function params(d: Dims, a: AttentionAttrs, gx: number): Param[] {
  return [d.B, d.Tq, d.Tk, d.H, d.E, a.causal ? 1 : 0, d.hasMask ? 1 : 0, i32(d.Tk - d.Tq), f32(a.scale), gx, 0, 0];
}

/** Workgroups for a kernel with one thread per row, `rowsPerHead` rows per (b, h): a folded 1-D grid (rowwise) or (blocks, H, B) (tiled). */
function grid(be: WebGPUBackend, d: Dims, variant: AttentionVariant, rowsPerHead: number): { wg: [number, number, number]; gx: number; size: number } {
  if (variant === 'tiled') {
    const size = tiledWg(rowsPerHead);
    return { wg: [Math.ceil(rowsPerHead / size), d.H, d.B], gx: 0, size };
  }
  const { grid: g, gx } = dispatch1d(be, d.B * d.H * rowsPerHead, WG);
  return { wg: [g[0], g[1], 1], gx, size: WG };
}

/** The key mask storage, or a one-element dummy (never read: hasMask = 0) so every kernel has one binding layout. */
function maskStorage(be: WebGPUBackend, mask: Storage | undefined): { s: Storage; dummy: boolean } {
  return mask ? { s: mask, dummy: false } : { s: be.alloc(1, 'i32', new Int32Array(1)), dummy: true };
}

// ------------------------------------------------------------------ forward

export const attentionDef: OpDef<AttentionAttrs> = {
  name: 'attention',
  outputs: (inputs, a) => {
    const d = dims(inputs, a.heads);
    return [f32meta([d.B, d.Tq, d.E]), f32meta([d.B, d.H, d.Tq])];
  },
  cpu: ([Q, K, V, M], [out, lse], a, m) => {
    const d = dims(m.inputs, a.heads);
    out.fill(0);
    lse.fill(0);
    for (let b = 0; b < d.B; b++) {
      for (let i = 0; i < d.Tq; i++) {
        const js = visibleKeys(d, a.causal, M, b, i);
        if (js.length === 0) continue;
        for (let h = 0; h < d.H; h++) {
          const { p, lse: l } = rowSoftmax(d, a.scale, Q, K, b, h, i, js);
          lse[(b * d.H + h) * d.Tq + i] = l;
          const ob = (b * d.Tq + i) * d.E + h * d.dh;
          for (let c = 0; c < d.dh; c++) {
            let acc = 0;
            js.forEach((j, n) => (acc += p[n] * V[(b * d.Tk + j) * d.E + h * d.dh + c]));
            out[ob + c] = acc;
          }
        }
      }
    }
  },
  webgpu: (be, [q, k, v, mask], [out, lse], a, m) => {
    const d = dims(m.inputs, a.heads);
    if (d.B * d.Tq * d.E === 0) return;
    const variant = a.variant ?? pickAttentionVariant(be);
    const mk = maskStorage(be, mask);
    const g = grid(be, d, variant, d.Tq);
    be.run(spec('attention-fwd', fwdSrc, d.dh, variant, g.size), [q, k, v, mk.s, out, lse], params(d, a, g.gx), g.wg);
    if (mk.dummy) be.release(mk.s);
  },
  wasm: (be, [q, k, v, mask], [out, lse], a, m) => {
    const d = dims(m.inputs, a.heads);
    const scratch = be.scratch(3 * Math.max(1, d.Tk));
    be.k.attention_fwd(be.ptr(q), be.ptr(k), be.ptr(v), mask ? be.ptr(mask) : 0, be.ptr(out), be.ptr(lse), d.B, d.Tq, d.Tk, d.H, d.dh, +a.causal, a.scale, scratch);
  },
  backward: ({ inputs, outputs: [out, lse], grads: [g, gLse], attrs }) => {
    if (gLse) throw new Error('attention: the logsumexp output is internal and has no gradient rule');
    const [q, k, v, mask] = inputs;
    const [dq, dk, dv] = runOp(attentionBackwardDef, mask ? [q, k, v, out, lse, g!, mask] : [q, k, v, out, lse, g!], attrs);
    const res = [q.requiresGrad ? dq : null, k.requiresGrad ? dk : null, v.requiresGrad ? dv : null];
    return mask ? [...res, null] : res;
  },
};

// ------------------------------------------------------------------ backward

/** Inputs: q, k, v, out, lse, dOut [, keyMask]. Outputs: dq, dk, dv. */
export const attentionBackwardDef: OpDef<AttentionAttrs> = {
  name: 'attentionBackward',
  outputs: (inputs, a) => {
    const [q, k, v, out, lse, gOut, mask] = inputs;
    const d = dims(mask ? [q, k, v, mask] : [q, k, v], a.heads);
    const same = (x: TensorMeta, s: number[]) => x.shape.length === s.length && x.shape.every((n, i) => n === s[i]);
    if (!same(out, [d.B, d.Tq, d.E]) || !same(gOut, [d.B, d.Tq, d.E]) || !same(lse, [d.B, d.H, d.Tq])) {
      throw new Error(`attentionBackward: out ${shapeStr(out.shape)}, dOut ${shapeStr(gOut.shape)}, lse ${shapeStr(lse.shape)} do not match q`);
    }
    return [f32meta(q.shape), f32meta(k.shape), f32meta(v.shape)];
  },
  // The reference recomputes each row's softmax from scratch and uses D = Σ_j p_j (dO·v_j) directly, so it does not
  // share the GPU path's saved logsumexp or its D = rowsum(dO ∘ O) identity (out and lse are unused here).
  cpu: ([Q, K, V, , , G, M], [dQ, dK, dV], a, m) => {
    const [q, k, v, , , , mask] = m.inputs;
    const d = dims(mask ? [q, k, v, mask] : [q, k, v], a.heads);
    dQ.fill(0);
    dK.fill(0);
    dV.fill(0);
    for (let b = 0; b < d.B; b++) {
      for (let i = 0; i < d.Tq; i++) {
        const js = visibleKeys(d, a.causal, M, b, i);
        if (js.length === 0) continue;
        for (let h = 0; h < d.H; h++) {
          const { p } = rowSoftmax(d, a.scale, Q, K, b, h, i, js);
          const qb = (b * d.Tq + i) * d.E + h * d.dh;
          const dp = js.map((j) => {
            const vb = (b * d.Tk + j) * d.E + h * d.dh;
            let acc = 0;
            for (let c = 0; c < d.dh; c++) acc += G[qb + c] * V[vb + c];
            return acc;
          });
          let D = 0;
          js.forEach((_, n) => (D += p[n] * dp[n]));
          js.forEach((j, n) => {
            const kb = (b * d.Tk + j) * d.E + h * d.dh;
            const ds = p[n] * (dp[n] - D) * a.scale;
            for (let c = 0; c < d.dh; c++) {
              dQ[qb + c] += ds * K[kb + c];
              dK[kb + c] += ds * Q[qb + c];
              dV[kb + c] += p[n] * G[qb + c];
            }
          });
        }
      }
    }
  },
  webgpu: (be, [q, k, v, out, lse, gOut, mask], [dq, dk, dv], a, m) => {
    const [qm, km, vm, , , , maskm] = m.inputs;
    const d = dims(maskm ? [qm, km, vm, maskm] : [qm, km, vm], a.heads);
    if (d.B * d.E === 0 || (d.Tq === 0 && d.Tk === 0)) return;
    const variant = a.variant ?? pickAttentionVariant(be);
    const mk = maskStorage(be, mask);
    const stats = be.alloc(Math.max(1, 2 * d.B * d.H * d.Tq), 'f32');
    // prep is the same for both variants: one thread per query row
    const gp = grid(be, d, 'rowwise', d.Tq);
    be.run(spec('attention-bwd-prep', prepSrc, d.dh, 'main', gp.size), [out, gOut, lse, stats], params(d, a, gp.gx), gp.wg);
    const gq = grid(be, d, variant, d.Tq);
    be.run(spec('attention-bwd-dq', dqSrc, d.dh, variant, gq.size), [q, k, v, mk.s, stats, gOut, dq], params(d, a, gq.gx), gq.wg);
    const gk = grid(be, d, variant, d.Tk);
    be.run(spec('attention-bwd-dkdv', dkdvSrc, d.dh, variant, gk.size), [q, k, v, mk.s, stats, gOut, dk, dv], params(d, a, gk.gx), gk.wg);
    // pooled buffers may be reused at once: reuse is stream-ordered (later dispatches and staged uploads are recorded
    // after these; see WebGPUBackend.release)
    be.release(stats);
    if (mk.dummy) be.release(mk.s);
  },
  wasm: (be, [q, k, v, , lse, gOut, mask], [dq, dk, dv], a, m) => {
    const [qm, km, vm, , , , maskm] = m.inputs;
    const d = dims(maskm ? [qm, km, vm, maskm] : [qm, km, vm], a.heads);
    const scratch = be.scratch(3 * Math.max(1, d.Tk));
    be.k.attention_bwd(be.ptr(q), be.ptr(k), be.ptr(v), be.ptr(lse), be.ptr(gOut), mask ? be.ptr(mask) : 0, be.ptr(dq), be.ptr(dk), be.ptr(dv), d.B, d.Tq, d.Tk, d.H, d.dh, +a.causal, a.scale, scratch);
  },
  backward: 'nondiff',
};

// ------------------------------------------------------------------ frontend

/**
 * Fused multi-head attention. q (B, Tq, H·dh), k and v (B, Tk, H·dh) -> (B, Tq, H·dh), heads packed in the last dim.
 * Self-attention: q, k, v projected from the same sequence; cross-attention: Tk != Tq (e.g. the context C).
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): Tensor {
  const E = q.shape[q.shape.length - 1];
  const attrs: AttentionAttrs = {
    heads: opts.heads,
    causal: !!opts.causal,
    scale: opts.scale ?? 1 / Math.sqrt(E / opts.heads),
    variant: opts.variant,
  };
  return runOp(attentionDef, opts.keyMask ? [q, k, v, opts.keyMask] : [q, k, v], attrs)[0];
}
