// big_matrix.csv / small_matrix.csv loader: one fused pass over the raw bytes straight into typed-array columns.
// Columns are located by header name (any order). Rows with empty time/date/timestamp are kept with timestamp NaN.
//
// Fast path: a line of plain numbers (sign, digits, one '.'), with skipped columns (time) free of quotes and bytes
// >= 0x80, is parsed in the same pass that finds its separators. Anything else (RFC 4180 quoted fields as written by
// pandas QUOTE_ALL, exponents, spaces, non-ASCII, a wrong field count) takes the slow path for that line: a full
// RFC 4180 field scan, UTF-8 validation of the line, then the same number parser. A quoted field containing a newline
// makes its record malformed (reported at the line where the quote opened); a quote that is never closed refuses the
// file naming that line.

import { parseNumberBytes } from '../byte-stream';
import { MAX_QUOTED_FIELD, unclosedQuote } from '../csv';
import { encodingError } from '../text-stream';
import type { InteractionTable, TableLoader } from '../tables';
import { DataError, RowProblem, type DataIssue, type MalformedPolicy } from '../types';
import { WASM_SCRATCH_ROWS, WasmRowParser } from '../wasm/ingest-fast';

const NSLOT = 7; // user, item, play_duration, video_duration, date, timestamp, watch_ratio
const INITIAL = 1 << 14;

/** Set by plainNumber: index of the terminator after the number, or -1 when the field is not a plain number. */
let POS = 0;

/**
 * A plain decimal (optional sign, digits, optional '.' and digits; at most 15 digits) at buf[p] ending at ',' or '\n'
 * ('\r\n' accepted: POS then points at the '\n'). Returns its value (NaN for an empty field) and sets POS; POS = -1
 * when the field is anything else (the caller takes the slow path). buf must hold a '\n' sentinel after the block.
 */
function plainNumber(buf: Uint8Array, p: number): number {
  let c = buf[p];
  let neg = false;
  let signed = false;
  if (c === 45) { neg = true; signed = true; c = buf[++p]; } else if (c === 43) { signed = true; c = buf[++p]; }
  let m = 0;
  let digits = 0;
  let scale = 1;
  while (c >= 48 && c <= 57) { m = m * 10 + (c - 48); digits++; c = buf[++p]; }
  if (c === 46) {
    c = buf[++p];
    while (c >= 48 && c <= 57) { m = m * 10 + (c - 48); scale *= 10; digits++; c = buf[++p]; }
    if (digits === 0) { POS = -1; return 0; }
  }
  if (c === 13 && buf[p + 1] === 10) { p++; c = 10; }
  if ((c !== 44 && c !== 10) || digits > 15 || (signed && digits === 0)) { POS = -1; return 0; }
  POS = p;
  if (digits === 0) return NaN;
  const v = scale === 1 ? m : m / scale;
  return neg ? -v : v;
}

/** Tests switch the wasm fast path off to compare it with the JS one. */
let useWasm = true;
export function setInteractionWasm(on: boolean): void { useWasm = on; }

export class InteractionLoader implements TableLoader<InteractionTable> {
  /** @internal */ user = new Int32Array(INITIAL);
  /** @internal */ item = new Int32Array(INITIAL);
  /** @internal */ play = new Float32Array(INITIAL);
  /** @internal */ vdur = new Float32Array(INITIAL);
  /** @internal */ date = new Int32Array(INITIAL);
  /** @internal */ ts = new Float64Array(INITIAL);
  /** @internal */ wr = new Float32Array(INITIAL);
  private n = 0;
  private cap = INITIAL;
  private bytesSeen = 0;
  private malformed = new RowProblem();
  private badRatio = new RowProblem();
  private noTimestamp = 0;
  private readonly slotOf: Int8Array; // file column -> slot, -1 = not read
  private readonly nCols: number;
  private readonly vals = new Float64Array(NSLOT);
  private readonly fa: Int32Array; // slow path: field content [fa, fb)
  private readonly fb: Int32Array;
  private readonly fq: Uint8Array; // slow path: field had an escaped quote ("")
  private readonly validator = new TextDecoder('utf-8', { fatal: true });
  /** A quoted field open across lines: the line where its record started (0 = none), and bytes in it so far. */
  private openLine = 0;
  private openBytes = 0;
  /** The header is exactly KuaiRec's column order: the straight-line fast path applies. */
  private readonly canonical: boolean;

