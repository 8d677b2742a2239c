// Fused multi-head attention (paper §3.4: cross-attention to the context C, causal self-attention over the slate).
//   out = softmax(scale · q kᵀ + mask) v, per batch and head, heads packed in the last dim:
//   q (B, Tq, H·dh), k and v (B, Tk, H·dh) -> out (B, Tq, H·dh). No transposes around it; projections are the caller's.
// Masking: `causal` aligns queries with the END of the keys (query i sees keys j <= i + Tk - Tq), `keyMask` (B, Tk) i32
// marks valid keys with 1, and `bias` (f32, broadcastable over (B, H, Tq, Tk): (Tk), (Tq, Tk), (H, Tq, Tk), (B|1, H|1,
// Tq|1, Tk|1)) is added to the scaled scores before the softmax (`-Infinity` entries = masked; a learned bias, e.g. a
// relative-position bias, gets its gradient: the sum of dS = p (dp − D) over the broadcast axes). A query that sees no
// key at all outputs zeros and receives zero gradients (never NaN).
//
// Forward (kernels/attention-fwd.wgsl) also returns the per-row logsumexp (B, H, Tq) as a second, internal output.
// Backward (flash-attention style, no probability matrix stored, no float atomics, deterministic):
//   attention-bwd-prep.wgsl  stats = (lse, D = rowsum(dO ∘ O)) per query row
//   attention-bwd-dq.wgsl    one thread per query row loops over keys -> dq (and, with a bias, the rows of dS)
//   attention-bwd-dkdv.wgsl  one thread per key row loops over queries -> dk, dv
// Each kernel has two variants ('rowwise' for software adapters, 'tiled' for real GPUs), chosen in pickAttentionVariant.
import commonSrc from '../../../kernels/attention-common.wgsl?raw';
import fwdSrc from '../../../kernels/attention-fwd.wgsl?raw';
import prepSrc from '../../../kernels/attention-bwd-prep.wgsl?raw';
import dqSrc from '../../../kernels/attention-bwd-dq.wgsl?raw';
import dkdvSrc from '../../../kernels/attention-bwd-dkdv.wgsl?raw';
import maskSrc from '../../../kernels/attention-mask.wgsl?raw';
import foldSrc from '../../../kernels/attention-fold.wgsl?raw';
import type { TensorMeta, Storage } from '../backend';
import type { OpDef } from '../op';
import { shapeStr } from '../op';
import { reshape, runOp, type Tensor } from '../tensor';
import { sumTo } from './elementwise';
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
  /**
   * f32 additive bias on the scaled scores, broadcastable over (B, H, Tq, Tk) (right-aligned; each axis 1 or full):
   * (Tq, Tk), (B, 1, Tq, Tk), (B, H, Tq, Tk), … `-Infinity` = masked. Differentiable.
   */
  bias?: Tensor;
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
  /** the bias' element strides along (B, H, Tq, Tk) (0 on broadcast axes), or null without a bias */
  bias: [number, number, number, number] | null;
  /** the bias shape padded on the left to rank 4 */
  bias4: number[] | null;
}

const OP = 'attention';

/** The optional inputs after q, k, v: the key mask (i32) and the bias (f32), in that order. */
function extras<T extends { dtype: string }>(inputs: readonly T[]): { mask?: T; bias?: T } {
  const rest = inputs.slice(3);
  const mask = rest.find((x) => x.dtype === 'i32');
  const bias = rest.find((x) => x.dtype !== 'i32');
  if (rest.length > 2 || (rest.length === 2 && (!mask || !bias))) throw new Error(`${OP}: expected q, k, v [, keyMask i32] [, bias f32]`);
  return { mask, bias };
}

