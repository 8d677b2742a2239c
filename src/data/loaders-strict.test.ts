// The loader defects of issue 16: RFC 4180 quoting in every file kind, unclosed quotes, repeated header columns,
// strict item lists, repeated keys, exact physical line numbers, and the same result for every chunking.
import { describe, expect, it } from 'vitest';
import { splitCsvLine } from './csv';
import { ingestFile } from './ingest';
import { generateSyntheticKuaiRec } from './synthetic';
import type { CaptionTable, InteractionTable, ItemCategoryTable, SocialTable } from './tables';
import { streamFromBytes } from './text-stream';
import { isDataError, type DataError } from './types';

const src = (name: string, text: string | Uint8Array, chunk = 4096) => ({ name, stream: streamFromBytes(text, chunk) });
const HEADER = 'user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio';

/** pandas.to_csv(quoting=QUOTE_ALL): every field quoted, including the header. */
function quoteAll(csv: string): string {
  return csv.split('\n').map((l) => (l === '' ? l : splitCsvLine(l).map((f) => `"${f.replace(/"/g, '""')}"`).join(','))).join('\n');
}

async function refusal(name: string, text: string, chunk = 4096): Promise<DataError> {
  try {
    await ingestFile(src(name, text, chunk));
  } catch (e) {
    if (isDataError(e)) return e;
    throw e;
  }
  throw new Error(`${name} was accepted`);
}

describe('RFC 4180 quoting', () => {
  const { files } = generateSyntheticKuaiRec({ seed: 3, users: 8, items: 40 });

  for (const name of ['big_matrix.csv', 'small_matrix.csv', 'item_categories.csv', 'user_features.csv'] as const) {
    it(`${name} written with QUOTE_ALL loads the same table as the plain file (chunks 1..4096 bytes)`, async () => {
      const plain = await ingestFile(src(name, files[name]));
      const quoted = quoteAll(files[name]);
      expect(quoted).not.toBe(files[name]);
      for (const chunk of [1, 7, 4096]) {
        const q = await ingestFile(src(name, quoted, chunk));
        expect(q.meta.rows).toBe(plain.meta.rows);
        expect(q.issues.filter((i) => i.kind === 'malformed-rows')).toEqual([]);
        expect(q.table).toEqual(plain.table);
      }
    });
  }

  it('quoted interaction fields with "" escapes or text after the closing quote are malformed rows at their lines', async () => {
    const text = [HEADER, '1,2,3,4,"t",20200101,10.5,2.5', '"1""",2,3,4,t,20200101,10.5,2.5', '1,"2"x,3,4,t,20200101,10.5,2.5', '"3","4","5","6","2020-07-05 05:27:48","20200705","11.25","0.5"'].join('\n');
    const p = await ingestFile(src('m.csv', text));
    const t = p.table as InteractionTable;
    expect(Array.from(t.user)).toEqual([1, 3]);
    expect(t.timestamp![1]).toBe(11.25);
    expect(p.issues.find((i) => i.kind === 'malformed-rows')?.lines).toEqual([3, 4]);
  });
});

