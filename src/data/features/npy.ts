// NumPy .npy reader (versions 1-3): float32/float64, little-endian, C order, 2-D (or 1-D). No dependency.

export interface DenseMatrix {
  shape: number[];
  data: Float32Array;
}

export function parseNpy(bytes: Uint8Array, file = 'embeddings.npy'): DenseMatrix {
  const fail = (why: string): never => { throw new Error(`${file}: not a supported .npy file (${why})`); };
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') fail('bad magic');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) fail('truncated header');
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1] ?? fail('no descr');
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1] ?? fail('no fortran_order');
  const shapeStr = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1] ?? fail('no shape');
  if (fortran === 'True') fail('Fortran order is not supported; save with C order');
  const shape = shapeStr.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const off = start + headerLen;
  const elem = descr === '<f4' ? 4 : descr === '<f8' ? 8 : fail(`dtype ${descr}; expected <f4 or <f8`);
  if (off + count * elem > bytes.length) fail('truncated data');
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = elem === 4 ? dv.getFloat32(off + 4 * i, true) : dv.getFloat64(off + 8 * i, true);
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