  /** `expectedBytes` (file size, when known) lets the first block's bytes-per-row estimate size the columns once. */
  constructor(private readonly file: string, columns: string[], private readonly policy: MalformedPolicy = 'skip', private readonly expectedBytes?: number) {
    this.nCols = columns.length;
    this.slotOf = new Int8Array(this.nCols).fill(-1);
    ['user_id', 'video_id', 'play_duration', 'video_duration', 'date', 'timestamp', 'watch_ratio'].forEach((c, s) => { this.slotOf[columns.indexOf(c)] = s; });
    this.fa = new Int32Array(this.nCols + 1);
    this.fb = new Int32Array(this.nCols + 1);
    this.fq = new Uint8Array(this.nCols + 1);
    this.canonical = columns.join(',') === 'user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio';
    if (this.canonical && useWasm) this.wasm = WasmRowParser.create();
  }

  private wasm: WasmRowParser | null = null;

  /** Which fast path parses ordinary rows: 'wasm' (ingest.c) or 'js'. */
  get fastPath(): 'wasm' | 'js' { return this.wasm ? 'wasm' : 'js'; }

  /** String input (tests, small files): encoded once and parsed by the byte path. */
  consume(text: string, firstLineNo: number): number {
    const b = new TextEncoder().encode(text + '\n');
    return this.consumeBytes(b, firstLineNo, 0, b.length - 1).rows;
  }

  get rows(): number { return this.n; }

  /**
   * The hot path used by ingestFile: complete lines in buf[start, end) separated by '\n' (optional '\r' before it).
   * buf[end] must be a '\n' (a sentinel, so the inner loops need no bounds checks).
   */
  consumeBytes(buf: Uint8Array, firstLineNo: number, start = 0, end = buf.length): { rows: number; lines: number } {
    if (buf[end] !== 10) {
      // no sentinel after the block: copy it once with one
      const c = new Uint8Array(end - start + 1);
      c.set(buf.subarray(start, end));
      c[c.length - 1] = 10;
      return this.consumeBytes(c, firstLineNo, 0, c.length - 1);
    }
    const before = this.n;
    const first = this.bytesSeen === 0;
    const lines = this.wasm ? this.blockWasm(this.wasm, buf, start, end, firstLineNo) : this.block(buf, start, end, firstLineNo);
    this.bytesSeen += end - start + 1;
    if (first && this.expectedBytes && this.n - before > 100) {
      // size the columns once from this block's bytes per row (+25%); untouched capacity is never resident
      this.resize(Math.ceil((this.expectedBytes / this.bytesSeen) * this.n * 1.25) + 1024);
    }
    return { rows: this.n - before, lines };
  }

  private resize(cap: number): void {
    if (cap <= this.cap) return;
    const g = <T extends Int32Array | Float32Array | Float64Array>(a: T, C: { new (k: number): T }): T => { const b = new C(cap); b.set(a.subarray(0, this.n) as never); return b; };
    this.user = g(this.user, Int32Array); this.item = g(this.item, Int32Array); this.play = g(this.play, Float32Array);
    this.vdur = g(this.vdur, Float32Array); this.date = g(this.date, Int32Array); this.ts = g(this.ts, Float64Array); this.wr = g(this.wr, Float32Array);
    this.cap = cap;
  }

