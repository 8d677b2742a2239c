// social_network.csv: user_id,friend_list ("[4202,7126]")

import { Int32Column } from '../columns';
import { parseIntList } from '../csv';
import type { SocialTable } from '../tables';
import { CsvRecordLoader, intOf } from './csv-records';

export class SocialLoader extends CsvRecordLoader<SocialTable> {
  private ids = new Int32Column();
  private offs = new Int32Column();
  private friends = new Int32Column();
  protected row(f: string[]): boolean {
    const id = intOf(f[this.col('user_id')]);
    if (!(id >= 0)) return false;
    if (this.offs.length === 0) this.offs.push(0);
    this.ids.push(id);
    for (const t of parseIntList(f[this.col('friend_list')])) this.friends.push(t);
    this.offs.push(this.friends.length);
    return true;
  }
  protected build(): SocialTable {
    if (this.offs.length === 0) this.offs.push(0);
    return { kind: 'social-network', userIds: this.ids.toArray(), friendOffsets: this.offs.toArray(), friends: this.friends.toArray() };
  }
}
