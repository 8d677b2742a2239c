// `user_id video_id video_id ...` per line (positives only, original ids). CSR output.

import { Int32Column } from '../columns';
import type { SequenceTable, TableLoader } from '../tables';
import { DataError, RowProblem, type DataIssue, type MalformedPolicy } from '../types';

const NUMBER = /^\d+$/;

export class SequenceLoader implements TableLoader<SequenceTable> {
  private users = new Int32Column();
  private offsets = new Int32Column();
  private items = new Int32Column(1 << 16);
  private malformed = new RowProblem();

  constructor(private readonly file: string, private readonly policy: MalformedPolicy = 'skip') {
    this.offsets.push(0);
  }

  consume(text: string, firstLineNo: number): number {
    let rows = 0;
    let lineNo = firstLineNo;
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line.length) {
        const tok = line.split(/[ \t]+/);
        if (tok.length < 2 || !tok.every((t) => NUMBER.test(t))) {
          this.malformed.add(lineNo);
          if (this.policy === 'stop')
            throw new DataError({ file: this.file, kind: 'malformed-rows', lines: [lineNo], count: 1, message: `${this.file}: malformed sequence line ${lineNo} (expected "user_id video_id video_id ...")` });
        } else {
          this.users.push(Number(tok[0]));
          for (let k = 1; k < tok.length; k++) this.items.push(Number(tok[k]));
          this.offsets.push(this.items.length);
          rows++;
        }
      }
      lineNo++;
    }
    return rows;
  }

  finish(): { table: SequenceTable; issues: DataIssue[] } {
    const issues: DataIssue[] = [];
    if (this.malformed.count)
      issues.push({ file: this.file, kind: 'malformed-rows', severity: 'warning', count: this.malformed.count, lines: this.malformed.lines,
        message: `${this.file}: skipped ${this.malformed.count} malformed line(s) (first at line(s) ${this.malformed.lines.join(', ')})` });
    return { table: { kind: 'sequences', users: this.users.toArray(), offsets: this.offsets.toArray(), items: this.items.toArray() }, issues };
  }
}
