// Base for the small side-table loaders: quote-aware records (quoted fields may span lines), field-count check,
// malformed-row bookkeeping. Subclasses implement `row(fields, lineNo)` returning false for a malformed row.

import { RecordAssembler, splitCsvLine } from '../csv';
import type { Table, TableLoader } from '../tables';
import { DataError, RowProblem, type DataIssue, type MalformedPolicy } from '../types';

export abstract class CsvRecordLoader<T extends Table> implements TableLoader<T> {
  protected malformed = new RowProblem();
  private asm = new RecordAssembler();
  protected readonly col: (name: string) => number;

  constructor(protected readonly file: string, protected readonly columns: string[], private readonly policy: MalformedPolicy = 'skip') {
    this.col = (name) => columns.indexOf(name);
  }

  protected abstract row(f: string[], lineNo: number): boolean;
  protected abstract build(): T;

  consume(text: string, firstLineNo: number): number {
    let rows = 0;
    this.asm.feed(text, firstLineNo, (rec, lineNo) => {
      if (rec.length === 0) return;
      if (this.handle(rec, lineNo)) rows++;
    });
    return rows;
  }

  private handle(rec: string, lineNo: number): boolean {
    const f = splitCsvLine(rec);
    const ok = f.length === this.columns.length && this.row(f, lineNo);
    if (!ok) {
      this.malformed.add(lineNo);
      if (this.policy === 'stop')
        throw new DataError({ file: this.file, kind: 'malformed-rows', lines: [lineNo], count: 1,
          message: `${this.file}: malformed row at line ${lineNo} (expected ${this.columns.length} fields, got ${f.length}, or a non-numeric id)` });
    }
    return ok;
  }

  finish(): { table: T; issues: DataIssue[] } {
    const open = this.asm.flush();
    if (open) this.handle(open.rec, open.lineNo);
    const issues: DataIssue[] = [];
    if (this.malformed.count)
      issues.push({ file: this.file, kind: 'malformed-rows', severity: 'warning', count: this.malformed.count, lines: this.malformed.lines,
        message: `${this.file}: skipped ${this.malformed.count} malformed row(s) (first at line(s) ${this.malformed.lines.join(', ')})` });
    return { table: this.build(), issues };
  }
}

export function intOf(s: string): number {
  const t = s.trim();
  if (!/^-?\d+$/.test(t)) return NaN;
  return Number(t);
}
