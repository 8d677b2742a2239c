// .safetensors reader: 8-byte little-endian header length, JSON header {name: {dtype, shape, data_offsets}}, raw data.
// Takes the 2-D float tensor named `tensor` (default: "embeddings", else the first 2-D F32/F64 tensor) and an optional
// integer "ids" tensor with the original video ids.

import type { DenseMatrix } from './npy';

interface TensorInfo { dtype: string; shape: number[]; data_offsets: [number, number] }

export function parseSafetensors(bytes: Uint8Array, file = 'embeddings.safetensors', tensor?: string): DenseMatrix & { ids?: Int32Array; name: string } {
  const fail = (why: string): never => { throw new Error(`${file}: not a supported .safetensors file (${why})`); };
  if (bytes.length < 8) fail('too short');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n <= 0 || 8 + n > bytes.length) fail('bad header length');
  let header: Record<string, TensorInfo>;
  try { header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))); } catch { return fail('header is not JSON'); }
  const base = 8 + n;
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__');
  const isFloat2d = (t: TensorInfo) => (t.dtype === 'F32' || t.dtype === 'F64') && t.shape.length === 2;
  const pick = tensor ? entries.find(([k]) => k === tensor) : entries.find(([k, t]) => k === 'embeddings' && isFloat2d(t)) ?? entries.find(([, t]) => isFloat2d(t));
  if (!pick) return fail(tensor ? `no tensor "${tensor}"` : 'no 2-D F32/F64 tensor');
  const [name, info] = pick;
  const read = (t: TensorInfo): Float64Array | Float32Array | Int32Array => {
    const [a, b] = t.data_offsets;
    if (base + b > bytes.length || a > b) fail('truncated data');
    const count = t.shape.reduce((x, y) => x * y, 1);
    const size: Record<string, number> = { F32: 4, F64: 8, I32: 4, I64: 8 };
    const es = size[t.dtype] ?? fail(`dtype ${t.dtype}`);
    if ((b - a) !== count * es) fail('size does not match shape');
    const o = base + a;
    if (t.dtype === 'F32') return Float32Array.from({ length: count }, (_, i) => dv.getFloat32(o + 4 * i, true));
    if (t.dtype === 'F64') return Float64Array.from({ length: count }, (_, i) => dv.getFloat64(o + 8 * i, true));
    if (t.dtype === 'I32') return Int32Array.from({ length: count }, (_, i) => dv.getInt32(o + 4 * i, true));
    return Int32Array.from({ length: count }, (_, i) => Number(dv.getBigInt64(o + 8 * i, true)));
  };
  const data = Float32Array.from(read(info));
  const idsInfo = header.ids as TensorInfo | undefined;
  const ids = idsInfo && (idsInfo.dtype === 'I32' || idsInfo.dtype === 'I64') ? Int32Array.from(read(idsInfo)) : undefined;
  if (ids && ids.length !== info.shape[0]) fail(`"ids" has ${ids.length} entries but "${name}" has ${info.shape[0]} rows`);
  return { shape: info.shape, data, ids, name };
}

/** Writes a safetensors file with F32 tensors (and optional I32 ids). Used by tests and exports. */
export function writeSafetensors(tensors: Record<string, { data: Float32Array | Int32Array; shape: number[] }>): Uint8Array {
  const header: Record<string, TensorInfo> = {};
  let off = 0;
  for (const [k, t] of Object.entries(tensors)) {
    header[k] = { dtype: t.data instanceof Int32Array ? 'I32' : 'F32', shape: t.shape, data_offsets: [off, off + t.data.byteLength] };
    off += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8) json += ' ';
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  let o = 8 + h.length;
  for (const t of Object.values(tensors)) { out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), o); o += t.data.byteLength; }
  return out;
}
