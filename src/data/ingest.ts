// One entry point for any supported file: (gunzip if needed) -> stream lines -> detect by header -> columnar table.

import { detectFormat, type Detection } from './detect';
import { CaptionLoader } from './loaders/captions';
import { InteractionLoader } from './loaders/interactions';
import { ItemCategoryLoader } from './loaders/item-categories';
import { ItemDailyLoader } from './loaders/item-daily';
import { RecboleLoader } from './loaders/recbole';
import { SequenceLoader } from './loaders/sequences';
import { SocialLoader } from './loaders/social';
import { UserFeatureLoader } from './loaders/user-features';
import type { ParsedFile, TableLoader } from './tables';
import { byobHead, byobReader, byobRest, readByteLineBlocks, readByteLineBlocksByob } from './byte-stream';
import { encodingError, peekHead, readLineBlocks } from './text-stream';
import { DataError, isDataError, type MalformedPolicy, type ParseOptions } from './types';

export interface FileSource {
  name: string;
  size?: number;
  stream: ReadableStream<Uint8Array>;
}

export function createLoader(det: Detection, file: string, malformed: MalformedPolicy = 'skip', expectedBytes?: number): TableLoader {
  switch (det.kind) {
    case 'interactions': return new InteractionLoader(file, det.columns, malformed, expectedBytes);
    case 'recbole-inter': return new RecboleLoader(file, det.columns, malformed);
    case 'sequences': return new SequenceLoader(file, malformed);
    case 'item-categories': return new ItemCategoryLoader(file, det.columns, malformed);
    case 'captions': return new CaptionLoader(file, det.columns, malformed);
    case 'user-features': return new UserFeatureLoader(file, det.columns, malformed);
    case 'item-daily-features': return new ItemDailyLoader(file, det.columns, malformed);
    case 'social-network': return new SocialLoader(file, det.columns, malformed);
  }
}

/** Parses one file. Throws DataError (typed, message names the file) for unusable files; warnings go to `issues`. */
export async function ingestFile(src: FileSource, opts: ParseOptions = {}): Promise<ParsedFile> {
  const file = src.name;
  const t0 = Date.now();
  try {
    // a byte stream (File.stream() in browsers) that is not gzip: read through one reused buffer (readByteLineBlocksByob)
    const byob = byobReader(src.stream);
    const h = byob ? await byobHead(byob) : null;
    const plain = h && !(h.len >= 2 && new Uint8Array(h.buf)[0] === 0x1f && new Uint8Array(h.buf)[1] === 0x8b) ? h : null;
    const input = byob && h && !plain ? byobRest(byob, new Uint8Array(h.buf, 0, h.len), h.done) : src.stream;
    const opened = plain ? { stream: null, gzipped: false } : await openMaybeGzip(input);
    const peeked = plain ? { head: new Uint8Array(plain.buf, 0, plain.len).slice(0, 1 << 20), stream: null } : await peekHead(opened.stream!, 1 << 20);
    const head = peeked.head;
    const first = firstLine(head, file);
    if (first === null) throw new DataError({ file, kind: 'empty-file', message: `${file}: the file is empty` });
    const det = detectFormat(first, file);
    // the file size sizes the columns once (unknown for gzip input: the columns grow by doubling)
    const loader = createLoader(det, file, opts.malformed, opened.gzipped ? undefined : opts.totalBytes ?? src.size);
    const readerOpts = { file, signal: opts.signal, totalBytes: opts.totalBytes ?? src.size, onProgress: opts.onProgress, progressEveryMs: opts.progressEveryMs };
    let skip = det.hasHeader;
    const onBytes = (buf: Uint8Array, start: number, end: number, lineNo: number) => {
      if (skip) {
        skip = false;
        const nl = buf.subarray(start, end).indexOf(10);
        if (nl === -1) return { rows: 0, lines: 1 };
        const r = loader.consumeBytes!(buf, lineNo + 1, start + nl + 1, end);
        return { rows: r.rows, lines: r.lines + 1 };
      }
      return loader.consumeBytes!(buf, lineNo, start, end);
    };
    // the text loaders take chunks: a plain BYOB source is replayed as a default stream for them
    const chunks = () => peeked.stream ?? byobRest(byob!, new Uint8Array(plain!.buf, 0, plain!.len), plain!.done);
    const res = loader.consumeBytes
      ? plain
        ? await readByteLineBlocksByob(byob!, plain, readerOpts, onBytes)
        : await readByteLineBlocks(chunks(), readerOpts, onBytes)
      : await readLineBlocks(chunks(), readerOpts, (text, lineNo) => {
          if (skip) {
            skip = false;
            const nl = text.indexOf('\n');
            return nl === -1 ? 0 : loader.consume(text.slice(nl + 1), lineNo + 1);
          }
          return loader.consume(text, lineNo);
        });
    const { table, issues } = loader.finish();
    const rows = rowCount(table);
    if (rows === 0) {
      const why = issues.length ? ` (${issues.map((i) => i.message.replace(`${file}: `, '')).join('; ')})` : '';
      throw new DataError({ file, kind: 'empty-file', message: `${file}: no usable data rows${det.hasHeader ? ' after the header' : ''}${why}` });
    }
    return { meta: { file, kind: det.kind, bytes: res.bytes, rows, ms: Date.now() - t0 }, table, issues };
  } catch (e) {
    if (isDataError(e)) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new DataError({ file, kind: 'io', message: `${file}: could not be read (${msg})` });
  }
}

/** The first line of the file (BOM kept for detect), or null when the file is blank. */
function firstLine(head: Uint8Array, file: string): string | null {
  const nl = head.indexOf(10);
  const bytes = nl === -1 ? head : head.subarray(0, nl);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: nl === -1 });
  } catch {
    throw encodingError(file);
  }
  if (text.trim() === '' && nl === -1) return null;
  return text;
}

function rowCount(t: ParsedFile['table']): number {
  switch (t.kind) {
    case 'interactions':
    case 'recbole-inter': return t.user.length;
    case 'sequences': return t.users.length;
    case 'item-categories':
    case 'captions':
    case 'item-daily-features': return t.videoIds.length;
    case 'user-features':
    case 'social-network': return t.userIds.length;
  }
}

/** Pipes through DecompressionStream('gzip') when the stream starts with the gzip magic bytes 1f 8b. */
export async function maybeGunzip(stream: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  return (await openMaybeGzip(stream)).stream;
}

async function openMaybeGzip(stream: ReadableStream<Uint8Array>): Promise<{ stream: ReadableStream<Uint8Array>; gzipped: boolean }> {
  const reader = stream.getReader();
  const first = await reader.read();
  const rest = new ReadableStream<Uint8Array>({
    start(c) {
      if (first.done) c.close();
      else c.enqueue(first.value);
    },
    async pull(c) {
      const r = await reader.read();
      if (r.done) c.close();
      else c.enqueue(r.value);
    },
    cancel(reason) { return reader.cancel(reason); },
  }, { highWaterMark: 0 });
  if (!first.done && first.value.byteLength >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b)
    return { stream: rest.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>), gzipped: true };
  return { stream: rest, gzipped: false };
}
