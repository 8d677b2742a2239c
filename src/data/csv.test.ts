import { describe, expect, it } from 'vitest';
import { parseNumberBytes } from './byte-stream';
import { parseIdList, parseNumber, splitCsvLine } from './csv';
import { createRng } from './rng';
import { formatFraction } from './synthetic';

describe('number and CSV field parsing', () => {
  it('parseNumber / parseNumberBytes equal Number() exactly on KuaiRec-like values', () => {
    const r = createRng(3);
    const enc = new TextEncoder();
    const cases = ['0', '-0.5', '+2', '1593878903.438', '1593878903.48', '1593878903.4', '0.722103', '2.063311', '1e-05', '12345678901234567.5', ''];
    for (let k = 0; k < 2000; k++) cases.push(formatFraction(1593878400 + r.int(3e6), 1 + r.int(999)), (r.next() * 5).toFixed(1 + r.int(6)));
    for (const c of cases) {
      const want = c === '' ? NaN : Number(c);
      expect(parseNumber(c, 0, c.length)).toBe(want);
      expect(parseNumberBytes(enc.encode(c), 0, c.length)).toBe(want);
    }
    for (const bad of ['abc', '1.2.3', '-', '.', '1,5', '0x10']) {
      expect(parseNumber(bad, 0, bad.length)).toBeNaN();
      expect(parseNumberBytes(enc.encode(bad), 0, bad.length)).toBeNaN();
    }
  });

  it('quoted fields, escaped quotes, int lists', () => {
    expect(splitCsvLine('1,"[27, 9]","a ""b"", c",')).toEqual(['1', '[27, 9]', 'a "b", c', '']);
    expect(parseIdList('[27, 9]')).toEqual([27, 9]);
    expect(parseIdList('[]')).toEqual([]);
    expect(parseIdList('[4202,7126]')).toEqual([4202, 7126]);
  });
});