describe('unclosed quotes refuse the file naming the line where the quote opened', () => {
  it('interactions (byte path), every chunk size', async () => {
    const lines = [HEADER, '1,2,3,4,t,20200101,10.5,2.5', '1,3,3,4,"t,20200101,10.5,2.5', '1,4,3,4,t,20200101,10.5,2.5', '1,5,3,4,t,20200101,10.5,2.5'];
    for (const chunk of [3, 64, 4096]) {
      const e = await refusal('m.csv', lines.join('\n') + '\n', chunk);
      expect(e.kind).toBe('unclosed-quote');
      expect(e.lines).toEqual([3]);
      expect(e.message).toBe('m.csv: the quote opened at line 3 is never closed');
    }
  });

  it('captions / item_categories (text path)', async () => {
    const cap = 'video_id,manual_cover_text,caption,topic_tag,first_level_category_id,first_level_category_name,second_level_category_id,second_level_category_name,third_level_category_id,third_level_category_name\n' +
      '1,a,"ok, fine",t,1,x,2,y,3,z\n2,a,"never closed,t,1,x,2,y,3,z\n3,a,b,t,1,x,2,y,3,z\n';
    const e = await refusal('cap.csv', cap, 5);
    expect([e.kind, e.lines]).toEqual(['unclosed-quote', [3]]);
    const e2 = await refusal('ic.csv', 'video_id,feat\n0,"[1]"\n1,"[2, 3]\n2,[4]\n3,[5]\n');
    expect([e2.kind, e2.lines]).toEqual(['unclosed-quote', [3]]);
    // a quote inside an unquoted field is an ordinary character (RFC 4180), not an opening quote
    const p = await ingestFile(src('ic.csv', 'video_id,feat\n0,[1]"\n1,[2]\n'));
    expect(p.issues.find((i) => i.kind === 'malformed-rows')?.lines).toEqual([2]);
  });

  it('a multi-line quoted field is one record (RFC 4180) reported at its first line in a numeric file', async () => {
    const text = [HEADER, '1,2,3,4,"a', 'b",20200101,10.5,2.5', '1,4,3,4,t,20200101,10.5,2.5'].join('\n');
    const p = await ingestFile(src('m.csv', text, 5));
    expect((p.table as InteractionTable).item[0]).toBe(4);
    expect(p.issues.find((i) => i.kind === 'malformed-rows')?.lines).toEqual([2]);
  });

  it('captions may hold a newline inside quotes', async () => {
    const cap = 'video_id,manual_cover_text,caption,topic_tag,first_level_category_id,first_level_category_name,second_level_category_id,second_level_category_name,third_level_category_id,third_level_category_name\n' +
      '1,a,"two\nlines",t,1,x,2,y,3,z\n2,a,b,t,1,x,2,y,3,z\n2,c,d,t,1,x,2,y,3,z\n';
    const p = await ingestFile(src('cap.csv', cap, 3));
    const t = p.table as CaptionTable;
    expect(t.caption).toEqual(['two\nlines', 'b']);
    // the repeated video_id 2 is reported at its later PHYSICAL line (5: the header is 1 and record 1 spans 2-3)
    expect(p.issues.find((i) => i.kind === 'duplicate-ids')?.lines).toEqual([5]);
  });
});

describe('headers', () => {
  it('a repeated column is refused naming it', async () => {
    const e = await refusal('m.csv', HEADER + ',watch_ratio\n1,2,3,4,t,20200101,10.5,2.5,3\n');
    expect(e.kind).toBe('duplicate-column');
    expect(e.message).toBe('m.csv: the header names column "watch_ratio" twice (line 1); keep one of them');
    const e2 = await refusal('x.inter', 'user_id:token\titem_id:token\tuser_id:token\n1\t2\t3\n');
    expect(e2.kind).toBe('duplicate-column');
  });
});

describe('item_categories.csv / social_network.csv: strict id lists, repeated keys', () => {
  it('each malformed feat is a malformed row reported by line number; a repeated video_id at its later line', async () => {
    const rows = ['"[27, 9]"', '"[27, 9"', '"27, 9"', '"[a, b]"', '"[27,,9]"', '[-1]', '[1.5]', '"{27, 9}"', '"[]"', '"[ 3 ,4 ]"', '"[1,]"', '"[,1]"', '"[99999999999]"', '[8]'];
    const text = 'video_id,feat\n' + rows.map((f, i) => `${i},${f}`).join('\n') + '\n0,"[5]"\n';
    const p = await ingestFile(src('ic.csv', text, 9));
    const t = p.table as ItemCategoryTable;
    expect(Array.from(t.videoIds)).toEqual([0, 8, 9, 13]);
    expect(Array.from(t.tags)).toEqual([27, 9, 3, 4, 8]);
    expect(Array.from(t.tagOffsets)).toEqual([0, 2, 2, 4, 5]);
    const bad = p.issues.find((i) => i.kind === 'malformed-rows')!;
    expect(bad.count).toBe(10);
    expect(bad.lines).toEqual([3, 4, 5, 6, 7]); // first 5 (header = line 1)
    const dup = p.issues.find((i) => i.kind === 'duplicate-ids')!;
    expect([dup.count, dup.lines]).toEqual([1, [16]]);
  });

  it('with malformed=stop the first bad list stops the load at its line', async () => {
    await expect(ingestFile(src('ic.csv', 'video_id,feat\n0,"[1]"\n1,"[2, x]"\n'), { malformed: 'stop' })).rejects.toMatchObject({ kind: 'malformed-rows', lines: [3] });
  });

  it('friend lists are strict too', async () => {
    const p = await ingestFile(src('social.csv', 'user_id,friend_list\n1,"[4202,7126]"\n2,"[4202,,1]"\n3,[]\n1,[5]\n'));
    expect(Array.from((p.table as SocialTable).userIds)).toEqual([1, 3]);
    expect(p.issues.map((i) => [i.kind, i.lines])).toEqual([['malformed-rows', [3]], ['duplicate-ids', [5]]]);
  });
});

