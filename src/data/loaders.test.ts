import { sharedKuaiRec } from './test-data';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestFile } from './ingest';
import { generateSyntheticKuaiRec } from './synthetic';
import type { CaptionTable, InteractionTable, ItemCategoryTable, SequenceTable, SocialTable, UserFeatureTable, ItemDailyTable } from './tables';
import { streamFromBytes } from './text-stream';
import { DataError } from './types';

const SIDE = sharedKuaiRec('side');
const src = (name: string, text: string | Uint8Array, chunk = 4096) => ({ name, stream: streamFromBytes(text, chunk) });

describe('interaction matrices', () => {
  it('parses the raw big_matrix schema, fractional timestamps and empty small_matrix time fields', async () => {
    const text = [
      'user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio',
      '14,148,4381,6067,2020-07-05 05:27:48.378,20200705,1593898068.378,0.722103',
      '14,183,11635,6100,2020-07-05 05:28:00.057,20200705,1593898080.057,1.907377',
      '14,3649,22422,10867,2020-07-05 05:29:09.479,20200705,1593898149.48,2.063311',
      '19,2,5,10,,,,0.5',
      '',
    ].join('\n');
    const p = await ingestFile(src('whatever.csv', text, 7));
    expect(p.meta.kind).toBe('interactions');
    const t = p.table as InteractionTable;
    expect(Array.from(t.user)).toEqual([14, 14, 14, 19]);
    expect(Array.from(t.item)).toEqual([148, 183, 3649, 2]);
    expect(t.timestamp![0]).toBe(1593898068.378);
    expect(t.timestamp![2]).toBe(1593898149.48);
    expect(Number.isNaN(t.timestamp![3])).toBe(true);
    expect(Array.from(t.date!)).toEqual([20200705, 20200705, 20200705, 0]);
    expect(t.watchRatio![1]).toBeCloseTo(1.907377, 6);
    expect(p.issues.map((i) => i.kind)).toEqual(['missing-timestamp']);
  });

  it('finds columns by header name in any order and handles CRLF', async () => {
    const text = 'watch_ratio,timestamp,date,time,video_duration,play_duration,video_id,user_id\r\n2.5,10.5,20200101,x,1,2,7,3\r\n';
    const t = (await ingestFile(src('m.csv', text))).table as InteractionTable;
    expect([t.user[0], t.item[0], t.timestamp![0], t.watchRatio![0]]).toEqual([3, 7, 10.5, 2.5]);
  });

  it('reports malformed rows (count + first 5 lines) and NaN/negative watch_ratio; stop policy throws', async () => {
    const rows = ['user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio'];
    for (let i = 0; i < 20; i++) rows.push(i % 3 === 0 ? `bad,row` : `1,${i},1,1,,,,${i === 4 ? 'nan' : i === 5 ? '-1' : '1.0'}`);
    const text = rows.join('\n');
    const p = await ingestFile(src('m.csv', text));
    const mal = p.issues.find((i) => i.kind === 'malformed-rows')!;
    expect(mal.count).toBe(7);
    expect(mal.lines).toEqual([2, 5, 8, 11, 14]);
    const bad = p.issues.find((i) => i.kind === 'bad-watch-ratio')!;
    expect(bad.count).toBe(2);
    expect(bad.lines).toEqual([6, 7]);
    expect((p.table as InteractionTable).user.length).toBe(11);
    for (const chunk of [1, 7, 33]) expect((await ingestFile(src('m.csv', text, chunk))).issues).toEqual(p.issues); // line numbers across chunk splits
    await expect(ingestFile(src('m.csv', text), { malformed: 'stop' })).rejects.toMatchObject({ kind: 'malformed-rows', lines: [2], file: 'm.csv' });
  });

  it('gives one clear error for missing columns, unknown headers, empty files and non-UTF-8 bytes', async () => {
    await expect(ingestFile(src('a.csv', 'user_id,video_id,watch_ratio\n1,2,3\n'))).rejects.toMatchObject({ kind: 'missing-columns', message: expect.stringMatching(/a\.csv.*play_duration/) });
    await expect(ingestFile(src('b.csv', 'foo,bar\n1,2\n'))).rejects.toMatchObject({ kind: 'unknown-format', file: 'b.csv' });
    await expect(ingestFile(src('c.csv', ''))).rejects.toMatchObject({ kind: 'empty-file' });
    await expect(ingestFile(src('d.csv', 'video_id,feat\n'))).rejects.toMatchObject({ kind: 'empty-file' });
    const latin1 = new Uint8Array([...new TextEncoder().encode('video_id,feat\n1,[2]\n3,caf'), 0xe9, 10]);
    await expect(ingestFile(src('e.csv', latin1))).rejects.toMatchObject({ kind: 'encoding', message: expect.stringContaining('e.csv') });
    await expect(ingestFile(src('e.csv', latin1))).rejects.toBeInstanceOf(DataError);
  });

  it('decompresses gzip input transparently', async () => {
    const gz = new Uint8Array(await new Response(streamFromBytes('1 2 3\n4 5 6\n').pipeThrough(new CompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>)).arrayBuffer());
    const t = (await ingestFile(src('s.txt.gz', gz, 5))).table as SequenceTable;
    expect(Array.from(t.users)).toEqual([1, 4]);
  });

  it('sizes columns from the file size (exact, under- and over-estimated) without changing the result', async () => {
    const { files } = generateSyntheticKuaiRec({ seed: 8, users: 60 });
    const text = files['big_matrix.csv'];
    const n = new TextEncoder().encode(text).length;
    const runs = await Promise.all([undefined, n, 100, n * 50].map((size) => ingestFile({ name: 'b.csv', size, stream: streamFromBytes(text, 3000) })));
    const ref = runs[0].table as InteractionTable;
    for (const r of runs) {
      const t = r.table as InteractionTable;
      expect(Array.from(t.user)).toEqual(Array.from(ref.user));
      expect(Array.from(t.timestamp!)).toEqual(Array.from(ref.timestamp!));
    }
  });

  it('reports progress and can be cancelled', async () => {
    const { files } = generateSyntheticKuaiRec({ seed: 3, users: 40 });
    const seen: number[] = [];
    await ingestFile(src('big.csv', files['big_matrix.csv'], 1000), { progressEveryMs: 0, onProgress: (p) => seen.push(p.rows) });
    expect(seen.length).toBeGreaterThan(3);
    expect(seen[seen.length - 1]).toBe(files['big_matrix.csv'].trim().split('\n').length - 1);
    const ac = new AbortController();
    const run = ingestFile(src('big.csv', files['big_matrix.csv'], 1000), { signal: ac.signal, progressEveryMs: 0, onProgress: () => ac.abort() });
    await expect(run).rejects.toMatchObject({ kind: 'aborted' });
  });
});

