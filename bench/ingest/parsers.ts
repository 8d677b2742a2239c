// The two ingest paths the benchmark compares, on one host-neutral interface (Node child process and Chromium page):
//   higr:      src/data/ingest.ts (fused byte parser into typed columns) over a web ReadableStream
//   papaparse: papaparse 5's best streaming setup (issue 16): `chunk` callback, header:false, no dynamicTyping, our
//              own Number() into the same typed columns (sized once from the first chunk like ours), same row rules.
import Papa from 'papaparse';
import { ingestFile } from '../../src/data/ingest';
import type { InteractionTable } from '../../src/data/tables';

export interface ParseRun { rows: number; seconds: number; checksum: number; malformed: { count: number; lines: number[] }; badRatio: { count: number; lines: number[] } }

/** Order-sensitive checksum over every row of the columns that feed the dataset. */
export function checksumOf(user: ArrayLike<number>, item: ArrayLike<number>, ts: ArrayLike<number>, wr: ArrayLike<number>, n = user.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const t = ts[i];
    s = (s * 31 + user[i] * 7 + item[i] + Math.round(wr[i] * 1e4) + (t === t ? Math.round((t % 1000) * 1000) : 3)) % 2147483647;
  }
  return s;
}

export async function runHigr(name: string, size: number, stream: ReadableStream<Uint8Array>): Promise<ParseRun> {
  const t0 = performance.now();
  const p = await ingestFile({ name, size, stream });
  const seconds = (performance.now() - t0) / 1000;
  const t = p.table as InteractionTable;
  const iss = (k: string) => { const i = p.issues.find((x) => x.kind === k); return { count: i?.count ?? 0, lines: i?.lines ?? [] }; };
  return { rows: t.user.length, seconds, checksum: checksumOf(t.user, t.item, t.timestamp!, t.watchRatio!), malformed: iss('malformed-rows'), badRatio: iss('bad-watch-ratio') };
}

/** papaparse's input: a Node Readable (Node) or a File (browser: papaparse's own FileStreamer). */
export function runPapaparse(input: unknown, size: number): Promise<ParseRun> {
  return new Promise((resolve, reject) => {
    let cap = 1 << 16;
    let user = new Int32Array(cap), item = new Int32Array(cap), play = new Float32Array(cap), vdur = new Float32Array(cap);
    let date = new Int32Array(cap), ts = new Float64Array(cap), wr = new Float32Array(cap);
    const grow = (want: number) => {
      cap = want;
      const g = <T extends Int32Array | Float32Array | Float64Array>(a: T, C: { new (k: number): T }) => { const b = new C(cap); b.set(a.subarray(0, n) as never); return b; };
      user = g(user, Int32Array); item = g(item, Int32Array); play = g(play, Float32Array); vdur = g(vdur, Float32Array);
      date = g(date, Int32Array); ts = g(ts, Float64Array); wr = g(wr, Float32Array);
    };
    let n = 0;
    let line = 0;
    let sized = false;
    let col: number[] | null = null;
    const malformed = { count: 0, lines: [] as number[] };
    const badRatio = { count: 0, lines: [] as number[] };
    const num = (s: string) => (s === '' ? NaN : Number(s));
    const t0 = performance.now();
    Papa.parse(input as File, {
      header: false,
      chunk: (res: Papa.ParseResult<string[]>) => {
        const rows = res.data;
        for (let k = 0; k < rows.length; k++) {
          const r = rows[k];
          line++;
          if (!col) { col = ['user_id', 'video_id', 'play_duration', 'video_duration', 'date', 'timestamp', 'watch_ratio'].map((c) => r.indexOf(c)); continue; }
          if (r.length === 1 && r[0] === '') continue;
          const u = r.length === 8 ? num(r[col[0]]) : NaN, v = r.length === 8 ? num(r[col[1]]) : NaN;
          if (!Number.isInteger(u) || !Number.isInteger(v) || u < 0 || v < 0) { malformed.count++; if (malformed.lines.length < 5) malformed.lines.push(line); continue; }
          const w = num(r[col[6]]);
          if (!(w >= 0)) { badRatio.count++; if (badRatio.lines.length < 5) badRatio.lines.push(line); continue; }
          if (n === cap) grow(cap * 2);
          user[n] = u; item[n] = v; play[n] = num(r[col[2]]); vdur[n] = num(r[col[3]]);
          const d = num(r[col[4]]);
          date[n] = Number.isInteger(d) ? d : 0; ts[n] = num(r[col[5]]); wr[n] = w;
          n++;
        }
        if (!sized && n > 100 && res.meta.cursor > 0) { sized = true; grow(Math.max(cap, Math.ceil((size / res.meta.cursor) * n * 1.25) + 1024)); }
      },
      complete: () => resolve({ rows: n, seconds: (performance.now() - t0) / 1000, checksum: checksumOf(user, item, ts, wr, n), malformed, badRatio }),
      error: (e: Error) => reject(e),
    });
  });
}
