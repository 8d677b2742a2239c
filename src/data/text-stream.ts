// Streaming UTF-8 line reader over a ReadableStream<Uint8Array>.
// One TextDecoder (fatal) across all chunks, so multi-byte characters split across chunk boundaries decode correctly.
// Only '\n' ends a line: stray '\r' inside fields stay in the line (a trailing '\r' before '\n' is dropped: CRLF files).

import { DataError, type Progress } from './types';

export interface LineReaderOptions {
  file: string;
  signal?: AbortSignal;
  totalBytes?: number;
  onProgress?: (p: Progress) => void;
  progressEveryMs?: number;
}

/** Receives whole decoded chunks of complete lines. `text` holds lines joined by '\n' (no trailing newline). */
export type LineBlockHandler = (text: string, firstLineNo: number) => number;

/**
 * Feeds blocks of complete lines to `onBlock`. The handler returns how many lines it consumed as "rows" (for progress).
 * Returns the number of bytes read and lines seen. Throws DataError on invalid UTF-8 or abort.
 */
export async function readLineBlocks(
  stream: ReadableStream<Uint8Array>,
  opts: LineReaderOptions,
  onBlock: LineBlockHandler,
): Promise<{ bytes: number; lines: number; rows: number }> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const reader = stream.getReader();
  const t0 = now();
  let lastReport = -Infinity;
  const every = opts.progressEveryMs ?? 100;
  let bytes = 0;
  let carry = '';
  let lineNo = 1; // line number of the first line in `carry`
  let rows = 0;
  const report = (force: boolean) => {
    if (!opts.onProgress) return;
    const t = now();
    if (!force && t - lastReport < every) return;
    lastReport = t;
    const sec = Math.max(1e-6, (t - t0) / 1000);
    const rowsPerSec = rows / sec;
    const bytesPerSec = bytes / sec;
    const etaSec = opts.totalBytes !== undefined && bytesPerSec > 0 ? Math.max(0, (opts.totalBytes - bytes) / bytesPerSec) : undefined;
    opts.onProgress({ bytes, totalBytes: opts.totalBytes, rows, rowsPerSec, etaSec });
  };
  const emit = (text: string) => {
    // count lines in text
    let n = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
    rows += onBlock(stripCR(text), lineNo);
    lineNo += n;
  };
  const yielder = taskYielder();
  try {
    for (;;) {
      await yielder();
      if (opts.signal?.aborted) throw abortError(opts.file);
      const { value, done } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      let s: string;
      try {
        s = decoder.decode(value, { stream: true });
      } catch {
        throw encodingError(opts.file);
      }
      const last = s.lastIndexOf('\n');
      if (last === -1) {
        carry += s;
      } else {
        const block = carry + s.slice(0, last);
        carry = s.slice(last + 1);
        emit(block);
      }
      report(false);
    }
    let tail: string;
    try {
      tail = decoder.decode();
    } catch {
      throw encodingError(opts.file);
    }
    carry += tail;
    if (carry.length > 0) emit(carry);
    report(true);
  } catch (e) {
    try { await reader.cancel(); } catch { /* ignore */ }
    throw e;
  } finally {
    try { reader.releaseLock(); } catch { /* ignore */ }
  }
  return { bytes, lines: lineNo - 1, rows };
}

/** Drop '\r' that directly precedes '\n' (CRLF) or ends the block; keep stray '\r' inside lines. */
function stripCR(text: string): string {
  if (text.indexOf('\r') === -1) return text;
  return text.replace(/\r\n/g, '\n').replace(/\r$/, '');
}

function abortError(file: string): DataError {
  return new DataError({ file, kind: 'aborted', message: `${file}: loading cancelled` });
}

export function encodingError(file: string): DataError {
  return new DataError({ file, kind: 'encoding', message: `${file}: not valid UTF-8 text (re-save the file as UTF-8)` });
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** Reads the first line of a stream and returns it with the remaining stream (the bytes are not consumed). */
export async function peekHead(stream: ReadableStream<Uint8Array>, maxBytes = 65536): Promise<{ head: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  let done = false;
  while (n < maxBytes) {
    const r = await reader.read();
    if (r.done) { done = true; break; }
    parts.push(r.value);
    n += r.value.byteLength;
    if (r.value.indexOf(10) !== -1) break;
  }
  const head = concatBytes(parts);
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.byteLength) controller.enqueue(head);
      if (done) controller.close();
    },
    async pull(controller) {
      const r = await reader.read();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return { head, stream: rest };
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.byteLength; }
  return out;
}

/** Wraps bytes or a string as a ReadableStream, split into chunks of `chunkSize` bytes (tests, bundled data). */
export function streamFromBytes(data: Uint8Array | string, chunkSize = 65536): ReadableStream<Uint8Array> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  let off = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (off >= bytes.byteLength) { controller.close(); return; }
      const end = Math.min(bytes.byteLength, off + chunkSize);
      controller.enqueue(bytes.slice(off, end));
      off = end;
    },
  });
}

/**
 * Reads of an in-memory Blob resolve as microtasks, so a parse loop never lets the worker handle a message (a Cancel)
 * until the whole file is read. This yields one macrotask every YIELD_MS of work, so a cancel acts within ~that.
 */
export const YIELD_MS = 40;
export function taskYielder(): () => Promise<void> {
  let last = performance.now();
  return async () => {
    const now = performance.now();
    if (now - last < YIELD_MS) return;
    await new Promise<void>((r) => setTimeout(r, 0));
    last = performance.now();
  };
}
