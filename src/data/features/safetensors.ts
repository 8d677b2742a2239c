// Strict .safetensors reader (https://github.com/huggingface/safetensors, format section): 8-byte little-endian
// header length N, N bytes of UTF-8 JSON starting with '{' (trailing spaces allowed), then the data buffer.
// The WHOLE file is validated as the reference reader does before any tensor is read: header length bound
// (100 MB) and within the file, a JSON object without duplicate keys, every entry {dtype, shape, data_offsets} with a
// known dtype, non-negative integer shape and offsets, byte size = elements x dtype size (no overflow), offsets
// contiguous from 0 without overlap or holes, covering the data exactly (no trailing bytes); "__metadata__" a
// string->string map. Every refusal is a DataError('bad-embeddings') with one line naming the file and the problem.
// readSafetensors() is the general reader (also for weight import); parseSafetensors() picks the embedding matrix.

import { DataError } from '../types';
import type { DenseMatrix } from './npy';
import { parseStrictJson, StrictJsonError } from './strict-json';

export const SAFETENSORS_MAX_HEADER = 100_000_000;

/** Bytes per element of the dtypes of the safetensors format. */
export const SAFETENSORS_DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
};

export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** The tensor's bytes (a view into the file). */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  tensors: SafetensorsTensor[];
  metadata?: Record<string, string>;
}

function refuse(file: string, why: string): never {
  throw new DataError({ file, kind: 'bad-embeddings', message: `${file}: not a valid .safetensors file (${why})` });
}

/** Validates the whole file and returns every tensor (in file order). Throws DataError on any malformation. */
export function readSafetensors(bytes: Uint8Array, file = 'model.safetensors'): SafetensorsFile {
  if (bytes.length < 8) refuse(file, `${bytes.length} bytes: shorter than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const big = dv.getBigUint64(0, true);
  if (big === 0n) refuse(file, 'header length is 0');
  if (big > BigInt(SAFETENSORS_MAX_HEADER)) refuse(file, `header length ${big} exceeds the ${SAFETENSORS_MAX_HEADER}-byte limit`);
  const n = Number(big);
  if (8 + n > bytes.length) refuse(file, `header length ${n} runs past the end of the ${bytes.length}-byte file`);
  if (bytes[8] !== 0x7b) refuse(file, 'header does not start with "{"');
  let text: string;
  try { text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)); } catch { return refuse(file, 'header is not valid UTF-8'); }
  let header: unknown;
  try { header = parseStrictJson(text.replace(/ +$/, ''), 4); } catch (e) {
    return refuse(file, `header is not valid JSON: ${e instanceof StrictJsonError ? e.message : 'parse error'}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) refuse(file, 'header is not a JSON object');
  const dataLen = bytes.length - 8 - n;
  const base = 8 + n;
  let metadata: Record<string, string> | undefined;
  const entries: { name: string; dtype: string; shape: number[]; a: number; b: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    const q = JSON.stringify(name.length > 60 ? name.slice(0, 60) + '…' : name);
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) refuse(file, '"__metadata__" is not an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) if (typeof v !== 'string') refuse(file, `"__metadata__" value of ${JSON.stringify(k)} is not a string`);
      metadata = raw as Record<string, string>;
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) refuse(file, `tensor ${q} is not an object`);
    const t = raw as Record<string, unknown>;
    for (const k of Object.keys(t)) if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') refuse(file, `tensor ${q} has an unknown field "${k}"`);
    if (typeof t.dtype !== 'string' || !(t.dtype in SAFETENSORS_DTYPE_BYTES)) refuse(file, `tensor ${q} has unknown dtype ${JSON.stringify(t.dtype)}`);
    const dtype = t.dtype as string;
    if (!Array.isArray(t.shape)) refuse(file, `tensor ${q} has no shape array`);
    const shape = t.shape as unknown[];
    if (shape.length > 8) refuse(file, `tensor ${q} has ${shape.length} dimensions (at most 8)`);
    let count = 1n;
    for (const d of shape) {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) refuse(file, `tensor ${q} has shape entry ${JSON.stringify(d)} (expected a non-negative integer)`);
      count *= BigInt(d as number);
    }
    const off = t.data_offsets;
    if (!Array.isArray(off) || off.length !== 2) refuse(file, `tensor ${q} data_offsets is not [begin, end]`);
    const [a, b] = off as unknown[];
    for (const x of [a, b]) if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) refuse(file, `tensor ${q} has data offset ${JSON.stringify(x)} (expected a non-negative integer)`);
    const A = a as number, B = b as number;
    if (B < A) refuse(file, `tensor ${q} ends (${B}) before it begins (${A})`);
    const size = count * BigInt(SAFETENSORS_DTYPE_BYTES[dtype]);
    if (size !== BigInt(B - A)) refuse(file, `tensor ${q}: shape [${shape.join(', ')}] x ${dtype} is ${size} bytes but data_offsets span ${B - A}`);
    if (B > dataLen) refuse(file, `tensor ${q} ends at byte ${B} past the ${dataLen}-byte data buffer`);
    entries.push({ name, dtype, shape: shape as number[], a: A, b: B });
  }
  // contiguous from 0, no overlap, no holes, covering the data exactly
  const sorted = [...entries].sort((x, y) => x.a - y.a || x.b - y.b);
  let pos = 0;
  for (const e of sorted) {
    if (e.a < pos) refuse(file, `tensor ${JSON.stringify(e.name)} overlaps the previous tensor (begins at ${e.a}, previous ends at ${pos})`);
    if (e.a > pos) refuse(file, `a hole of ${e.a - pos} bytes before tensor ${JSON.stringify(e.name)} (offsets must be contiguous from 0)`);
    pos = e.b;
  }
  if (pos !== dataLen) refuse(file, `the tensors cover ${pos} bytes but the data buffer holds ${dataLen} (${dataLen > pos ? 'trailing bytes' : 'truncated'})`);
  return {
    tensors: entries.map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape, bytes: bytes.subarray(base + e.a, base + e.b) })),
    metadata,
  };
}

