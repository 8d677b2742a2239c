// big_matrix.csv / small_matrix.csv loader: hand-written hot loop straight into typed-array columns.
// Columns are located by header name (any order). Rows with empty time/date/timestamp are kept with timestamp NaN.

import { Float32Column, Float64Column, Int32Column } from '../columns';
import { parseNumberBytes } from '../byte-stream';
import type { InteractionTable, TableLoader } from '../tables';
import { DataError, RowProblem, type DataIssue, type MalformedPolicy } from '../types';

export class InteractionLoader implements TableLoader<InteractionTable> {
  private user = new Int32Column(1 << 16);
  private item = new Int32Column(1 << 16);
  private play = new Float32Column(1 << 16);
  private vdur = new Float32Column(1 << 16);
  private date = new Int32Column(1 << 16);
  private ts = new Float64Column(1 << 16);
  private wr = new Float32Column(1 << 16);
  private malformed = new RowProblem();
  private badRatio = new RowProblem();
  private noTimestamp = 0;
  private readonly idx: Int32Array; // column index of each field we read
  private readonly nCols: number;
  private readonly pos: Int32Array;

  private reserved = false;

  /** `expectedBytes` (file size, when known) lets the first block's bytes-per-row estimate size the columns once. */
  constructor(private readonly file: string, columns: string[], private readonly policy: MalformedPolicy = 'skip', private readonly expectedBytes?: number) {
    const at = (c: string) => columns.indexOf(c);
    this.idx = Int32Array.from([at('user_id'), at('video_id'), at('play_duration'), at('video_duration'), at('date'), at('timestamp'), at('watch_ratio')]);
    this.nCols = columns.length;
    this.pos = new Int32Array(this.nCols + 1);
  }

  /** String input (tests, small files): encoded once and parsed by the byte path. */
  consume(text: string, firstLineNo: number): number {
    return this.consumeBytes(new TextEncoder().encode(text), firstLineNo);
  }

  /** The hot path used by ingestFile: parses raw bytes (lines separated by '\n', optional '\r' before it). */
  consumeBytes(buf: Uint8Array, firstLineNo: number): number {
    const rowsHere = this.consumeBlock(buf, firstLineNo);
    if (!this.reserved && rowsHere > 100 && this.expectedBytes) {
      this.reserved = true;
      const estimate = Math.ceil((this.expectedBytes / buf.length) * rowsHere * 1.03) + 1024;
      for (const c of [this.user, this.item, this.play, this.vdur, this.date, this.ts, this.wr]) c.reserve(estimate);
    }
    return rowsHere;
  }

  private consumeBlock(buf: Uint8Array, firstLineNo: number): number {
    const pos = this.pos;
    const n = this.nCols;
    const [iu, ii, ip, iv, id, it, iw] = this.idx;
    let rows = 0;
    let lineNo = firstLineNo;
    let start = 0;
    const len = buf.length;
    while (start <= len) {
      let end = buf.indexOf(10, start);
      if (end === -1) end = len;
      if (end > start && !(end === start + 1 && buf[start] === 13)) {
        pos[0] = start;
        let k = 1;
        let extra = false;
        for (let i = start; i < end; i++) {
          if (buf[i] === 44) {
            if (k < n) pos[k++] = i + 1;
            else { extra = true; break; }
          }
        }
        pos[k] = end + 1;
        const ok = k === n && !extra;
        const u = ok ? parseNumberBytes(buf, pos[iu], pos[iu + 1] - 1) : NaN;
        const v = ok ? parseNumberBytes(buf, pos[ii], pos[ii + 1] - 1) : NaN;
        if (!Number.isInteger(u) || !Number.isInteger(v) || u < 0 || v < 0 || u > 2147483647 || v > 2147483647) {
          this.onMalformed(lineNo);
        } else {
          const w = parseNumberBytes(buf, pos[iw], pos[iw + 1] - 1);
          if (!(w >= 0)) {
            this.badRatio.add(lineNo);
          } else {
            const t = parseNumberBytes(buf, pos[it], pos[it + 1] - 1);
            if (Number.isNaN(t)) this.noTimestamp++;
            const d = parseNumberBytes(buf, pos[id], pos[id + 1] - 1);
            this.user.push(u);
            this.item.push(v);
            this.play.push(parseNumberBytes(buf, pos[ip], pos[ip + 1] - 1));
            this.vdur.push(parseNumberBytes(buf, pos[iv], pos[iv + 1] - 1));
            this.date.push(Number.isInteger(d) ? d : 0);
            this.ts.push(t);
            this.wr.push(w);
            rows++;
          }
        }
      }
      lineNo++;
      start = end + 1;
    }
    return rows;
  }

  private onMalformed(lineNo: number): void {
    this.malformed.add(lineNo);
    if (this.policy === 'stop')
      throw new DataError({ file: this.file, kind: 'malformed-rows', lines: [lineNo], count: 1, message: `${this.file}: malformed row at line ${lineNo} (expected ${this.nCols} comma-separated fields with integer user_id and video_id)` });
  }

  finish(): { table: InteractionTable; issues: DataIssue[] } {
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
    return {
      table: {
        kind: 'interactions',
        user: this.user.toArray(),
        item: this.item.toArray(),
        playDuration: this.play.toArray(),
        videoDuration: this.vdur.toArray(),
        date: this.date.toArray(),
        timestamp: this.ts.toArray(),
        watchRatio: this.wr.toArray(),
      },
      issues,
    };
  }
}