function dims(inputs: readonly TensorMeta[], heads: number): Dims {
  const [q, k, v] = inputs;
  const { mask, bias } = extras(inputs);
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
  let strides: Dims['bias'] = null;
  let bias4: number[] | null = null;
  if (bias) {
    const full = [B, heads, Tq, Tk];
    if (bias.shape.length < 1 || bias.shape.length > 4) err(`bias must have rank 1..4 (broadcast over (B, H, Tq, Tk)), got ${shapeStr(bias.shape)}`);
    bias4 = [...new Array(4 - bias.shape.length).fill(1), ...bias.shape];
    if (bias4.some((n, a) => n !== 1 && n !== full[a])) {
      err(`bias ${shapeStr(bias.shape)} does not broadcast to (B, H, Tq, Tk) = [${full}] (each axis must be 1 or full)`);
    }
    const st = [bias4[1] * bias4[2] * bias4[3], bias4[2] * bias4[3], bias4[3], 1];
    strides = st.map((x, a) => (bias4![a] === 1 ? 0 : x)) as [number, number, number, number];
  }
  return { B, Tq, Tk, H: heads, dh, E, hasMask: !!mask, bias: strides, bias4 };
}

const biasIndex = (d: Dims, b: number, h: number, i: number, j: number) => b * d.bias![0] + h * d.bias![1] + i * d.bias![2] + j * d.bias![3];

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

/**
 * Softmax of query row (b, h, i) over the keys visible through causality and the key mask (`js`) whose bias is not
 * -Infinity: those keys (`ks`, empty = the row outputs zeros), their probabilities and the row's logsumexp.
 */