  private grow(room = 1): void {
    // re-estimate from the bytes seen when the file size is known, else double
    const est = this.expectedBytes && this.bytesSeen > 0 ? Math.ceil((this.expectedBytes / this.bytesSeen) * this.n * 1.1) : 0;
    this.resize(Math.max(est, Math.ceil(this.cap * (est ? 1.25 : 2)), this.n + Math.max(1024, room)));
  }

  /**
   * Wasm fast path: ordinary rows are parsed by ingest.c; every other line (and every line of a quoted record that
   * spans lines) goes through the JS block() one line at a time, so all rules and line numbers stay in one place.
   */
  private blockWasm(w: WasmRowParser, buf: Uint8Array, start: number, len: number, firstLineNo: number): number {
    w.load(buf, start, len);
    const blockLen = len - start;
    let off = 0; // offset into the block
    let lineNo = firstLineNo;
    let hi = 0;
    for (;;) {
      if (!this.openLine) {
        if (this.cap === this.n) this.grow();
        const room = Math.min(WASM_SCRATCH_ROWS, this.cap - this.n);
        const r = w.run(off, blockLen, this, this.n, room);
        this.n += r.rows;
        lineNo += r.lines;
        hi |= r.hi;
        off = r.stop;
        if (off > blockLen) break; // consumed the last line and its sentinel
        if (r.rows === room && off < blockLen) continue; // scratch or columns full: go on
      }
      // one line (from `off` to its '\n') through the JS rules
      const a = start + off;
      const nl = buf.indexOf(10, a);
      const e = nl === -1 || nl > len ? len : nl;
      lineNo += this.block(buf, a, e, lineNo);
      off = e - start + 1;
      if (off > blockLen) break;
    }
    if (hi & 0x80) this.validate(buf, start, len);
    return lineNo - firstLineNo;
  }

