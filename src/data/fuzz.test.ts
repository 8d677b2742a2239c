import { sharedKuaiRec } from './test-data';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ingestFile } from './ingest';
import { createRng } from '../math/rng';
import { generateSyntheticKuaiRec } from './synthetic';
import { streamFromBytes } from './text-stream';
import { isDataError } from './types';
import { fromBytes } from './input-file';
import { DataWorkspace } from './workspace';

const { files } = generateSyntheticKuaiRec({ seed: 5, users: 12, items: 60 });
const enc = new TextEncoder();
const bases: [string, Uint8Array][] = [
  ...Object.entries(files).map(([n, t]) => [n, enc.encode(t)] as [string, Uint8Array]),
  ['caps.csv', readFileSync(sharedKuaiRec('side/kuairec_caption_category.csv')).subarray(0, 30000)],
  ['seq.txt', enc.encode('1 2 3 4 5 6 7\n2 3 4 5 6 7 8 9\n')],
  ['x.inter', enc.encode('user_id:token\titem_id:token\ttimestamp:float\n1\t2\t3\n4\t5\t6\n')],
];

function mutate(b: Uint8Array, r: ReturnType<typeof createRng>): Uint8Array {
  let out = b.slice(0, r.next() < 0.5 ? r.int(b.length + 1) : b.length); // truncation
  const n = r.int(8);
  out = out.slice();
  for (let k = 0; k < n && out.length; k++) {
    const i = r.int(out.length);
    const op = r.int(4);
    if (op === 0) out[i] = r.int(256); // random byte (may break UTF-8)
    else if (op === 1) out[i] = r.pick([44, 10, 13, 34, 9, 45, 46]); // , \n \r " \t - .
    else if (op === 2) out = new Uint8Array([...out.subarray(0, i), ...out.subarray(i + 1)]); // delete
    else out = new Uint8Array([...out.subarray(0, i), 0x22, ...out.subarray(i)]); // insert a quote
  }
  return out;
}

describe('fuzz: truncated and mutated valid files', () => {
  it('never lets a non-DataError escape and always terminates (seeded, 300 cases)', async () => {
    const r = createRng(20251123);
    let loaded = 0;
    let rejected = 0;
    const t0 = Date.now();
    for (let c = 0; c < 300; c++) {
      const [name, base] = bases[c % bases.length];
      const bytes = mutate(base, r);
      try {
        await ingestFile({ name, stream: streamFromBytes(bytes, 1 + r.int(4000)) }, { malformed: r.next() < 0.5 ? 'skip' : 'stop' });
        loaded++;
      } catch (e) {
        if (!isDataError(e)) throw new Error(`case ${c} (${name}): non-DataError escaped: ${String(e)}`);
        expect(e.message.startsWith(name)).toBe(true);
        rejected++;
      }
    }
    expect(loaded).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(60_000);
  });

  it('a workspace survives fuzzed drops and still builds its dataset', async () => {
    const ws = new DataWorkspace();
    await ws.add(fromBytes('big_matrix.csv', files['big_matrix.csv']));
    const before = ws.build().stats;
    const r = createRng(7);
    for (let c = 0; c < 40; c++) {
      const res = await ws.add(fromBytes(`f${c}.csv`, mutate(enc.encode(files['big_matrix.csv']), r).subarray(0, r.int(200))));
      expect(Array.isArray(res.issues)).toBe(true);
    }
    expect(ws.build({ source: 'big_matrix.csv' }).stats).toEqual(before);
  });
});
