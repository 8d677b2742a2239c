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

/** Pad `shape` on the left to rank 4 (kernels index rank-4). */
export function pad4(shape: readonly number[], op = 'op'): number[] {
  if (shape.length > 4) throw new Error(`${op}: rank ${shape.length} > 4 is not supported by the elementwise kernels`);
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
