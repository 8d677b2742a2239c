// CSV embeddings `video_id,f0,f1,...` (header required, first column video_id), parsed with the streaming line reader.

import { Float32Column, Int32Column } from '../columns';
import { normalizeHeaderCell, parseNumber } from '../csv';
import { readLineBlocks } from '../text-stream';
import { DataError } from '../types';
import type { ItemFeatures } from './types';

export async function parseEmbeddingCsv(stream: ReadableStream<Uint8Array>, file = 'embeddings.csv'): Promise<ItemFeatures> {
  let dim = -1;
  const ids = new Int32Column();
  const vals = new Float32Column(1 << 16);
  await readLineBlocks(stream, { file }, (text, firstLineNo) => {
    let lineNo = firstLineNo;
    let rows = 0;
    for (const line of text.split('\n')) {
      if (dim < 0) {
        const cols = line.split(',').map(normalizeHeaderCell);
        if (cols[0] !== 'video_id' || cols.length < 2)
          throw new DataError({ file, kind: 'missing-columns', lines: [1], message: `${file}: embedding CSV must start with a header "video_id,f0,f1,..."` });
        dim = cols.length - 1;
      } else if (line.length) {
        const f = line.split(',');
        const id = parseNumber(f[0], 0, f[0].length);
        if (f.length !== dim + 1 || !Number.isInteger(id))
          throw new DataError({ file, kind: 'malformed-rows', lines: [lineNo], message: `${file}: malformed embedding row at line ${lineNo}` });
        ids.push(id);
        for (let j = 1; j <= dim; j++) vals.push(parseNumber(f[j], 0, f[j].length));
        rows++;
      }
      lineNo++;
    }
    return rows;
  });
  if (dim < 0 || ids.length === 0) throw new DataError({ file, kind: 'empty-file', message: `${file}: no embedding rows` });
  return { ids: ids.toArray(), dim, data: vals.toArray(), blocks: [{ name: file, from: 0, to: dim }] };
}
