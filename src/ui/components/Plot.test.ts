import { describe, expect, it } from 'vitest';
import { sampleBySteps, sampleEvery } from './Plot';

describe('plot sampling', () => {
  it('sampleEvery keeps every k-th point and the last', () => {
    expect(sampleEvery([0, 1, 2, 3, 4, 5, 6], 3)).toEqual([0, 3, 6]);
    expect(sampleEvery([0, 1, 2, 3, 4, 5], 3)).toEqual([0, 3, 5]);
    expect(sampleEvery([0, 1, 2], 1)).toEqual([0, 1, 2]);
  });
  it('sampleBySteps keeps at most one point per window of `every` steps (the first) and the last', () => {
    const steps = [0, 5, 10, 15, 20, 25, 30, 35, 39];
    expect(sampleBySteps(steps, 1)).toEqual(steps.map((_, i) => i));
    expect(sampleBySteps(steps, 5)).toEqual(steps.map((_, i) => i)); // one per window already
    expect(sampleBySteps(steps, 10).map((i) => steps[i])).toEqual([0, 10, 20, 30, 39]);
    expect(sampleBySteps(steps, 100).map((i) => steps[i])).toEqual([0, 39]);
    expect(sampleBySteps([], 10)).toEqual([]);
  });
});
