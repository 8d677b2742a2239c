// Byte-level line blocks for the hot path (interaction matrices): no string decoding of the data at all.
// Blocks end on '\n' (0x0A never occurs inside a UTF-8 multi-byte sequence, so a block boundary never splits a
// character); the loader validates UTF-8 itself on the lines that contain a byte >= 0x80.

import { concatBytes, taskYielder, type LineReaderOptions } from './text-stream';
import { DataError } from './types';

/**
 * onBlock(buf, start, end, firstLineNo) gets complete lines in buf[start, end) (no trailing '\n') and buf[end] is
 * always a '\n' (a sentinel: parsers need no bounds checks); returns rows kept and physical lines seen.
 */
export type ByteBlockHandler = (buf: Uint8Array, start: number, end: number, firstLineNo: number) => { rows: number; lines: number };

export async function readByteLineBlocks(
  stream: ReadableStream<Uint8Array>,
  opts: LineReaderOptions,
  onBlock: ByteBlockHandler,
): Promise<{ bytes: number; lines: number; rows: number }> {
  const reader = stream.getReader();
  const p = progressReporter(opts);
  let rows = 0;
  let lineNo = 1;
  let carry: Uint8Array = new Uint8Array(0);
  // pieces of a line longer than one chunk, joined once its '\n' arrives (joining per chunk would be quadratic)
  let pieces: Uint8Array[] = [];
  const takeCarry = () => {
    if (pieces.length) { pieces.unshift(carry); carry = concatBytes(pieces); pieces = []; }
    return carry;
  };
  const emit = (buf: Uint8Array, start: number, end: number) => {
    const r = onBlock(buf, start, end, lineNo);
    rows += r.rows;
    lineNo += r.lines;
  };
  const yielder = taskYielder();
  try {
    for (;;) {
      await yielder();
      if (opts.signal?.aborted) throw new DataError({ file: opts.file, kind: 'aborted', message: `${opts.file}: loading cancelled` });
      const { value, done } = await reader.read();
      if (done) break;
      p.add(value.byteLength);
      const first = value.indexOf(10);
      if (first === -1) {
        pieces.push(value.slice());
      } else {
        takeCarry();
        // Parse the chunk in place: only the line spanning the previous chunk is copied (no per-chunk copy).
        const last = value.lastIndexOf(10);
        if (carry.length === 0) emit(value, 0, last);
        else {
          const joined = concat2(carry, value, first, true);
          emit(joined, 0, joined.length - 1);
          if (last > first) emit(value, first + 1, last);
        }
        carry = value.slice(last + 1);
      }
      p.report(rows, false);
    }
    takeCarry();
    if (carry.length) {
      const tail = concat2(carry, new Uint8Array(0), 0, true);
      emit(tail, 0, tail.length - 1);
    }
    p.report(rows, true);
  } catch (e) {
    try { await reader.cancel(); } catch { /* ignore */ }
    throw e;
  } finally {
    try { reader.releaseLock(); } catch { /* ignore */ }
  }
  return { bytes: p.bytes(), lines: lineNo - 1, rows };
}

/** Bytes read so far and throttled onProgress reports (bytes, rows/s, ETA) of one read. */
function progressReporter(opts: LineReaderOptions) {
  const t0 = performance.now();
  const every = opts.progressEveryMs ?? 100;
  let lastReport = -Infinity;
  let bytes = 0;
  return {
    add(n: number) { bytes += n; },
    bytes: () => bytes,
    report(rows: number, force: boolean) {
      if (!opts.onProgress) return;
      const t = performance.now();
      if (!force && t - lastReport < every) return;
      lastReport = t;
      const sec = Math.max(1e-6, (t - t0) / 1000);
      const bps = bytes / sec;
      opts.onProgress({ bytes, totalBytes: opts.totalBytes, rows, rowsPerSec: rows / sec, etaSec: opts.totalBytes !== undefined && bps > 0 ? Math.max(0, (opts.totalBytes - bytes) / bps) : undefined });
    },
  };
}

/** a + b[0, bLen) (+ a '\n' sentinel byte when `sentinel`). */
function concat2(a: Uint8Array, b: Uint8Array, bLen: number, sentinel: boolean): Uint8Array {
  if (a.length === 0 && !sentinel) return b.subarray(0, bLen);
  const out = new Uint8Array(a.length + bLen + (sentinel ? 1 : 0));
  out.set(a, 0);
  out.set(b.subarray(0, bLen), a.length);
  if (sentinel) out[out.length - 1] = 10;
  return out;
}

/** Byte version of csv.parseNumber: s[a, b) as a decimal number, NaN when empty or invalid. */
export function parseNumberBytes(s: Uint8Array, a: number, b: number): number {
  while (a < b && s[a] === 32) a++;
  while (b > a && (s[b - 1] === 32 || s[b - 1] === 13)) b--;
  if (a >= b) return NaN;
  let i = a;
  let neg = false;
  let c = s[i];
  if (c === 45) { neg = true; i++; } else if (c === 43) i++;
  let m = 0;
  let digits = 0;
  let scale = 1;
  while (i < b) {
    c = s[i];
    if (c < 48 || c > 57) break;
    m = m * 10 + (c - 48);
    i++; digits++;
  }
  if (i < b && s[i] === 46) {
    i++;
    while (i < b) {
      c = s[i];
      if (c < 48 || c > 57) break;
      m = m * 10 + (c - 48);
      scale *= 10;
      i++; digits++;
    }
  }
  if (digits === 0) return NaN;
  if (i < b || digits > 15) {
    if (i < b && s[i] !== 101 && s[i] !== 69) return NaN;
    return Number(String.fromCharCode(...s.subarray(a, b))); // exponent or very long mantissa: rare
  }
  const v = scale === 1 ? m : m / scale;
  return neg ? -v : v;
}

