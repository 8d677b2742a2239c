import { rng } from '../engine/random';

// Paired significance tests on per-user metric vectors (same users, same order): paired t-test (two-sided, Student t
// via the regularised incomplete beta function) and a seeded paired bootstrap of the mean difference.

/** ln Γ(x) (Lanczos, g = 7). */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61503916999185, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta (Numerical Recipes betacf). */
function betacf(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-14) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const bt = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (bt * betacf(a, b, x)) / a : 1 - (bt * betacf(b, a, 1 - x)) / b;
}

/** Two-sided p-value of Student's t with df degrees of freedom. */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

export interface PairedTest {
  n: number;
  meanDiff: number;
  t: number;
  df: number;
  /** Two-sided p of H0: mean(a − b) = 0. 1 when every difference is 0. */
  p: number;
}

/** Paired t-test of a against b (per-user vectors of equal length). */
export function pairedTTest(a: ArrayLike<number>, b: ArrayLike<number>): PairedTest {
  if (a.length !== b.length) throw new Error(`pairedTTest: vectors of different lengths (${a.length} vs ${b.length}): not the same users`);
  const n = a.length;
  if (n < 2) throw new Error('pairedTTest: needs at least 2 users');
  let mean = 0;
  for (let i = 0; i < n; i++) mean += a[i] - b[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (a[i] - b[i] - mean) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  if (sd === 0) return { n, meanDiff: mean, t: mean === 0 ? 0 : Infinity * Math.sign(mean), df: n - 1, p: mean === 0 ? 1 : 0 };
  const t = mean / (sd / Math.sqrt(n));
  return { n, meanDiff: mean, t, df: n - 1, p: studentTwoSidedP(t, n - 1) };
}

/** Seeded paired bootstrap: two-sided p of mean(a − b) = 0 (share of resampled means on the other side of 0, × 2). */
export function pairedBootstrap(a: ArrayLike<number>, b: ArrayLike<number>, iters = 2000, seed = 0): number {
  if (a.length !== b.length) throw new Error(`pairedBootstrap: vectors of different lengths (${a.length} vs ${b.length})`);
  const n = a.length;
  const d = Float64Array.from({ length: n }, (_, i) => a[i] - b[i]);
  const obs = d.reduce((s, x) => s + x, 0) / n;
  if (obs === 0) return 1;
  const r = rng(seed);
  let other = 0;
  for (let it = 0; it < iters; it++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += d[Math.floor(r() * n)];
    if (Math.sign(m) !== Math.sign(obs)) other++;
  }
  return Math.min(1, (2 * (other + 1)) / (iters + 1));
}

/** The two-sided critical value t with P(|T_df| > t) = alpha (bisection on studentTwoSidedP), e.g. 2.228 for alpha 0.05, df 10. */
export function studentTCritical(alpha: number, df: number): number {
  if (!(alpha > 0 && alpha < 1) || !(df > 0)) throw new Error(`studentTCritical: alpha in (0, 1) and df > 0, got ${alpha}, ${df}`);
  let lo = 0, hi = 1;
  while (studentTwoSidedP(hi, df) > alpha) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTwoSidedP(mid, df) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface WelchTest {
  nA: number;
  nB: number;
  meanA: number;
  meanB: number;
  /** sample standard deviations (n − 1) */
  sdA: number;
  sdB: number;
  /** meanB − meanA */
  diff: number;
  se: number;
  /** Welch–Satterthwaite degrees of freedom */
  df: number;
  t: number;
  /** two-sided p of H0: equal means (1 when both samples are constant and equal) */
  p: number;
  /** confidence interval of meanB − meanA at `level` */
  ci: [number, number];
  level: number;
}

/** Mean and sample standard deviation (n − 1; 0 for one value). */
export const sampleMeanSd = (x: ArrayLike<number>) => {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i] - m) ** 2;
  return { n, mean: m, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0 };
};

/** Welch's unequal-variance t-test of mean(b) − mean(a) for two independent samples (≥ 2 values each), with its CI. */
export function welchTTest(a: ArrayLike<number>, b: ArrayLike<number>, level = 0.95): WelchTest {
  if (a.length < 2 || b.length < 2) throw new Error(`welchTTest: needs at least 2 values per sample, got ${a.length} and ${b.length}`);
  const A = sampleMeanSd(a), B = sampleMeanSd(b);
  const va = (A.sd * A.sd) / A.n, vb = (B.sd * B.sd) / B.n;
  const se = Math.sqrt(va + vb);
  const diff = B.mean - A.mean;
  const base = { nA: A.n, nB: B.n, meanA: A.mean, meanB: B.mean, sdA: A.sd, sdB: B.sd, diff, se, level };
  if (se === 0) {
    const df = A.n + B.n - 2;
    return { ...base, df, t: diff === 0 ? 0 : Infinity * Math.sign(diff), p: diff === 0 ? 1 : 0, ci: [diff, diff] };
  }
  const df = (va + vb) ** 2 / (va ** 2 / (A.n - 1) + vb ** 2 / (B.n - 1));
  const t = diff / se;
  const h = studentTCritical(1 - level, df) * se;
  return { ...base, df, t, p: studentTwoSidedP(t, df), ci: [diff - h, diff + h] };
}