function rowSoftmax(d: Dims, scale: number, Q: ArrayLike<number>, K: ArrayLike<number>, Bi: ArrayLike<number> | undefined, b: number, h: number, i: number, js: number[]) {
  const qb = (b * d.Tq + i) * d.E + h * d.dh;
  const ks = Bi ? js.filter((j) => Bi[biasIndex(d, b, h, i, j)] !== -Infinity) : js;
  const s = ks.map((j) => {
    const kb = (b * d.Tk + j) * d.E + h * d.dh;
    let acc = 0;
    for (let c = 0; c < d.dh; c++) acc += Q[qb + c] * K[kb + c];
    return acc * scale + (Bi ? Bi[biasIndex(d, b, h, i, j)] : 0);
  });
  const m = s.reduce((a, x) => Math.max(a, x), -Infinity);
  const e = s.map((x) => Math.exp(x - m));
  const z = e.reduce((a, x) => a + x, 0);
  return { ks, p: e.map((x) => x / z), lse: m + Math.log(z) };
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

function spec(file: string, src: string, dh: number, entry: string, wg: number, withMask = true): KernelSpec {
  const header = `const DH: u32 = ${dh}u;\nconst DH4: u32 = ${Math.ceil(dh / 4)}u;\nconst TILE: u32 = ${tileRows(dh)}u;\nconst WG: u32 = ${wg}u;\n`;
  return kernel(`${file}:${entry}:dh${dh}:wg${wg}`, withMask ? [header, commonSrc, maskSrc, src] : [header, commonSrc, src], {}, entry);
}

/** Binding 4 of the fwd / dq / dk-dv kernels: nothing (mode 0), the key mask (1) or the bias (2), and the bias strides. */
interface MaskBinding {
  s: Storage;
  mode: 0 | 1 | 2;
  strides: readonly number[];
  /** allocated here (a dummy or the folded mask + bias): release after the dispatches */
  temp: boolean;
}

function params(d: Dims, a: AttentionAttrs, gx: number, mb: MaskBinding): Param[] {
  return [d.B, d.Tq, d.Tk, d.H, d.E, a.causal ? 1 : 0, mb.mode, i32(d.Tk - d.Tq), f32(a.scale), gx, ...mb.strides, 0, 0];
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

/**
 * One binding for the key mask and the bias (WebGPU guarantees 8 storage buffers per stage and dk/dv uses them all):
 * a one-element dummy without either, the mask or the bias itself, or — with both — the bias folded with the mask into
 * a (B, Hb, Qb, Tk) buffer (kernels/attention-fold.wgsl: masked keys become -inf).
 */
function maskBinding(be: WebGPUBackend, d: Dims, mask: Storage | undefined, bias: Storage | undefined): MaskBinding {
  if (!bias) {
    if (mask) return { s: mask, mode: 1, strides: [0, 0, 0, 0], temp: false };
    return { s: be.alloc(1, 'i32', new Int32Array(1)), mode: 0, strides: [0, 0, 0, 0], temp: true };
  }
  if (!mask) return { s: bias, mode: 2, strides: d.bias!, temp: false };
  const [, Hb, Qb] = d.bias4!;
  const n = d.B * Hb * Qb * d.Tk;
  const folded = be.alloc(Math.max(1, n), 'f32');
  const { grid: g, gx } = dispatch1d(be, n, WG);
  be.run(kernel('attention-fold', [foldSrc]), [mask, bias, folded], [d.B, Hb, Qb, d.Tk, ...d.bias!, n, gx, 0, 0], g);
  const strides = [Hb * Qb * d.Tk, Hb > 1 ? Qb * d.Tk : 0, Qb > 1 ? d.Tk : 0, 1];
  return { s: folded, mode: 2, strides, temp: true };
}

// ------------------------------------------------------------------ forward

export const attentionDef: OpDef<AttentionAttrs> = {
  name: 'attention',
  outputs: (inputs, a) => {
    const d = dims(inputs, a.heads);
    return [f32meta([d.B, d.Tq, d.E]), f32meta([d.B, d.H, d.Tq])];
  },
  cpu: (ins, [out, lse], a, m) => {
    const [Q, K, V] = ins;
    const d = dims(m.inputs, a.heads);
    const { mask: M, bias: Bi } = extrasOf(ins, m.inputs);
    out.fill(0);
    lse.fill(0);
    for (let b = 0; b < d.B; b++) {
      for (let i = 0; i < d.Tq; i++) {
        const js = visibleKeys(d, a.causal, M, b, i);
        if (js.length === 0) continue;
        for (let h = 0; h < d.H; h++) {
          const { ks, p, lse: l } = rowSoftmax(d, a.scale, Q, K, Bi, b, h, i, js);
          if (ks.length === 0) continue;
          lse[(b * d.H + h) * d.Tq + i] = l;
          const ob = (b * d.Tq + i) * d.E + h * d.dh;
          for (let c = 0; c < d.dh; c++) {
            let acc = 0;
            ks.forEach((j, n) => (acc += p[n] * V[(b * d.Tk + j) * d.E + h * d.dh + c]));
            out[ob + c] = acc;
          }
        }
      }
    }
  },
  webgpu: (be, ins, [out, lse], a, m) => {
    const [q, k, v] = ins;
    const d = dims(m.inputs, a.heads);
    if (d.B * d.Tq * d.E === 0) return;
    const { mask, bias } = extrasOf(ins, m.inputs);
    const variant = a.variant ?? pickAttentionVariant(be);
    const mb = maskBinding(be, d, mask, bias);
    const g = grid(be, d, variant, d.Tq);
    be.run(spec('attention-fwd', fwdSrc, d.dh, variant, g.size), [q, k, v, mb.s, out, lse], params(d, a, g.gx, mb), g.wg);
    if (mb.temp) be.release(mb.s);
  },
  wasm: (be, ins, [out, lse], a, m) => {
    const [q, k, v] = ins;
    const d = dims(m.inputs, a.heads);
    const { mask, bias } = extrasOf(ins, m.inputs);
    const [sB, sH, sQ, sK] = d.bias ?? [0, 0, 0, 0];
    const scratch = be.scratch(be.k.attention_scratch(d.Tq, d.Tk, d.dh));
    be.k.attention_fwd(be.ptr(q), be.ptr(k), be.ptr(v), mask ? be.ptr(mask) : 0, bias ? be.ptr(bias) : 0, sB, sH, sQ, sK, be.ptr(out), be.ptr(lse), d.B, d.Tq, d.Tk, d.H, d.dh, +a.causal, a.scale, scratch);
  },
  backward: ({ inputs, outputs: [out, lse], grads: [g, gLse], attrs }) => {
    if (gLse) throw new Error('attention: the logsumexp output is internal and has no gradient rule');
    const [q, k, v, ...rest] = inputs;
    const { mask, bias } = extras(inputs);
    const [dq, dk, dv, dS] = runOp(attentionBackwardDef, [q, k, v, out, lse, g!, ...rest], attrs);
    const res: (Tensor | null)[] = [q.requiresGrad ? dq : null, k.requiresGrad ? dk : null, v.requiresGrad ? dv : null];
    if (mask) res.push(null);
    if (bias) {
      // dBias = dS (B, H, Tq, Tk) summed over the axes the bias broadcasts along
      const b4 = [...new Array(4 - bias.shape.length).fill(1), ...bias.shape];
      res.push(bias.requiresGrad ? reshape(sumTo(dS, b4), bias.shape) : null);
    }
    return res;
  },
};

/** The storages (or typed arrays) of the optional key mask and bias, located through the input metas' dtypes. */
function extrasOf<T>(ins: readonly T[], metas: readonly TensorMeta[]): { mask?: T; bias?: T } {
  const { mask, bias } = extras(metas);
  return { mask: mask ? ins[metas.indexOf(mask)] : undefined, bias: bias ? ins[metas.indexOf(bias)] : undefined };
}

// ------------------------------------------------------------------ backward

/** q, k, v [, keyMask] [, bias] from the backward op's inputs (q, k, v, out, lse, dOut, ...extras). */
const fwdInputs = <T>(ins: readonly T[]): T[] => [ins[0], ins[1], ins[2], ...ins.slice(6)];

/** Inputs: q, k, v, out, lse, dOut [, keyMask] [, bias]. Outputs: dq, dk, dv [, dS (B, H, Tq, Tk) with a bias]. */
export const attentionBackwardDef: OpDef<AttentionAttrs> = {
  name: 'attentionBackward',
  outputs: (inputs, a) => {
    const [q, k, v, out, lse, gOut] = inputs;
    const d = dims(fwdInputs(inputs), a.heads);
    const same = (x: TensorMeta, s: number[]) => x.shape.length === s.length && x.shape.every((n, i) => n === s[i]);
    if (!same(out, [d.B, d.Tq, d.E]) || !same(gOut, [d.B, d.Tq, d.E]) || !same(lse, [d.B, d.H, d.Tq])) {
      throw new Error(`attentionBackward: out ${shapeStr(out.shape)}, dOut ${shapeStr(gOut.shape)}, lse ${shapeStr(lse.shape)} do not match q`);
    }
    const res = [f32meta(q.shape), f32meta(k.shape), f32meta(v.shape)];
    return d.bias ? [...res, f32meta([d.B, d.H, d.Tq, d.Tk])] : res;
  },
  // The reference recomputes each row's softmax from scratch and uses D = Σ_j p_j (dO·v_j) directly, so it does not
  // share the GPU path's saved logsumexp or its D = rowsum(dO ∘ O) identity (out and lse are unused here).
  cpu: (ins, [dQ, dK, dV, dS], a, m) => {
    const [Q, K, V, , , G] = ins;
    const d = dims(fwdInputs(m.inputs), a.heads);
    const { mask: M, bias: Bi } = extrasOf(fwdInputs(ins), fwdInputs(m.inputs));
    dQ.fill(0);
    dK.fill(0);
    dV.fill(0);
    dS?.fill(0);
    for (let b = 0; b < d.B; b++) {
      for (let i = 0; i < d.Tq; i++) {
        const js = visibleKeys(d, a.causal, M, b, i);
        if (js.length === 0) continue;
        for (let h = 0; h < d.H; h++) {
          const { ks, p } = rowSoftmax(d, a.scale, Q, K, Bi, b, h, i, js);
          const qb = (b * d.Tq + i) * d.E + h * d.dh;
          const dp = ks.map((j) => {
            const vb = (b * d.Tk + j) * d.E + h * d.dh;
            let acc = 0;
            for (let c = 0; c < d.dh; c++) acc += G[qb + c] * V[vb + c];
            return acc;
          });
          let D = 0;
          ks.forEach((_, n) => (D += p[n] * dp[n]));
          ks.forEach((j, n) => {
            const kb = (b * d.Tk + j) * d.E + h * d.dh;
            const dsRaw = p[n] * (dp[n] - D);
            if (dS) dS[((b * d.H + h) * d.Tq + i) * d.Tk + j] = dsRaw;
            const ds = dsRaw * a.scale;
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
  webgpu: (be, ins, [dq, dk, dv, dS], a, m) => {
    const [q, k, v, out, lse, gOut] = ins;
    const d = dims(fwdInputs(m.inputs), a.heads);
    if (d.B * d.E === 0 || (d.Tq === 0 && d.Tk === 0)) return;
    const { mask, bias } = extrasOf(fwdInputs(ins), fwdInputs(m.inputs));
    const variant = a.variant ?? pickAttentionVariant(be);
    const mb = maskBinding(be, d, mask, bias);
    const dsOut = dS ?? be.alloc(1, 'f32');
    const stats = be.alloc(Math.max(1, 2 * d.B * d.H * d.Tq), 'f32');
    // prep is the same for both variants: one thread per query row
    const gp = grid(be, d, 'rowwise', d.Tq);
    be.run(spec('attention-bwd-prep', prepSrc, d.dh, 'main', gp.size, false), [out, gOut, lse, stats], params(d, a, gp.gx, mb), gp.wg);
    const gq = grid(be, d, variant, d.Tq);
    be.run(spec('attention-bwd-dq', dqSrc, d.dh, variant, gq.size), [q, k, v, mb.s, stats, gOut, dq, dsOut], params(d, a, gq.gx, mb), gq.wg);
    const gk = grid(be, d, variant, d.Tk);
    be.run(spec('attention-bwd-dkdv', dkdvSrc, d.dh, variant, gk.size), [q, k, v, mb.s, stats, gOut, dk, dv], params(d, a, gk.gx, mb), gk.wg);
    // pooled buffers may be reused at once: reuse is stream-ordered (later dispatches and staged uploads are recorded
    // after these; see WebGPUBackend.release)
    be.release(stats);
    if (!dS) be.release(dsOut);
    if (mb.temp) be.release(mb.s);
  },
  wasm: (be, ins, [dq, dk, dv, dS], a, m) => {
    const [q, k, v, , lse, gOut] = ins;
    const d = dims(fwdInputs(m.inputs), a.heads);
    const { mask, bias } = extrasOf(fwdInputs(ins), fwdInputs(m.inputs));
    const [sB, sH, sQ, sK] = d.bias ?? [0, 0, 0, 0];
    const scratch = be.scratch(be.k.attention_scratch(d.Tq, d.Tk, d.dh));
    be.k.attention_bwd(be.ptr(q), be.ptr(k), be.ptr(v), be.ptr(lse), be.ptr(gOut), mask ? be.ptr(mask) : 0, bias ? be.ptr(bias) : 0, sB, sH, sQ, sK,
      be.ptr(dq), be.ptr(dk), be.ptr(dv), dS ? be.ptr(dS) : 0, d.B, d.Tq, d.Tk, d.H, d.dh, +a.causal, a.scale, scratch);
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
  if (opts.bias && opts.bias.dtype !== 'f32') throw new Error(`${OP}: bias must be f32 (additive, -Infinity = masked), got ${opts.bias.dtype}`);
  if (opts.keyMask && opts.keyMask.dtype !== 'i32') throw new Error(`${OP}: keyMask must be i32 (1 = valid), got ${opts.keyMask.dtype}`);
  const inputs = [q, k, v];
  if (opts.keyMask) inputs.push(opts.keyMask);
  if (opts.bias) inputs.push(opts.bias);
  return runOp(attentionDef, inputs, attrs)[0];
}