// ------------------------------------------------------------------ BYOB (browsers: File.stream() is a byte stream)

/** A BYOB reader when `stream` is a readable byte stream (File.stream() / Blob.stream() in browsers), else null. */
export function byobReader(stream: ReadableStream<Uint8Array>): ReadableStreamBYOBReader | null {
  try {
    return (stream as ReadableStream<Uint8Array<ArrayBuffer>>).getReader({ mode: 'byob' });
  } catch {
    return null;
  }
}

/** The first bytes of a BYOB stream in a buffer of `bytes` (read until a '\n' is seen, the buffer is full or the stream ends). */
export async function byobHead(reader: ReadableStreamBYOBReader, bytes = 1 << 20): Promise<{ buf: ArrayBuffer; len: number; done: boolean }> {
  let buf = new ArrayBuffer(bytes);
  let len = 0;
  for (;;) {
    const r = await reader.read(new Uint8Array(buf, len, bytes - len));
    if (!r.value) throw new Error('the stream was cancelled');
    buf = r.value.buffer as ArrayBuffer;
    if (r.done) return { buf, len, done: true };
    const got = new Uint8Array(buf, len, r.value.byteLength);
    len += r.value.byteLength;
    if (got.indexOf(10) !== -1 || len === bytes) return { buf, len, done: false };
  }
}

/** A default stream of `head` then the rest of a BYOB reader (fresh 1 MiB chunks): for the paths that take chunks. */
export function byobRest(reader: ReadableStreamBYOBReader, head: Uint8Array, done: boolean): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(c) {
      if (head.byteLength) c.enqueue(head);
      if (done) c.close();
    },
    async pull(c) {
      const r = await reader.read(new Uint8Array(1 << 20));
      if (r.done) c.close();
      else c.enqueue(r.value);
    },
    cancel(reason) { return reader.cancel(reason); },
  }, { highWaterMark: 0 });
}

/**
 * readByteLineBlocks over a BYOB reader: the whole file goes through ONE reused buffer (the partial last line is moved
 * to its front before the next read fills the rest), so nothing is allocated per chunk — no garbage chunk buffers
 * waiting for a GC (they were most of the browser path's memory beyond its columns). `head` = the buffer already
 * holding the file's first `len` bytes (byobHead). Same blocks, line numbers, progress, cancel and yield rules.
 */
export async function readByteLineBlocksByob(
  reader: ReadableStreamBYOBReader,
  head: { buf: ArrayBuffer; len: number; done: boolean },
  opts: LineReaderOptions,
  onBlock: ByteBlockHandler,
): Promise<{ bytes: number; lines: number; rows: number }> {
  const p = progressReporter(opts);
  let buf = head.buf;
  let len = head.len;
  let done = head.done;
  let lineNo = 1;
  let rows = 0;
  p.add(len);
  const yielder = taskYielder();
  try {
    for (;;) {
      await yielder();
      if (opts.signal?.aborted) throw new DataError({ file: opts.file, kind: 'aborted', message: `${opts.file}: loading cancelled` });
      if (!done && len < buf.byteLength) {
        const r = await reader.read(new Uint8Array(buf, len, buf.byteLength - len));
        if (!r.value) throw new Error('the stream was cancelled');
        buf = r.value.buffer as ArrayBuffer;
        if (r.done) done = true;
        else { len += r.value.byteLength; p.add(r.value.byteLength); }
      }
      let u8 = new Uint8Array(buf);
      const last = u8.subarray(0, len).lastIndexOf(10);
      if (last === -1) {
        if (len === buf.byteLength) {
          // a line longer than the buffer: double it (the line is kept whole)
          const next = new ArrayBuffer(buf.byteLength * 2);
          new Uint8Array(next).set(u8);
          buf = next;
          u8 = new Uint8Array(buf);
        }
        if (!done) continue;
        if (len > 0) {
          u8[len] = 10; // sentinel after the last line (room: len < capacity here)
          const r = onBlock(u8, 0, len, lineNo);
          rows += r.rows; lineNo += r.lines;
        }
        break;
      }
      const r = onBlock(u8, 0, last, lineNo);
      rows += r.rows; lineNo += r.lines;
      u8.copyWithin(0, last + 1, len);
      len -= last + 1;
      p.report(rows, false);
      if (done && len === 0) break;
    }
    p.report(rows, true);
  } catch (e) {
    try { await reader.cancel(); } catch { /* ignore */ }
    throw e;
  } finally {
    try { reader.releaseLock(); } catch { /* ignore */ }
  }
  return { bytes: p.bytes(), lines: lineNo - 1, rows };
}
