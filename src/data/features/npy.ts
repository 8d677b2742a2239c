// NumPy .npy reader (versions 1-3): float32/float64, little-endian, C order, 2-D (or 1-D). No dependency.

import { DataError } from '../types';

export interface DenseMatrix {
  shape: number[];
  data: Float32Array;
}

/**
 * Strict .npy reader (format versions 1.0, 2.0, 3.0): magic, header length within the file, a header dict with exactly
 * 'descr', 'fortran_order', 'shape' ending in '\n', descr <f4/<f8 (little-endian float), C order, non-negative
 * integer shape, data length exactly elements x itemsize (no truncation, no trailing bytes), finite values.
 * Every refusal is a DataError('bad-embeddings') with one line naming the file and the problem.
 */
export function parseNpy(bytes: Uint8Array, file = 'embeddings.npy'): DenseMatrix {
  const fail = (why: string): never => { throw new DataError({ file, kind: 'bad-embeddings', message: `${file}: not a valid .npy file (${why})` }); };
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') fail('no \\x93NUMPY magic');
  const major = bytes[6];
  if (major < 1 || major > 3 || bytes[7] !== 0) fail(`format version ${major}.${bytes[7]} (expected 1.0, 2.0 or 3.0)`);
  if (major > 1 && bytes.length < 12) fail('truncated header');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) fail(`header length ${headerLen} runs past the end of the ${bytes.length}-byte file`);
  let header: string;
  try { header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(bytes.subarray(start, start + headerLen)); } catch { return fail('header is not valid text'); }
  if (!header.endsWith('\n')) fail('header does not end with a newline');
  const m = /^\{\s*(.*?),?\s*\}\s*$/s.exec(header.trimEnd());
  if (!m) fail('header is not a dict');
  const keys = new Map<string, string>();
  // entries: 'descr': '<f4', 'fortran_order': False, 'shape': (3, 2)
  const re = /\s*'([a-z_]+)'\s*:\s*('(?:[^'\\]|\\.)*'|True|False|\([^()]*\))\s*(,|$)/gy;
  let k: RegExpExecArray | null;
  let pos = 0;
  const body = m![1];
  while (pos < body.length && (k = re.exec(body))) {
    if (keys.has(k[1])) fail(`header repeats key '${k[1]}'`);
    keys.set(k[1], k[2]);
    pos = re.lastIndex;
  }
  if (pos !== body.length) fail('header dict is malformed');
  for (const key of keys.keys()) if (!['descr', 'fortran_order', 'shape'].includes(key)) fail(`header has an unknown key '${key}'`);
  const descr = keys.get('descr') ?? fail("header has no 'descr'");
  const fortran = keys.get('fortran_order') ?? fail("header has no 'fortran_order'");
  const shapeStr = keys.get('shape') ?? fail("header has no 'shape'");
  if (fortran === 'True') fail('Fortran order is not supported; save with C order (np.ascontiguousarray)');
  if (fortran !== 'False') fail(`fortran_order ${fortran}`);
  const elem = descr === "'<f4'" ? 4 : descr === "'<f8'" ? 8 : fail(`dtype ${descr}; expected '<f4' or '<f8' (little-endian float32/float64)`);
  const inner = shapeStr.slice(1, -1).trim();
  const parts = inner === '' ? [] : inner.split(',').map((x) => x.trim());
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length > 8) fail(`${parts.length} dimensions`);
  let count = 1n;
  const shape = parts.map((x) => {
    if (!/^\d{1,15}$/.test(x)) fail(`shape entry "${x.slice(0, 20)}" is not a non-negative integer`);
    count *= BigInt(x);
    return Number(x);
  });
  const off = start + headerLen;
  const need = count * BigInt(elem);
  const have = BigInt(bytes.length - off);
  if (need !== have) fail(`shape (${shape.join(', ')}) needs ${need} data bytes but the file holds ${have} (${have > need ? 'trailing bytes' : 'truncated'})`);
  const n = Number(count);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = elem === 4 ? dv.getFloat32(off + 4 * i, true) : dv.getFloat64(off + 8 * i, true);
  const dim = shape.length === 2 ? shape[1] : 1;
  let bad = 0;
  let first = -1;
  for (let i = 0; i < n; i++) if (!Number.isFinite(data[i])) { bad++; if (first < 0) first = i; }
  if (bad) throw new DataError({ file, kind: 'bad-embeddings', count: bad,
    message: `${file}: holds ${bad} NaN/Inf value(s) (first at row ${Math.floor(first / dim)}, column ${first % dim}); embeddings must be finite` });
  return { shape, data };
}

/** Writes a float32 C-order .npy (v1). Used by tests and exports. */
export function writeNpy(data: Float32Array | Float64Array, shape: number[]): Uint8Array {
  const descr = data instanceof Float64Array ? '<f8' : '<f4';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(10 + h.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, h.length, true);
  out.set(h, 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + h.length);
  return out;
}
