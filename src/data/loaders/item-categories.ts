// item_categories.csv: video_id,feat  (feat like "[27, 9]")

import { Int32Column } from '../columns';
import { parseIntList } from '../csv';
import type { ItemCategoryTable } from '../tables';
import { CsvRecordLoader, intOf } from './csv-records';

export class ItemCategoryLoader extends CsvRecordLoader<ItemCategoryTable> {
  private ids = new Int32Column();
  private offs = new Int32Column();
  private tags = new Int32Column();
  private init = false;
  protected row(f: string[]): boolean {
    if (!this.init) { this.offs.push(0); this.init = true; }
    const id = intOf(f[this.col('video_id')]);
    if (!(id >= 0)) return false;
    this.ids.push(id);
    for (const t of parseIntList(f[this.col('feat')])) this.tags.push(t);
    this.offs.push(this.tags.length);
    return true;
  }
  protected build(): ItemCategoryTable {
    if (!this.init) this.offs.push(0);
    return { kind: 'item-categories', videoIds: this.ids.toArray(), tagOffsets: this.offs.toArray(), tags: this.tags.toArray() };
  }
}