  /** Parses buf[start, len) (buf[len] === '\n'); returns the number of physical lines in it. */
  private block(buf: Uint8Array, start: number, len: number, firstLineNo: number): number {
    const n = this.nCols;
    const slotOf = this.slotOf;
    const vals = this.vals;
    // quotes anywhere in the block? (native scan) — if not, skipped fields need no quote check
    const quotes = buf.subarray(start, len).indexOf(34) !== -1;
    let hi = 0; // OR of the bytes of skipped fields: any byte >= 0x80 → the block is validated as UTF-8 at the end
    let lineNo = firstLineNo;
    let i = start;
    for (;;) {
      let end: number; // index of this line's '\n' (or len)
      if (this.openLine) end = this.continueQuoted(buf, i, len);
      else {
        if (this.canonical && !quotes) {
          // ---- straight-line fast path for KuaiRec's own column order ----
          const v = vals;
          let p = i;
          let x = plainNumber(buf, p);
          if (POS >= 0 && buf[POS] === 44) {
            v[0] = x; x = plainNumber(buf, POS + 1);
            if (POS >= 0 && buf[POS] === 44) {
              v[1] = x; x = plainNumber(buf, POS + 1);
              if (POS >= 0 && buf[POS] === 44) {
                v[2] = x; x = plainNumber(buf, POS + 1);
                if (POS >= 0 && buf[POS] === 44) {
                  v[3] = x;
                  p = POS + 1;
                  let c = buf[p];
                  while (c !== 44 && c !== 10) { hi |= c; c = buf[++p]; }
                  if (c === 44) {
                    x = plainNumber(buf, p + 1);
                    if (POS >= 0 && buf[POS] === 44) {
                      v[4] = x; x = plainNumber(buf, POS + 1);
                      if (POS >= 0 && buf[POS] === 44) {
                        v[5] = x; x = plainNumber(buf, POS + 1);
                        if (POS >= 0 && buf[POS] === 10 && POS > i) {
                          v[6] = x;
                          this.commit(lineNo);
                          end = POS;
                          lineNo++;
                          if (end >= len) break;
                          i = end + 1;
                          continue;
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
        // ---- fast path ----
        let p = i;
        let col = 0;
        let fast = true;
        let c = buf[p];
        if (c === 10 || (c === 13 && buf[p + 1] === 10)) {
          end = c === 10 ? p : p + 1; // empty line: skipped
          lineNo++;
          if (end >= len) break;
          i = end + 1;
          continue;
        }
        for (;;) {
          const slot = col < n ? slotOf[col] : -2;
          if (slot === -2) { fast = false; break; } // more fields than the header
          if (slot < 0) {
            if (quotes) {
              while (c !== 44 && c !== 10) {
                if (c === 34) { fast = false; break; }
                hi |= c;
                c = buf[++p];
              }
              if (!fast) break;
            } else {
              while (c !== 44 && c !== 10) { hi |= c; c = buf[++p]; }
            }
          } else {
            const x = plainNumber(buf, p);
            if (POS < 0) { fast = false; break; }
            vals[slot] = x;
            p = POS;
            c = buf[p];
          }
          col++;
          if (c === 10) break;
          c = buf[++p];
        }
        if (fast && col === n) {
          this.commit(lineNo);
          end = p;
        } else end = this.slowLine(buf, i, len, lineNo);
      }
      lineNo++;
      if (end >= len) break;
      i = end + 1;
    }
    if (hi & 0x80) this.validate(buf, start, len);
    return lineNo - firstLineNo;
  }

  private commit(lineNo: number): void {
    const v = this.vals;
    const u = v[0];
    const it = v[1];
    if (!Number.isInteger(u) || !Number.isInteger(it) || u < 0 || it < 0 || u > 2147483647 || it > 2147483647) {
      this.onMalformed(lineNo);
      return;
    }
    const w = v[6];
    if (!(w >= 0)) { this.badRatio.add(lineNo); return; }
    const t = v[5];
    if (Number.isNaN(t)) this.noTimestamp++;
    const d = v[4];
    if (this.n === this.cap) this.grow();
    const k = this.n++;
    this.user[k] = u;
    this.item[k] = it;
    this.play[k] = v[2];
    this.vdur[k] = v[3];
    this.date[k] = Number.isInteger(d) ? d : 0;
    this.ts[k] = t;
    this.wr[k] = w;
  }

  /** RFC 4180 scan of one line from `start`; returns the index of its '\n' (or len). */
  private slowLine(buf: Uint8Array, start: number, len: number, lineNo: number): number {
    const n = this.nCols;
    const { fa, fb, fq } = this;
    let p = start;
    let count = 0;
    let bad = false;
    let hi = 0;
    for (;;) {
      let c = buf[p];
      let a: number;
      let b: number;
      let esc = 0;
      if (c === 34) {
        a = ++p;
        for (;;) {
          if (buf[p] === 10) {
            // the quoted field goes on past the end of the line: the record continues on the next line(s)
            if (hi & 0x80) this.validate(buf, start, p);
            this.openLine = lineNo;
            this.openBytes = p - start;
            return p;
          }
          const x = buf[p];
          hi |= x;
          if (x === 34) {
            if (p + 1 < len && buf[p + 1] === 34) { esc = 1; p += 2; continue; }
            break;
          }
          p++;
        }
        b = p++;
        c = buf[p];
        if (c === 13 && buf[p + 1] === 10) c = buf[++p];
        if (c !== 44 && c !== 10) {
          bad = true; // characters after the closing quote
          while (c !== 44 && c !== 10) { hi |= c; c = buf[++p]; }
        }
      } else {
        a = p;
        while (c !== 44 && c !== 10) { hi |= c; c = buf[++p]; }
        b = p;
      }
      if (count <= n) { fa[count] = a; fb[count] = b; fq[count] = esc; }
      count++;
      if (c === 10) break;
      p++;
    }
    if (hi & 0x80) this.validate(buf, start, p);
    const end = p;
    if (bad || count !== n) { this.onMalformed(lineNo); return end; }
    for (let j = 0; j < n; j++) {
      const s = this.slotOf[j];
      if (s >= 0) this.vals[s] = fq[j] ? NaN : parseNumberBytes(buf, fa[j], fb[j]);
    }
    this.commit(lineNo);
    return end;
  }

  /** Inside a record whose quoted field spans lines: scans one more physical line; returns its '\n' index (or len). */
  private continueQuoted(buf: Uint8Array, start: number, len: number): number {
    let inQ = true;
    let atStart = false;
    let hi = 0;
    let p = start;
    for (; p < len; p++) {
      const c = buf[p];
      hi |= c;
      if (inQ) {
        if (c === 10) break;
        if (c === 34) {
          if (p + 1 < len && buf[p + 1] === 34) p++;
          else { inQ = false; atStart = false; }
        }
      } else if (c === 10) break;
      else if (c === 44) atStart = true;
      else if (c === 34 && atStart) { inQ = true; atStart = false; }
      else atStart = false;
    }
    if (hi & 0x80) this.validate(buf, start, p);
    this.openBytes += p - start + 1;
    if (!inQ) {
      // the record is complete; a numeric table never holds a newline inside a field, so it is malformed
      const line = this.openLine;
      this.openLine = 0;
      this.onMalformed(line);
    } else if (this.openBytes > MAX_QUOTED_FIELD) throw unclosedQuote(this.file, this.openLine, true);
    return p < len ? p : len;
  }

  private validate(buf: Uint8Array, a: number, b: number): void {
    try { this.validator.decode(buf.subarray(a, b)); } catch { throw encodingError(this.file); }
  }

  private onMalformed(lineNo: number): void {
    this.malformed.add(lineNo);
    if (this.policy === 'stop')
      throw new DataError({ file: this.file, kind: 'malformed-rows', lines: [lineNo], count: 1, message: `${this.file}: malformed row at line ${lineNo} (expected ${this.nCols} comma-separated fields with integer user_id and video_id)` });
  }

  finish(): { table: InteractionTable; issues: DataIssue[] } {
    if (this.openLine) throw unclosedQuote(this.file, this.openLine, false);
    const issues: DataIssue[] = [];
    const f = this.file;
    if (this.malformed.count)
      issues.push({ file: f, kind: 'malformed-rows', severity: 'warning', count: this.malformed.count, lines: this.malformed.lines,
        message: `${f}: skipped ${this.malformed.count} malformed row(s) (first at line(s) ${this.malformed.lines.join(', ')})` });
    if (this.badRatio.count)
      issues.push({ file: f, kind: 'bad-watch-ratio', severity: 'warning', count: this.badRatio.count, lines: this.badRatio.lines,
        message: `${f}: skipped ${this.badRatio.count} row(s) with missing, NaN or negative watch_ratio (first at line(s) ${this.badRatio.lines.join(', ')})` });
    if (this.noTimestamp)
      issues.push({ file: f, kind: 'missing-timestamp', severity: 'warning', count: this.noTimestamp,
        message: `${f}: ${this.noTimestamp} row(s) have no timestamp (counted in the statistics; left out of timestamp-ordered sequences)` });
    // Views on the filled part when the unused tail is under 30% (no copy: the untouched tail is never resident), else compact copies.
    const n = this.n;
    const view = this.cap - n <= this.cap * 0.3;
    const cut = <T extends Int32Array | Float32Array | Float64Array>(a: T): T => (view ? a.subarray(0, n) : a.slice(0, n)) as T;
    return {
      table: {
        kind: 'interactions',
        user: cut(this.user), item: cut(this.item), playDuration: cut(this.play), videoDuration: cut(this.vdur),
        date: cut(this.date), timestamp: cut(this.ts), watchRatio: cut(this.wr),
      },
      issues,
    };
  }
}
