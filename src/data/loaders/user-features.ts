// user_features.csv (31 columns): numeric columns -> Float32Array, the others (ranges, activity degree) -> string[].

import { Int32Column } from '../columns';
import { parseNumber } from '../csv';
import type { UserFeatureTable } from '../tables';
import { CsvRecordLoader, intOf, type RowVerdict } from './csv-records';

export class UserFeatureLoader extends CsvRecordLoader<UserFeatureTable> {
  private ids = new Int32Column();
  private cells: string[][] = [];
  protected keyName = 'user_id';
  protected row(f: string[]): RowVerdict {
    const id = intOf(f[this.col('user_id')]);
    if (!(id >= 0)) return false;
    if (!this.firstTime(id)) return 'duplicate';
    this.ids.push(id);
    this.cells.push(f);
    return true;
  }
  protected build(): UserFeatureTable {
    const numeric: Record<string, Float32Array> = {};
    const text: Record<string, string[]> = {};
    const uid = this.col('user_id');
    this.columns.forEach((name, j) => {
      if (j === uid) return;
      const vals = this.cells.map((r) => parseNumber(r[j], 0, r[j].length));
      // a column is numeric when every non-empty cell parses as a number
      const isNum = this.cells.every((r, i) => r[j].trim() === '' || !Number.isNaN(vals[i]));
      if (isNum) numeric[name] = Float32Array.from(vals);
      else text[name] = this.cells.map((r) => r[j]);
    });
    return { kind: 'user-features', userIds: this.ids.toArray(), numeric, text };
  }
}
