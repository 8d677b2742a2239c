// RecBole atomic `.inter` loader: tab separated, header `name:type`. Needs user_id and item_id; reads timestamp and
// watch_ratio when present. Without watch_ratio every row is treated as a positive (impressions unavailable).

import { Float32Column, Float64Column, Int32Column } from '../columns';
import { parseIntField, parseNumber } from '../csv';
import type { InteractionTable, TableLoader } from '../tables';
import { DataError, RowProblem, type DataIssue, type MalformedPolicy } from '../types';

export class RecboleLoader implements TableLoader<InteractionTable> {
  private user = new Int32Column();
  private item = new Int32Column();
  private ts = new Float64Column();
  private wr = new Float32Column();
  private malformed = new RowProblem();
  private badRatio = new RowProblem();
  private readonly iu: number;
  private readonly ii: number;
  private readonly it: number;
  private readonly iw: number;

  constructor(private readonly file: string, private readonly columns: string[], private readonly policy: MalformedPolicy = 'skip') {
    this.iu = columns.indexOf('user_id');
    this.ii = columns.indexOf('item_id');
    this.it = columns.indexOf('timestamp');
    this.iw = columns.indexOf('watch_ratio');
  }

  consume(text: string, firstLineNo: number): number {
    let rows = 0;
    let lineNo = firstLineNo;
    for (const line of text.split('\n')) {
      if (line.length) {
        const f = line.split('\t');
        const u = f.length === this.columns.length ? parseIntField(f[this.iu], 0, f[this.iu].length) : NaN;
        const v = f.length === this.columns.length ? parseIntField(f[this.ii], 0, f[this.ii].length) : NaN;
        if (!(u >= 0) || !(v >= 0)) {
          this.malformed.add(lineNo);
          if (this.policy === 'stop')
            throw new DataError({ file: this.file, kind: 'malformed-rows', lines: [lineNo], count: 1, message: `${this.file}: malformed row at line ${lineNo}` });
        } else {
          const w = this.iw >= 0 ? parseNumber(f[this.iw], 0, f[this.iw].length) : 0;
          if (!(w >= 0)) this.badRatio.add(lineNo);
          else {
            this.user.push(u);
            this.item.push(v);
            if (this.it >= 0) this.ts.push(parseNumber(f[this.it], 0, f[this.it].length));
            if (this.iw >= 0) this.wr.push(w);
            rows++;
          }
        }
      }
      lineNo++;
    }
    return rows;
  }

  finish(): { table: InteractionTable; issues: DataIssue[] } {
    const issues: DataIssue[] = [];
    if (this.malformed.count)
      issues.push({ file: this.file, kind: 'malformed-rows', severity: 'warning', count: this.malformed.count, lines: this.malformed.lines,
        message: `${this.file}: skipped ${this.malformed.count} malformed row(s) (first at line(s) ${this.malformed.lines.join(', ')})` });
    if (this.badRatio.count)
      issues.push({ file: this.file, kind: 'bad-watch-ratio', severity: 'warning', count: this.badRatio.count, lines: this.badRatio.lines,
        message: `${this.file}: skipped ${this.badRatio.count} row(s) with NaN or negative watch_ratio (first at line(s) ${this.badRatio.lines.join(', ')})` });
    return {
      table: {
        kind: 'recbole-inter',
        user: this.user.toArray(),
        item: this.item.toArray(),
        timestamp: this.it >= 0 ? this.ts.toArray() : undefined,
        watchRatio: this.iw >= 0 ? this.wr.toArray() : undefined,
      },
      issues,
    };
  }
}