describe('real KuaiRec side tables', () => {
  it('item_categories.csv: 10,728 videos with quoted tag lists', async () => {
    const p = await ingestFile(src('item_categories.csv', readFileSync(`${SIDE}/item_categories.csv`)));
    const t = p.table as ItemCategoryTable;
    expect(p.meta.kind).toBe('item-categories');
    expect(t.videoIds.length).toBe(10728);
    expect(Array.from(t.tags.subarray(t.tagOffsets[1], t.tagOffsets[2]))).toEqual([27, 9]);
    expect(p.issues).toEqual([]);
  });

  it('kuairec_caption_category.csv: Chinese text intact across tiny chunks, stray \\r kept inside fields', async () => {
    const bytes = readFileSync(`${SIDE}/kuairec_caption_category.csv`);
    const p = await ingestFile(src('caps.csv', bytes, 1001)); // odd chunk size splits multi-byte chars
    const t = p.table as CaptionTable;
    expect(t.videoIds.length).toBe(10728);
    expect(p.issues).toEqual([]);
    expect(t.caption[0]).toBe('精神小伙路难走 程哥你狗粮慢点撒');
    expect(t.cat1[0]).toBe(8);
    expect(t.cat1Name[1]).toBe('高新数码');
    expect(t.caption.join('').includes('\uFFFD')).toBe(false);
    expect([...t.coverText, ...t.caption, ...t.topicTag].join('').split('\r').length - 1).toBe(4);
  });

  it('user_features.csv: 7,176 users x 31 columns', async () => {
    const p = await ingestFile(src('uf.csv', readFileSync(`${SIDE}/user_features.csv`)));
    const t = p.table as UserFeatureTable;
    expect(t.userIds.length).toBe(7176);
    expect(Object.keys(t.numeric).length + Object.keys(t.text).length).toBe(30);
    expect(t.text.user_active_degree[0]).toBe('high_active');
    expect(t.numeric.follow_user_num[1]).toBe(386);
  });
});

describe('other formats', () => {
  it('sequence text (positives) and RecBole .inter', async () => {
    const s = (await ingestFile(src('seq', readFileSync(sharedKuaiRec('sequences/small_matrix_time_ordered.txt'))))).table as SequenceTable;
    expect(s.users.length).toBe(937);
    expect(s.items.length).toBe(137284);
    const r = await ingestFile(src('x.inter', 'user_id:token\titem_id:token\ttimestamp:float\twatch_ratio:float\n1\t2\t3.5\t2.1\n1\t3\t4\t0.2\n'));
    const t = r.table as InteractionTable;
    expect(r.meta.kind).toBe('recbole-inter');
    expect(Array.from(t.item)).toEqual([2, 3]);
    expect(t.watchRatio![0]).toBeCloseTo(2.1);
  });

  it('social_network.csv and item_daily_features.csv', async () => {
    const s = (await ingestFile(src('sn.csv', 'user_id,friend_list\n3371,[2975]\n24,"[4202,7126]"\n'))).table as SocialTable;
    expect(Array.from(s.friends)).toEqual([2975, 4202, 7126]);
    expect(Array.from(s.friendOffsets)).toEqual([0, 1, 3]);
    const d = (await ingestFile(src('idf.csv', 'video_id,date,author_id,video_tag_name,show_cnt,play_cnt\n0,20200705,3309,颜值,1000,800\n0,20200706,3309,颜值,,900\n'))).table as ItemDailyTable;
    expect(Array.from(d.dates)).toEqual([20200705, 20200706]);
    expect(Array.from(d.numeric.play_cnt)).toEqual([800, 900]);
    expect(Number.isNaN(d.numeric.show_cnt[1])).toBe(true);
    expect(d.numeric.video_tag_name).toBeUndefined();
  });
});
