// social_network.csv: user_id,friend_list ("[4202,7126]")

import { Int32Column } from '../columns';
import { parseIdList } from '../csv';
import type { SocialTable } from '../tables';
import { CsvRecordLoader, intOf, type RowVerdict } from './csv-records';

export class SocialLoader extends CsvRecordLoader<SocialTable> {
  private ids = new Int32Column();
  private offs = new Int32Column();
  private friends = new Int32Column();
  protected keyName = 'user_id';
  protected row(f: string[]): RowVerdict {
    const id = intOf(f[this.col('user_id')]);
    const friends = parseIdList(f[this.col('friend_list')]);
    if (!(id >= 0) || friends === null) return false;
    if (!this.firstTime(id)) return 'duplicate';
    if (this.offs.length === 0) this.offs.push(0);
    this.ids.push(id);
    for (const t of friends) this.friends.push(t);
    this.offs.push(this.friends.length);
    return true;
  }
  protected build(): SocialTable {
    if (this.offs.length === 0) this.offs.push(0);
    return { kind: 'social-network', userIds: this.ids.toArray(), friendOffsets: this.offs.toArray(), friends: this.friends.toArray() };
  }
}
