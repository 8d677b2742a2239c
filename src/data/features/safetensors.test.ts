// Strict safetensors / npy readers: a corpus of hostile files built here (each a known way to break the format), every
// one refused with one DataError line; valid files (incl. __metadata__, F16/BF16/F64, I64 ids) read exactly.
import { describe, expect, it } from 'vitest';
import { isDataError } from '../types';
import { parseNpy, writeNpy } from './npy';
import { parseSafetensors, readSafetensors, writeSafetensors } from './safetensors';

const enc = new TextEncoder();

/** A safetensors file from a raw header string and a data buffer (no checks: for hostile cases). */
function raw(header: string, data: Uint8Array | number, lenOverride?: bigint): Uint8Array {
  const h = enc.encode(header);
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, lenOverride ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}
const t = (dtype: string, shape: unknown, off: unknown) => ({ dtype, shape, data_offsets: off });
const J = (o: unknown) => JSON.stringify(o);
const f32 = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);

const hostile: [string, Uint8Array][] = [
  ['empty file', new Uint8Array(0)],
  ['7 bytes', new Uint8Array(7)],
  ['header length 0', raw('', 0)],
  ['header length past the end', raw('{}', 0, 1000n)],
  ['header length 2^63', raw('{}', 0, 1n << 63n)],
  ['header length over 100 MB', raw('{}', 0, 200_000_000n)],
  ['header not starting with {', raw(' {"a":1}', 0)],
  ['header is an array', raw('[1,2]', 0)],
  ['header not JSON', raw('{"a":', 0)],
  ['header not UTF-8', Uint8Array.from([...raw('{"\u00e9":1}', 0).subarray(0, 10), 0xff, 0xfe, ...enc.encode('":1}')].map((b, i) => (i < 8 ? [6, 0, 0, 0, 0, 0, 0, 0][i] : b)))],
  ['duplicate keys', raw('{"e":' + J(t('F32', [1, 1], [0, 4])) + ',"e":' + J(t('F32', [1, 1], [0, 4])) + '}', f32(1))],
  ['10,000-deep header', raw('{"e":' + '['.repeat(10000) + ']'.repeat(10000) + '}', 0)],
  ['unknown dtype', raw(J({ e: t('F33', [1, 1], [0, 4]) }), f32(1))],
  ['shape with a negative entry', raw(J({ e: t('F32', [-1, 1], [0, 4]) }), f32(1))],
  ['shape with a float entry', raw('{"e":{"dtype":"F32","shape":[1.5,1],"data_offsets":[0,4]}}', f32(1))],
  ['shape overflow', raw(J({ e: t('F32', [2 ** 40, 2 ** 40], [0, 4]) }), f32(1))],
  ['shape is not an array', raw(J({ e: t('F32', 4, [0, 4]) }), f32(1))],
  ['float offset', raw('{"e":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4.0]}}', f32(1))],
  ['negative offset', raw(J({ e: t('F32', [1, 1], [-4, 0]) }), f32(1))],
  ['offsets reversed', raw(J({ e: t('F32', [0], [4, 0]) }), f32(1))],
  ['three offsets', raw(J({ e: t('F32', [1, 1], [0, 4, 8]) }), f32(1))],
  ['size does not match shape', raw(J({ e: t('F32', [2, 1], [0, 4]) }), f32(1))],
  ['offset past the end', raw(J({ e: t('F32', [2, 1], [0, 8]) }), f32(1))],
  ['200 MB tensor in a tiny file', raw(J({ e: t('F32', [50_000_000, 1], [0, 200_000_000]) }), f32(1))],
  ['truncated last byte', raw(J({ e: t('F32', [2, 1], [0, 8]) }), f32(1, 2).subarray(0, 7))],
  ['trailing bytes', raw(J({ e: t('F32', [1, 1], [0, 4]) }), f32(1, 2))],
  ['hole between tensors', raw(J({ e: t('F32', [1, 1], [0, 4]), ids: t('I32', [1], [8, 12]) }), f32(1, 2, 3))],
  ['hole at the start', raw(J({ e: t('F32', [1, 1], [4, 8]) }), f32(1, 2))],
  ['overlapping tensors', raw(J({ e: t('F32', [2, 1], [0, 8]), ids: t('I32', [1], [4, 8]) }), f32(1, 2))],
  ['aliased tensors', raw(J({ e: t('F32', [1, 1], [0, 4]), f: t('F32', [1, 1], [0, 4]) }), f32(1))],
  ['unknown tensor field', raw(J({ e: { ...t('F32', [1, 1], [0, 4]), x: 1 } }), f32(1))],
  ['metadata not string map', raw(J({ __metadata__: { a: 1 }, e: t('F32', [1, 1], [0, 4]) }), f32(1))],
  ['NaN embedding', writeSafetensors({ embeddings: { data: Float32Array.from([1, NaN, 2, 3]), shape: [2, 2] } })],
  ['Inf embedding', writeSafetensors({ embeddings: { data: Float32Array.from([1, 2, Infinity, 3]), shape: [2, 2] } })],
  ['ids wrong length', writeSafetensors({ embeddings: { data: new Float32Array(4), shape: [2, 2] }, ids: { data: Int32Array.from([1, 2, 3]), shape: [3] } })],
  ['ids repeated', writeSafetensors({ embeddings: { data: new Float32Array(4), shape: [2, 2] }, ids: { data: Int32Array.from([1, 1]), shape: [2] } })],
  ['ids negative', writeSafetensors({ embeddings: { data: new Float32Array(4), shape: [2, 2] }, ids: { data: Int32Array.from([1, -2]), shape: [2] } })],
  ['no 2-D float tensor', writeSafetensors({ x: { data: new Float32Array(4), shape: [4] } })],
  ['embeddings is 1-D', writeSafetensors({ embeddings: { data: new Float32Array(4), shape: [4] } })],
];

