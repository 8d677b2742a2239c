// item_categories.csv: video_id,feat  (feat like "[27, 9]")

import { Int32Column } from '../columns';
import { parseIdList } from '../csv';
import type { ItemCategoryTable } from '../tables';
import { CsvRecordLoader, intOf, type RowVerdict } from './csv-records';

export class ItemCategoryLoader extends CsvRecordLoader<ItemCategoryTable> {
  private ids = new Int32Column();
  private offs = new Int32Column();
  private tags = new Int32Column();
  private init = false;
  protected keyName = 'video_id';
  protected row(f: string[]): RowVerdict {
    if (!this.init) { this.offs.push(0); this.init = true; }
    const id = intOf(f[this.col('video_id')]);
    const tags = parseIdList(f[this.col('feat')]);
    if (!(id >= 0) || tags === null) return false;
    if (!this.firstTime(id)) return 'duplicate';
    this.ids.push(id);
    for (const t of tags) this.tags.push(t);
    this.offs.push(this.tags.length);
    return true;
  }
  protected build(): ItemCategoryTable {
    if (!this.init) this.offs.push(0);
    return { kind: 'item-categories', videoIds: this.ids.toArray(), tagOffsets: this.offs.toArray(), tags: this.tags.toArray() };
  }
}
