import { describe, expect, it } from 'vitest';
import { buildSidTable, PrefixTrie } from './sid-table';

// 6 items, D = 2, K = [3, 4]; items 30 and 10 collide on (1, 2), items 20, 40, 50 collide on (0, 0)
const ids = Int32Array.from([30, 20, 10, 40, 60, 50]);
const codes = Int32Array.from([1, 2, /**/ 0, 0, /**/ 1, 2, /**/ 0, 0, /**/ 2, 3, /**/ 0, 0]);

describe('SID table', () => {
  const t = buildSidTable(ids, codes, 2, [3, 4]);
  const trie = PrefixTrie.of(t);

  it('resolves collisions with a disambiguation level = rank by item id, and counts them', () => {
    expect(t.collisions).toEqual({ items: 5, groups: 2, maxGroup: 3, rate: 5 / 6 });
    expect(t.widths).toEqual([3, 4, 3]);
    const sid = (row: number) => Array.from(t.sids.subarray(row * 3, row * 3 + 3));
    expect(sid(2)).toEqual([1, 2, 0]); // id 10 before id 30
    expect(sid(0)).toEqual([1, 2, 1]);
    expect(sid(1)).toEqual([0, 0, 0]); // 20 < 40 < 50
    expect(sid(3)).toEqual([0, 0, 1]);
    expect(sid(5)).toEqual([0, 0, 2]);
    expect(sid(4)).toEqual([2, 3, 0]);
    // every SID is unique and maps back to its item
    const seen = new Set<string>();
    for (let i = 0; i < ids.length; i++) {
      seen.add(sid(i).join(','));
      expect(trie.item(sid(i))).toBe(i);
    }
    expect(seen.size).toBe(ids.length);
  });

  it('trie: validNext, counts and invalid prefixes', () => {
    expect(Array.from(trie.validNext([]))).toEqual([0, 1, 2]);
    expect(Array.from(trie.validNext([0]))).toEqual([0]);
    expect(Array.from(trie.validNext([1, 2]))).toEqual([0, 1]);
    expect(Array.from(trie.validNext([0, 0]))).toEqual([0, 1, 2]);
    expect(Array.from(trie.validNext([2, 3]))).toEqual([0]);
    expect(Array.from(trie.validNext([1, 0]))).toEqual([]);
    expect(Array.from(trie.validNext([0, 0, 2]))).toEqual([]); // complete SID: nothing follows
    expect(trie.count([])).toBe(6);
    expect(trie.count([0])).toBe(3);
    expect(trie.count([9])).toBe(0);
    expect(trie.item([1, 2, 5])).toBe(-1);
    expect(trie.itemsUnder(trie.node([0])).sort()).toEqual([1, 3, 5]);
  });

  it('mask builder: (B, K) validity for a batch of prefixes at each level', () => {
    expect(Array.from(trie.mask(new Int32Array(0), 2, 0))).toEqual([1, 1, 1, 1, 1, 1]);
    const m1 = trie.mask(Int32Array.from([0, 1, 2]), 3, 1); // width 4
    expect(Array.from(m1)).toEqual([1, 0, 0, 0, /**/ 0, 0, 1, 0, /**/ 0, 0, 0, 1]);
    const m2 = trie.mask(Int32Array.from([0, 0, 1, 2, 1, 1]), 3, 2); // width 3 (disambiguation)
    expect(Array.from(m2)).toEqual([1, 1, 1, /**/ 1, 1, 0, /**/ 0, 0, 0]);
    expect(() => trie.mask(Int32Array.from([0]), 2, 1)).toThrow(/expected 2×1/);
    expect(() => trie.mask(new Int32Array(0), 1, 3)).toThrow(/outside/);
  });

  it('no collisions: the extra level is all zeros and has width 1', () => {
    const u = buildSidTable(Int32Array.from([1, 2, 3]), Int32Array.from([0, 2, 1]), 1, [3]);
    expect(u.collisions.items).toBe(0);
    expect(u.widths).toEqual([3, 1]);
    expect(Array.from(u.sids)).toEqual([0, 0, 2, 0, 1, 0]);
  });

  it('rejects out-of-range codes with a clear message', () => {
    expect(() => buildSidTable(Int32Array.from([1]), Int32Array.from([5]), 1, [4])).toThrow(/code 5 out of range at item row 0, level 0/);
  });
});