describe('safetensors: whole-file validation', () => {
  for (const [name, bytes] of hostile) {
    it(`refuses: ${name}`, () => {
      let err: unknown;
      try { parseSafetensors(bytes, 'e.safetensors'); } catch (e) { err = e; }
      expect(isDataError(err)).toBe(true);
      const msg = (err as Error).message;
      expect(msg.startsWith('e.safetensors: ')).toBe(true);
      expect(msg.includes('\n')).toBe(false);
    });
  }

  it('reads valid files exactly (metadata, I64 ids, F64/F16/BF16, empty tensors)', () => {
    const m = Float32Array.from([0.5, -1, 2, 3.25, 4, 5]);
    const a = parseSafetensors(writeSafetensors({ embeddings: { data: m, shape: [3, 2] }, ids: { data: Int32Array.from([30, 20, 10]), shape: [3] } }, { format: 'pt' }), 'a.safetensors');
    expect(Array.from(a.data)).toEqual(Array.from(m));
    expect(Array.from(a.ids!)).toEqual([30, 20, 10]);
    // hand-built: F64 embeddings + I64 ids + a 0-element tensor, out of order in the header
    const d = new Uint8Array(32 + 16);
    const dv = new DataView(d.buffer);
    [1.5, 2, -3, 4].forEach((v, i) => dv.setFloat64(8 * i, v, true));
    dv.setBigInt64(32, 7n, true); dv.setBigInt64(40, 9n, true);
    const b = parseSafetensors(raw(J({ ids: t('I64', [2], [32, 48]), z: t('F32', [0, 3], [48, 48]), embeddings: t('F64', [2, 2], [0, 32]) }) + '   ', d), 'b.safetensors');
    expect(Array.from(b.data)).toEqual([1.5, 2, -3, 4]);
    expect(Array.from(b.ids!)).toEqual([7, 9]);
    const h = new Uint8Array(8);
    new DataView(h.buffer).setUint16(0, 0x3c00, true); // f16 1.0
    new DataView(h.buffer).setUint16(2, 0xc000, true); // f16 -2.0
    new DataView(h.buffer).setUint16(4, 0x3f80, true); // bf16 1.0
    new DataView(h.buffer).setUint16(6, 0x4040, true); // bf16 3.0
    const f = readSafetensors(raw(J({ a: t('F16', [1, 2], [0, 4]), b: t('BF16', [1, 2], [4, 8]) }), h), 'f.safetensors');
    expect(f.tensors.map((x) => x.name)).toEqual(['a', 'b']);
    expect(Array.from(parseSafetensors(raw(J({ a: t('F16', [1, 2], [0, 4]), b: t('BF16', [1, 2], [4, 8]) }), h), 'f.safetensors', 'a').data)).toEqual([1, -2]);
    expect(Array.from(parseSafetensors(raw(J({ a: t('F16', [1, 2], [0, 4]), b: t('BF16', [1, 2], [4, 8]) }), h), 'f.safetensors', 'b').data)).toEqual([1, 3]);
  });
});

describe('npy: strict', () => {
  const good = writeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]);
  const hdr = (h: string, data: Uint8Array) => {
    let s = h;
    while ((10 + s.length + 1) % 64) s += ' ';
    s += '\n';
    const out = new Uint8Array(10 + s.length + data.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(out.buffer).setUint16(8, s.length, true);
    out.set(enc.encode(s), 10);
    out.set(data, 10 + s.length);
    return out;
  };
  const d24 = f32(1, 2, 3, 4, 5, 6);
  const cases: [string, Uint8Array][] = [
    ['truncated data', good.subarray(0, good.length - 1)],
    ['trailing bytes', Uint8Array.from([...good, 0])],
    ['bad magic', Uint8Array.from([0x94, ...good.subarray(1)])],
    ['version 9', Uint8Array.from(good.map((b, i) => (i === 6 ? 9 : b)))],
    ['big-endian', hdr("{'descr': '>f4', 'fortran_order': False, 'shape': (3, 2), }", d24)],
    ['int dtype', hdr("{'descr': '<i4', 'fortran_order': False, 'shape': (3, 2), }", d24)],
    ['fortran order', hdr("{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2), }", d24)],
    ['negative shape', hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (-3, 2), }", d24)],
    ['float shape', hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (3.0, 2), }", d24)],
    ['repeated key', hdr("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", d24)],
    ['missing shape', hdr("{'descr': '<f4', 'fortran_order': False, }", d24)],
    ['huge shape', hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (50000000, 4), }", d24)],
    ['NaN value', writeNpy(Float32Array.from([1, NaN]), [1, 2])],
    ['header past the end', Uint8Array.from(good.map((b, i) => (i === 9 ? 0xff : b)))],
  ];
  for (const [name, bytes] of cases) {
    it(`refuses: ${name}`, () => {
      let err: unknown;
      try { parseNpy(bytes, 'e.npy'); } catch (e) { err = e; }
      expect(isDataError(err)).toBe(true);
      expect((err as Error).message.startsWith('e.npy: ')).toBe(true);
    });
  }
  it('reads valid f4 / f8 files, with and without a trailing comma', () => {
    expect(parseNpy(good).shape).toEqual([3, 2]);
    expect(Array.from(parseNpy(writeNpy(Float64Array.from([1.5, 2]), [2])).data)).toEqual([1.5, 2]);
    expect(parseNpy(hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2)}", d24)).shape).toEqual([3, 2]);
  });
});
