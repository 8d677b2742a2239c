// item_daily_features.csv: per video per day statistics. Keyed by video_id,date; every other numeric column kept.

import { Float32Column, Int32Column } from '../columns';
import { parseNumber } from '../csv';
import type { ItemDailyTable } from '../tables';
import { CsvRecordLoader, intOf } from './csv-records';

export class ItemDailyLoader extends CsvRecordLoader<ItemDailyTable> {
  private ids = new Int32Column();
  private dates = new Int32Column();
  private num = new Map<number, Float32Column>(); // column index -> values (NaN when empty)
  private textCols = new Set<number>();
  protected row(f: string[]): boolean {
    const id = intOf(f[this.col('video_id')]);
    const date = intOf(f[this.col('date')]);
    if (!(id >= 0) || Number.isNaN(date)) return false;
    this.ids.push(id);
    this.dates.push(date);
    for (let j = 0; j < f.length; j++) {
      if (j === this.col('video_id') || j === this.col('date') || this.textCols.has(j)) continue;
      const v = parseNumber(f[j], 0, f[j].length);
      if (Number.isNaN(v) && f[j].trim() !== '') { this.textCols.add(j); this.num.delete(j); continue; }
      let arr = this.num.get(j);
      if (!arr) {
        arr = new Float32Column();
        for (let r = 0; r < this.ids.length - 1; r++) arr.push(NaN);
        this.num.set(j, arr);
      }
      arr.push(v);
    }
    return true;
  }
  protected build(): ItemDailyTable {
    const numeric: Record<string, Float32Array> = {};
    for (const [j, arr] of this.num) numeric[this.columns[j]] = arr.toArray();
    return { kind: 'item-daily-features', videoIds: this.ids.toArray(), dates: this.dates.toArray(), numeric };
  }
}
