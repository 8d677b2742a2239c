// kuairec_caption_category.csv: video_id,manual_cover_text,caption,topic_tag,first/second/third_level_category_id/name

import { Int32Column } from '../columns';
import type { CaptionTable } from '../tables';
import { CsvRecordLoader, intOf, type RowVerdict } from './csv-records';

export class CaptionLoader extends CsvRecordLoader<CaptionTable> {
  private ids = new Int32Column();
  private c1 = new Int32Column();
  private c2 = new Int32Column();
  private c3 = new Int32Column();
  private cover: string[] = [];
  private caption: string[] = [];
  private topic: string[] = [];
  private n1: string[] = [];
  private n2: string[] = [];
  private n3: string[] = [];
  private text(f: string[], name: string): string {
    const i = this.col(name);
    return i >= 0 ? f[i] : '';
  }
  private cat(f: string[], name: string): number {
    const v = intOf(f[this.col(name)]);
    return Number.isNaN(v) ? -124 : v; // KuaiRec uses -124 for UNKNOWN
  }
  protected keyName = 'video_id';
  protected row(f: string[]): RowVerdict {
    const id = intOf(f[this.col('video_id')]);
    if (!(id >= 0)) return false;
    if (!this.firstTime(id)) return 'duplicate';
    this.ids.push(id);
    this.cover.push(this.text(f, 'manual_cover_text'));
    this.caption.push(this.text(f, 'caption'));
    this.topic.push(this.text(f, 'topic_tag'));
    this.c1.push(this.cat(f, 'first_level_category_id'));
    this.c2.push(this.cat(f, 'second_level_category_id'));
    this.c3.push(this.cat(f, 'third_level_category_id'));
    this.n1.push(this.text(f, 'first_level_category_name'));
    this.n2.push(this.text(f, 'second_level_category_name'));
    this.n3.push(this.text(f, 'third_level_category_name'));
    return true;
  }
  protected build(): CaptionTable {
    return {
      kind: 'captions', videoIds: this.ids.toArray(), coverText: this.cover, caption: this.caption, topicTag: this.topic,
      cat1: this.c1.toArray(), cat2: this.c2.toArray(), cat3: this.c3.toArray(), cat1Name: this.n1, cat2Name: this.n2, cat3Name: this.n3,
    };
  }
}
