import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fuzz, fuzzBases, mutate } from './fuzz';
import { fromBytes } from './input-file';
import { createRng } from './rng';
import { generateSyntheticKuaiRec } from './synthetic';
import { sharedKuaiRec } from './test-data';
import { DataWorkspace } from './workspace';

describe('fuzz: seeded mutations of every parser\'s valid inputs (the unit-suite slice of `npm run fuzz`)', () => {
  it('260 cases: 0 escapes, 0 hangs; every parser both loads and refuses some', async () => {
    const caps = readFileSync(sharedKuaiRec('side/kuairec_caption_category.csv')).subarray(0, 30000);
    const bases = fuzzBases([{ parser: 'captions (real slice)', name: 'caps.csv', kind: 'csv', bytes: caps }]);
    const { summary, failures } = await fuzz({ cases: 20 * bases.length, seed: 20251123, bases });
    expect(failures).toEqual([]);
    expect(summary.length).toBe(bases.length);
    for (const s of summary) {
      expect(s.escapes + s.hangs).toBe(0);
      expect(s.refused).toBeGreaterThan(0);
    }
    expect(summary.filter((s) => s.loaded > 0).length).toBeGreaterThan(bases.length / 2);
  }, 120_000);

  it('a workspace survives fuzzed drops and still builds its dataset', async () => {
    const { files } = generateSyntheticKuaiRec({ seed: 5, users: 12, items: 60 });
    const ws = new DataWorkspace();
    await ws.add(fromBytes('big_matrix.csv', files['big_matrix.csv']));
    const before = ws.build().stats;
    const r = createRng(7);
    for (let c = 0; c < 40; c++) {
      const m = mutate(new TextEncoder().encode(files['big_matrix.csv']), r);
      const res = await ws.add(fromBytes(`f${c}.csv`, m.bytes.subarray(0, r.int(200))));
      expect(Array.isArray(res.issues)).toBe(true);
    }
    expect(ws.build({ source: 'big_matrix.csv' }).stats).toEqual(before);
  });
});
