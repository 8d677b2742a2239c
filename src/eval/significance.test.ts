import { describe, expect, it } from 'vitest';
import { studentTCritical, studentTwoSidedP, welchTTest } from './significance';

describe('Student t critical values and the Welch test', () => {
  it('critical values match the t table', () => {
    // two-sided 5%: df 1 12.7062, 4 2.7764, 10 2.2281, 30 2.0423, large → 1.9600; 1%: df 10 3.1693
    expect(studentTCritical(0.05, 1)).toBeCloseTo(12.7062, 3);
    expect(studentTCritical(0.05, 4)).toBeCloseTo(2.7764, 4);
    expect(studentTCritical(0.05, 10)).toBeCloseTo(2.2281, 4);
    expect(studentTCritical(0.05, 30)).toBeCloseTo(2.0423, 4);
    expect(studentTCritical(0.05, 1e6)).toBeCloseTo(1.96, 3);
    expect(studentTCritical(0.01, 10)).toBeCloseTo(3.1693, 4);
    // fractional df (Welch): between its neighbours, and the inverse of the p-value
    const t = studentTCritical(0.05, 12.5);
    expect(t).toBeLessThan(studentTCritical(0.05, 12));
    expect(t).toBeGreaterThan(studentTCritical(0.05, 13));
    expect(studentTwoSidedP(t, 12.5)).toBeCloseTo(0.05, 10);
    expect(() => studentTCritical(0, 3)).toThrow(/alpha in \(0, 1\)/);
  });

  it('Welch: statistic, Satterthwaite df, p and CI against a worked example (scipy.stats.ttest_ind(equal_var=False))', () => {
    const a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    const w = welchTTest(a, b);
    // scipy 1.x: ttest_ind(b, a, equal_var=False) → t = 2.455356, df = 24.98853, p = 0.021378
    expect(w.t).toBeCloseTo(2.455356, 5);
    expect(w.df).toBeCloseTo(24.98853, 4);
    expect(w.p).toBeCloseTo(0.021378, 5);
    expect(w.diff).toBeCloseTo(22.986667 - 20.82, 5);
    // CI = diff ± t_crit(df) · se, excludes 0 because p < 0.05
    expect(w.ci[0]).toBeGreaterThan(0);
    expect((w.ci[1] - w.ci[0]) / 2).toBeCloseTo(studentTCritical(0.05, w.df) * w.se, 12);
    expect(w.sdA).toBeCloseTo(2.804894, 5);
    // same sample twice: nothing; constant equal samples: p 1, CI [0, 0]
    expect(welchTTest(a, a).p).toBeCloseTo(1, 12);
    const c = welchTTest([1, 1, 1], [1, 1]);
    expect(c.p).toBe(1);
    expect(c.ci).toEqual([0, 0]);
    expect(() => welchTTest([1], [1, 2])).toThrow(/at least 2 values/);
  });
});
