// The BYOB line reader (one reused buffer; the browser's File.stream() path) gives the same blocks, line numbers and
// tables as the chunked reader, across buffer boundaries, long lines, CRLF, UTF-8 and a last line without '\n'.
import { describe, expect, it } from 'vitest';
import { byobHead, byobReader, readByteLineBlocks, readByteLineBlocksByob } from './byte-stream';
import { ingestFile } from './ingest';
import { generateSyntheticKuaiRec } from './synthetic';
import { streamFromBytes } from './text-stream';
import type { InteractionTable } from './tables';

const dec = new TextDecoder();
/** Every physical line the handler sees, with its line number (blocks split on '\n'; buf[end] must be the sentinel). */
function collector() {
  const lines: string[] = [];
  const onBlock = (buf: Uint8Array, start: number, end: number, lineNo: number) => {
    expect(buf[end]).toBe(10);
    const ls = dec.decode(buf.subarray(start, end)).split('\n');
    ls.forEach((l, i) => lines.push(`${lineNo + i}:${l}`));
    return { rows: ls.length, lines: ls.length };
  };
  return { lines, onBlock };
}
const opts = { file: 't.csv' };

describe('BYOB line reader', () => {
  const long = 'x'.repeat(5000);
  const text = `a,b\r\n1,"q,q"\n\n${long}\n2,é日本\r\n3,${long}\nlast-no-newline`;
  for (const size of [16, 64, 1 << 20]) {
    it(`same lines as the chunked reader (buffer ${size} B)`, async () => {
      const ref = collector();
      await readByteLineBlocks(streamFromBytes(text, 7), opts, ref.onBlock);
      const got = collector();
      const reader = byobReader(new Blob([text]).stream())!;
      expect(reader).not.toBeNull();
      const r = await readByteLineBlocksByob(reader, await byobHead(reader, size), opts, got.onBlock);
      expect(got.lines).toEqual(ref.lines);
      expect(r.bytes).toBe(new TextEncoder().encode(text).length);
      expect(r.lines).toBe(ref.lines.length);
    });
  }

  it('a default stream has no BYOB reader (the chunked path is used)', () => {
    expect(byobReader(streamFromBytes('a\n', 1))).toBeNull();
  });

  it('ingestFile through a byte stream = through a chunked stream: rows, values, malformed-line reports', async () => {
    const { files } = generateSyntheticKuaiRec({ seed: 9, users: 50 });
    const lines = files['big_matrix.csv'].trim().split('\n');
    lines.splice(40, 0, '1,2,3'); // malformed (line 41)
    lines.splice(90, 0, '"7","8","9","10","2020-07-05 00:00:00.000","20200705","1593000000.0","-1"'); // quoted, negative watch_ratio (line 91)
    const text = lines.join('\r\n') + '\n';
    const a = await ingestFile({ name: 'b.csv', size: text.length, stream: streamFromBytes(text, 1000) });
    const b = await ingestFile({ name: 'b.csv', size: text.length, stream: new Blob([text]).stream() });
    const ta = a.table as InteractionTable;
    const tb = b.table as InteractionTable;
    expect(tb.user.length).toBe(ta.user.length);
    expect(ta.user.length).toBe(lines.length - 3);
    for (const k of ['user', 'item', 'playDuration', 'videoDuration', 'date', 'timestamp', 'watchRatio'] as const) expect(Array.from(tb[k]!)).toEqual(Array.from(ta[k]!));
    expect(b.issues).toEqual(a.issues);
    expect(a.issues.map((i) => [i.kind, i.lines])).toEqual([['malformed-rows', [41]], ['bad-watch-ratio', [91]]]);
  });

  it('gzip through a byte stream still decompresses; a text loader through a byte stream still loads', async () => {
    const gz = new Uint8Array(await new Response(streamFromBytes('1 2 3\n4 5 6\n').pipeThrough(new CompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>)).arrayBuffer());
    const s = await ingestFile({ name: 's.txt.gz', stream: new Blob([gz]).stream() });
    expect([s.meta.kind, s.meta.rows]).toEqual(['sequences', 2]);
    const c = await ingestFile({ name: 'c.csv', stream: new Blob(['video_id,feat\n1,[2]\n3,"[4, 5]"\n']).stream() });
    expect([c.meta.kind, c.meta.rows, c.issues]).toEqual(['item-categories', 2, []]);
  });
});