/** Float32 values of a F32/F64/F16/BF16 tensor (little-endian). */
export function tensorToFloat32(t: SafetensorsTensor, file: string): Float32Array {
  const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  const count = t.bytes.byteLength / SAFETENSORS_DTYPE_BYTES[t.dtype];
  const out = new Float32Array(count);
  if (t.dtype === 'F32') for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
  else if (t.dtype === 'F64') for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, true);
  else if (t.dtype === 'BF16') for (let i = 0; i < count; i++) out[i] = bf16(dv.getUint16(2 * i, true));
  else if (t.dtype === 'F16') for (let i = 0; i < count; i++) out[i] = f16(dv.getUint16(2 * i, true));
  else refuse(file, `tensor ${JSON.stringify(t.name)} has dtype ${t.dtype}, expected a float dtype`);
  return out;
}

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);
function bf16(h: number): number { u32buf[0] = h << 16; return f32buf[0]; }
function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Refuses non-finite values: one line with the count and the first (row, column). */
export function checkFinite(data: Float32Array, dim: number, file: string, what: string): void {
  let bad = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) { bad++; if (first < 0) first = i; }
  if (bad) throw new DataError({ file, kind: 'bad-embeddings', count: bad,
    message: `${file}: ${what} holds ${bad} NaN/Inf value(s) (first at row ${Math.floor(first / dim)}, column ${first % dim}); embeddings must be finite` });
}

/**
 * The embedding matrix of a safetensors file: tensor `tensor` (default "embeddings", else the only 2-D float tensor)
 * and an optional integer "ids" tensor (I32/I64, non-negative, unique, one per row). NaN/Inf values are refused.
 */
export function parseSafetensors(bytes: Uint8Array, file = 'embeddings.safetensors', tensor?: string): DenseMatrix & { ids?: Int32Array; name: string } {
  const st = readSafetensors(bytes, file);
  const isFloat2d = (t: SafetensorsTensor) => ['F32', 'F64', 'F16', 'BF16'].includes(t.dtype) && t.shape.length === 2;
  let pick: SafetensorsTensor | undefined;
  if (tensor) pick = st.tensors.find((t) => t.name === tensor) ?? refuse(file, `no tensor "${tensor}"`);
  else {
    pick = st.tensors.find((t) => t.name === 'embeddings');
    if (!pick) {
      const cands = st.tensors.filter(isFloat2d);
      if (cands.length > 1) refuse(file, `${cands.length} 2-D float tensors (${cands.map((t) => t.name).slice(0, 4).join(', ')}) and none named "embeddings"`);
      pick = cands[0];
    }
  }
  if (!pick) return refuse(file, 'no 2-D float tensor (name it "embeddings")');
  if (!isFloat2d(pick)) refuse(file, `tensor "${pick.name}" is ${pick.dtype} [${pick.shape.join(', ')}], expected a 2-D float tensor (items x dims)`);
  const [rows, dim] = pick.shape;
  if (rows === 0 || dim === 0) refuse(file, `tensor "${pick.name}" is empty [${rows}, ${dim}]`);
  const data = tensorToFloat32(pick, file);
  checkFinite(data, dim, file, `tensor "${pick.name}"`);
  const idsT = st.tensors.find((t) => t.name === 'ids');
  let ids: Int32Array | undefined;
  if (idsT) {
    if ((idsT.dtype !== 'I32' && idsT.dtype !== 'I64') || idsT.shape.length !== 1) refuse(file, `"ids" is ${idsT.dtype} [${idsT.shape.join(', ')}], expected a 1-D I32/I64 tensor`);
    if (idsT.shape[0] !== rows) refuse(file, `"ids" has ${idsT.shape[0]} entries but "${pick.name}" has ${rows} rows`);
    const dv = new DataView(idsT.bytes.buffer, idsT.bytes.byteOffset, idsT.bytes.byteLength);
    ids = new Int32Array(rows);
    const seen = new Set<number>();
    for (let i = 0; i < rows; i++) {
      const v = idsT.dtype === 'I32' ? dv.getInt32(4 * i, true) : Number(dv.getBigInt64(8 * i, true));
      if (!(v >= 0 && v <= 2147483647)) refuse(file, `"ids"[${i}] = ${v} is not a non-negative 32-bit video id`);
      if (seen.has(v)) refuse(file, `"ids" repeats video id ${v} (at entry ${i})`);
      seen.add(v);
      ids[i] = v;
    }
  }
  return { shape: [rows, dim], data, ids, name: pick.name };
}

/** Writes a safetensors file with F32 tensors (and optional I32 ids). Used by tests and exports. */
export function writeSafetensors(tensors: Record<string, { data: Float32Array | Int32Array; shape: number[] }>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let off = 0;
  for (const [k, t] of Object.entries(tensors)) {
    header[k] = { dtype: t.data instanceof Int32Array ? 'I32' : 'F32', shape: t.shape, data_offsets: [off, off + t.data.byteLength] };
    off += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  const h0 = new TextEncoder().encode(json);
  json += ' '.repeat((8 - ((8 + h0.length) % 8)) % 8);
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  let o = 8 + h.length;
  for (const t of Object.values(tensors)) { out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), o); o += t.data.byteLength; }
  return out;
}
