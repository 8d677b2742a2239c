// Small shared helpers for op definitions: broadcasting, padded strides, dispatch sizing.
import type { TensorMeta } from '../backend';
import { shapeStr } from '../op';
import { sizeOf } from '../backend';
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
  // the common case (every input has the output's shape) is one axis; it runs on every elementwise dispatch
  let same = true;
  for (let j = 0; j < ins.length && same; j++) same = sameShape(ins[j], out);
  if (same) {
    const n = sizeOf(out);
    return { out: [n], ins: ins.map(() => [n]) };
  }
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
  const r = shape.length;
  if (r > 4) throw new Error(`${op}: this broadcast needs ${r} separate axes after merging; the elementwise kernels index at most 4`);
  return [r > 3 ? shape[r - 4] : 1, r > 2 ? shape[r - 3] : 1, r > 1 ? shape[r - 2] : 1, r > 0 ? shape[r - 1] : 1];
}

/** Strides of `inShape` when broadcast to `outShape` (0 on broadcast axes), padded to rank 4. */
export function broadcastStrides4(inShape: readonly number[], outShape: readonly number[]): number[] {
  const o = pad4(outShape);
  const i4 = pad4(inShape);
  const st = [0, 0, 0, 0];
  for (let k = 3, s = 1; k >= 0; k--) {
    st[k] = i4[k] === 1 && o[k] !== 1 ? 0 : s;
    s *= i4[k];
  }
  return st;
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

/**
 * Build a KernelSpec from WGSL sources: headers are prepended, `replace` substitutes template tokens, `entry` names the
 * entry point (default `main`). Called on every dispatch, so specs are memoised by `key`: the same key returns the same
 * spec object (its key string hashed once, no WGSL concatenated per dispatch). A key must name one program: reusing it
 * with other sources, replacements or entry is an error (it would otherwise run whichever program was compiled first).
 */
export function kernel(key: string, sources: string[], replace: Record<string, string> = {}, entry?: string): KernelSpec {
  const m = specMemo.get(key);
  if (m) {
    if (sameProgram(m, sources, replace, entry)) return m.spec;
    throw new Error(`kernel key "${key}" names two different WGSL programs (sources, replacements or entry differ): make the key unique`);
  }
  let code = sources.join('\n');
  for (const [k, v] of Object.entries(replace)) code = code.split(k).join(v);
  const spec: KernelSpec = entry === undefined ? { key, code } : { key, code, entry };
  specMemo.set(key, { spec, sources: [...sources], replace: { ...replace }, entry });
  return spec;
}

interface SpecMemo {
  spec: KernelSpec;
  sources: string[];
  replace: Record<string, string>;
  entry: string | undefined;
}
const specMemo = new Map<string, SpecMemo>();

function sameProgram(m: SpecMemo, sources: string[], replace: Record<string, string>, entry: string | undefined): boolean {
  // the sources are module constants (same string objects): these comparisons are pointer checks
  if (m.entry !== entry || m.sources.length !== sources.length) return false;
  for (let i = 0; i < sources.length; i++) if (m.sources[i] !== sources[i]) return false;
  let n = 0;
  for (const k in replace) {
    if (m.replace[k] !== replace[k]) return false;
    n++;
  }
  for (const _ in m.replace) n--;
  return n === 0;
}

export type { Param };
