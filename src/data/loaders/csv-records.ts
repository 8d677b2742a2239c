// Base for the small side-table loaders: RFC 4180 records (quoted fields may span lines; a quote that is never closed
// refuses the file naming the line it opened on), field-count check, malformed-row and repeated-id bookkeeping.
// Subclasses implement `row(fields, lineNo)` returning true (kept), false (malformed) or 'duplicate' (repeated key).

import { RecordAssembler, splitCsvLine } from '../csv';
import type { Table, TableLoader } from '../tables';
import { DataError, RowProblem, type DataIssue, type MalformedPolicy } from '../types';

export type RowVerdict = boolean | 'duplicate';

export abstract class CsvRecordLoader<T extends Table> implements TableLoader<T> {
  protected malformed = new RowProblem();
  protected duplicates = new RowProblem();
  private asm: RecordAssembler;
  private seen = new Set<number>();
  protected readonly col: (name: string) => number;
  /** Name of the key column whose repeats are reported (undefined: no key). */
  protected keyName?: string;

  constructor(protected readonly file: string, protected readonly columns: string[], private readonly policy: MalformedPolicy = 'skip') {
    this.col = (name) => columns.indexOf(name);
    this.asm = new RecordAssembler(file);
  }

  protected abstract row(f: string[], lineNo: number): RowVerdict;
  protected abstract build(): T;

  /** True the first time `id` is seen; later times the row is reported as a repeat (the first row is kept). */
  protected firstTime(id: number): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    return true;
  }

  consume(text: string, firstLineNo: number): number {
    let rows = 0;
    this.asm.feed(text, firstLineNo, (rec, lineNo) => {
      if (rec.length === 0 || rec === '\r') return;
      if (this.handle(rec, lineNo)) rows++;
    });
    return rows;
  }

  private handle(rec: string, lineNo: number): boolean {
    const f = splitCsvLine(rec);
    const verdict: RowVerdict = f.length === this.columns.length && this.row(f, lineNo);
    if (verdict === 'duplicate') { this.duplicates.add(lineNo); return false; }
    if (!verdict) {
      this.malformed.add(lineNo);
      if (this.policy === 'stop')
        throw new DataError({ file: this.file, kind: 'malformed-rows', lines: [lineNo], count: 1,
          message: `${this.file}: malformed row at line ${lineNo} (expected ${this.columns.length} fields with a numeric id${f.length !== this.columns.length ? `, got ${f.length} fields` : ''})` });
    }
    return verdict;
  }

  finish(): { table: T; issues: DataIssue[] } {
    this.asm.finish();
    const issues: DataIssue[] = [];
    if (this.malformed.count)
      issues.push({ file: this.file, kind: 'malformed-rows', severity: 'warning', count: this.malformed.count, lines: this.malformed.lines,
        message: `${this.file}: skipped ${this.malformed.count} malformed row(s) (first at line(s) ${this.malformed.lines.join(', ')})` });
    if (this.duplicates.count)
      issues.push({ file: this.file, kind: 'duplicate-ids', severity: 'warning', count: this.duplicates.count, lines: this.duplicates.lines,
        message: `${this.file}: ${this.duplicates.count} row(s) repeat a ${this.keyName ?? 'key'} already listed; the first row is kept (repeats at line(s) ${this.duplicates.lines.join(', ')})` });
    return { table: this.build(), issues };
  }
}

export function intOf(s: string): number {
  const t = s.trim();
  if (!/^-?\d+$/.test(t)) return NaN;
  return Number(t);
}
