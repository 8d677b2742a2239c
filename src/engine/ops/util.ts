// Small shared helpers for op definitions: broadcasting, padded strides, dispatch sizing.
import type { TensorMeta } from '../backend';
import { shapeStr } from '../op';
import { grid1d, type KernelSpec, type Param, type WebGPUBackend } from '../webgpu-backend';

export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`${op}: shapes ${shapeStr(a)} and ${shapeStr(b)} do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/**
 * Elementwise/broadcast shapes of any rank reduced to the fewest axes with the same memory walk: size-1 output axes
 * are dropped and neighbouring axes merged when every input is either full on both or broadcast on both. Same-shape
 * ops of any rank become 1-D; (B, beam, M, D, d) ⊙ (B, 1, 1, D, d) becomes (B, beam·M, D·d) ⊙ (B, 1, D·d). Inputs are
 * right-aligned like numpy. The kernels index rank 4, so any rank works whose broadcast pattern has ≤ 4 runs.
 */
export function coalesceShapes(out: readonly number[], ins: readonly (readonly number[])[]): { out: number[]; ins: number[][] } {
  const r = out.length;
  const padded = ins.map((s) => [...new Array(r - s.length).fill(1), ...s]);
  const o: number[] = [];
  const is: number[][] = ins.map(() => []);
  for (let k = 0; k < r; k++) {
    if (out[k] === 1) continue;
    const full = padded.map((s) => s[k] !== 1);
    const last = o.length - 1;
    const prevFull = last >= 0 ? is.map((s) => s[last] !== 1 || o[last] === 1) : null;
    if (prevFull && full.every((f, j) => f === prevFull[j])) {
      o[last] *= out[k];
      is.forEach((s, j) => (s[last] = full[j] ? s[last] * out[k] : 1));
    } else {
      o.push(out[k]);
      is.forEach((s, j) => s.push(full[j] ? out[k] : 1));
    }
  }
  if (!o.length) return { out: [1], ins: ins.map(() => [1]) };
  return { out: o, ins: is };
}

/** Pad `shape` on the left to rank 4 (kernels index rank-4; callers coalesce first, see `coalesceShapes`). */
export function pad4(shape: readonly number[], op = 'elementwise'): number[] {
  if (shape.length > 4) throw new Error(`${op}: this broadcast needs ${shape.length} separate axes after merging; the elementwise kernels index at most 4`);
  return [...new Array(4 - shape.length).fill(1), ...shape];
}

/** Strides of `inShape` when broadcast to `outShape` (0 on broadcast axes), padded to rank 4. */
export function broadcastStrides4(inShape: readonly number[], outShape: readonly number[]): number[] {
  const o = pad4(outShape);
  const i4 = pad4(inShape);
  const st = contiguousStrides(i4);
  return st.map((s, k) => (i4[k] === 1 && o[k] !== 1 ? 0 : s));
}

/** Element index of flat output index `i` in an input with padded strides `st` for padded out shape `o`. */
export function bcastIndex(i: number, o: readonly number[], st: readonly number[]): number {
  const i3 = i % o[3];
  let r = (i - i3) / o[3];
  const i2 = r % o[2];
  r = (r - i2) / o[2];
  const i1 = r % o[1];
  const i0 = (r - i1) / o[1];
  return i0 * st[0] + i1 * st[1] + i2 * st[2] + i3 * st[3];
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function f32meta(shape: readonly number[]): TensorMeta {
  return { shape: [...shape], dtype: 'f32' };
}

/** Workgroups for a 1-D kernel of `n` threads with workgroup size `wg`; returns [x, y] and gx for folding. */
export function dispatch1d(be: WebGPUBackend, n: number, wg = 256): { grid: [number, number]; gx: number } {
  const grid = grid1d(Math.ceil(n / wg), be.info.limits.maxComputeWorkgroupsPerDimension ?? 65535);
  return { grid, gx: grid[0] };
}

/** Build a KernelSpec from WGSL sources: headers are prepended, `replace` substitutes template tokens. */
export function kernel(key: string, sources: string[], replace: Record<string, string> = {}): KernelSpec {
  let code = sources.join('\n');
  for (const [k, v] of Object.entries(replace)) code = code.split(k).join(v);
  return { key, code };
}

export type { Param };