describe('exact physical line numbers', () => {
  it('are the same for every chunking, CRLF, blank lines and quoted newlines (interactions)', async () => {
    const lines = [HEADER, '1,2,3,4,t,20200101,10.5,2.5', '', 'x,2,3,4,t,20200101,10.5,2.5', '1,"a', 'b",3,4,t,20200101,10.5,2.5', '1,2,3,4,t,20200101,10.5,-1', '1,2,3,4,t', '1,2,3,4,t,20200101,10.5,2.5,9', '2,2,3,4,t,20200101,10.5,2.5'];
    for (const eol of ['\n', '\r\n']) {
      for (const chunk of [1, 2, 5, 13, 4096]) {
        const p = await ingestFile(src('m.csv', lines.join(eol), chunk));
        expect(Array.from((p.table as InteractionTable).user)).toEqual([1, 2]);
        expect(p.issues.find((i) => i.kind === 'malformed-rows')?.lines).toEqual([4, 5, 8, 9]);
        expect(p.issues.find((i) => i.kind === 'bad-watch-ratio')?.lines).toEqual([7]);
      }
    }
  });

  it('non-UTF-8 bytes anywhere in an interaction file refuse it; valid UTF-8 in a skipped column is kept', async () => {
    const ok = new TextEncoder().encode(`${HEADER}\n1,2,3,4,时间,20200101,10.5,2.5\n`);
    expect((await ingestFile(src('m.csv', ok, 3))).meta.rows).toBe(1);
    const bad = Uint8Array.from([...new TextEncoder().encode(`${HEADER}\n1,2,3,4,`), 0xff, ...new TextEncoder().encode(',20200101,10.5,2.5\n')]);
    await expect(ingestFile(src('m.csv', bad))).rejects.toMatchObject({ kind: 'encoding' });
  });
});

describe('wasm fast path (ingest.c) vs the JS path', () => {
  it('gives identical tables and issues, every chunking (synthetic files + hostile lines)', async () => {
    const { files } = generateSyntheticKuaiRec({ seed: 9, users: 10, items: 50 });
    const hostile = [HEADER, '1,2,3,4,t,20200101,10.5,2.5', '', '1,2,3,4,t,,,0.5', 'x,2,3,4,t,20200101,10.5,2.5', '1,"a', 'b",3,4,t,20200101,10.5,2.5',
      '1,2,3,4,t,20200101,10.5,-1', '1,2,3,4,t', '-0,+2,1e3,4,时间,20200101,1593898068.378,2.5', '2147483648,1,1,1,t,1,1,1', '1,2,3,4,t,1.5,10.5,2.5',
      '3,4,1234567890123456,4,t,20200101,10.5,2.5', '5,6,7,8,t,20200101,10.5,2.5\r', '9,9,9,9,t,20200101,10.5,2.5,9', '7,7,7,7,t,20200101,11,3'].join('\n');
    const { setInteractionWasm, InteractionLoader } = await import('./loaders/interactions');
    expect(new InteractionLoader('m.csv', HEADER.split(',')).fastPath).toBe('wasm');
    for (const [name, text] of [['big_matrix.csv', files['big_matrix.csv']], ['small_matrix.csv', files['small_matrix.csv']], ['h.csv', hostile]] as const) {
      for (const chunk of [3, 97, 65536]) {
        setInteractionWasm(false);
        const js = await ingestFile(src(name, text, chunk));
        setInteractionWasm(true);
        const wasm = await ingestFile(src(name, text, chunk));
        expect(wasm.table).toEqual(js.table);
        expect(wasm.issues).toEqual(js.issues);
      }
    }
    const h = await ingestFile(src('h.csv', hostile, 5));
    expect(Array.from((h.table as InteractionTable).user)).toEqual([1, 1, 0, 1, 3, 5, 7]);
    expect(h.issues.find((i) => i.kind === 'malformed-rows')).toMatchObject({ count: 5, lines: [5, 6, 9, 11, 15] });
  });
});
