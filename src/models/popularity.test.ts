import { describe, expect, it } from 'vitest';
import { recentItemCounts, trainRecentPopularity } from './popularity';
import type { SeqRecModel, SeqTrainInputs } from './seq-rec';

// two users; items 0/1 were popular early, 2/3 late (a drifting catalogue)
const inputs: SeqTrainInputs = { nItems: 4, offsets: Int32Array.from([0, 5, 9]), items: Int32Array.from([0, 0, 1, 2, 3, 1, 0, 2, 3]) };

describe('recent popularity', () => {
  it('counts each user\'s last `window` training items (0 = all)', () => {
    expect(Array.from(recentItemCounts(inputs, 0))).toEqual([3, 2, 2, 2]);
    expect(Array.from(recentItemCounts(inputs, 2))).toEqual([0, 0, 2, 2]);
    expect(Array.from(recentItemCounts(inputs, 3))).toEqual([1, 1, 2, 2]); // [1,2,3] + [0,2,3]
    expect(Array.from(recentItemCounts(inputs, 100))).toEqual([3, 2, 2, 2]);
    expect(() => recentItemCounts(inputs, -1)).toThrow(/window must be an integer >= 0/);
  });

  it('picks the window the validation callback scores best and logs every window tried', async () => {
    // a validation that rewards ranking item 3 first (what a drifting catalogue's next slate looks like)
    const validate = async (m: SeqRecModel) => {
      const s = await m.score([new Int32Array(0)]);
      return s[3] > s[0] ? 1 + s[3] / 10 : 0;
    };
    const m = await trainRecentPopularity(inputs, { windows: [0, 2, 3] }, { validate });
    expect(m.trainLog!.bestEpoch).toBe(2);
    expect(m.trainLog!.validation.map((v) => v.epoch)).toEqual([0, 2, 3]);
    expect(Array.from(m.counts)).toEqual([0, 0, 2, 2]);
    // without validation: the configured window
    const fixed = await trainRecentPopularity(inputs, { window: 3 });
    expect(Array.from(fixed.counts)).toEqual([1, 1, 2, 2]);
    await expect(trainRecentPopularity(inputs, { windows: [] }, { validate })).rejects.toThrow(/at least one window/);
    await expect(trainRecentPopularity(inputs, { windows: [5, -1] }, { validate })).rejects.toThrow('recent popularity: windows must be an integer >= 0 (0 = all), got -1');
    await expect(trainRecentPopularity(inputs, { window: 2.5, windows: [5] }, { validate })).rejects.toThrow('recent popularity: window must be an integer >= 0 (0 = all), got 2.5');
  });
});
