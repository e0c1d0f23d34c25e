/**
 * Small descriptive statistics shared by the analyses: mean, sample standard deviation,
 * quantiles, histograms (linear and log10-spaced), Pearson correlation and the Wilson score
 * interval; intervals of a difference of means over seeds (Welch's t, one-sample t, a seeded
 * bootstrap). Plain arrays in, numbers out; no tensors.
 *
 * Float32 inputs and thresholds: γ is stored as float32, so a threshold typed as a decimal
 * (0.01) is compared in float32, as PyTorch compares a float32 tensor with a Python scalar
 * (`gamma.abs() < 0.01` casts 0.01 to float32). `belowThreshold` and the histogram edges of
 * Float32Array inputs follow that rule, so `fractionBelow(0.01)` and a histogram edge at 0.01
 * agree with each other and with PyTorch on a γ that is exactly float32(0.01).
 */

import { createRng } from "../random";
import { studentTQuantile } from "./student-t";

/** The quantiles reported by default: min, 1 %, 5 %, quartiles, median, 95 %, 99 %, max. */
export const DEFAULT_QUANTILES: readonly number[] = [0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1];

export interface Quantile {
  /** The probability, in [0, 1]. */
  q: number;
  value: number;
}

export interface MeanSd {
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); null when n < 2. */
  sd: number | null;
  n: number;
}

/** Mean, shifted by the first value so that equal values give exactly that value (and sd exactly 0). */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  const v0 = values[0];
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] - v0;
  return v0 + s / values.length;
}

/** Sample standard deviation (n − 1); NaN for fewer than two values. */
export function sampleSd(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return NaN;
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < n; i++) s += (values[i] - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/** Mean ± sample sd, with sd null (not NaN) when it is undefined, so the result is JSON-safe. */
export function meanSd(values: ArrayLike<number>): MeanSd {
  const n = values.length;
  return { mean: n ? mean(values) : NaN, sd: n >= 2 ? sampleSd(values) : null, n };
}

/** A sorted float64 copy (ascending). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values as ArrayLike<number>);
  out.sort();
  return out;
}

/**
 * Quantiles of already sorted values by linear interpolation between order statistics
 * (numpy's default, Hyndman–Fan type 7): position (n − 1)·q.
 */
export function quantilesSorted(sorted: ArrayLike<number>, qs: readonly number[] = DEFAULT_QUANTILES): Quantile[] {
  const n = sorted.length;
  return qs.map((q) => {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
    if (n === 0) return { q, value: NaN };
    const pos = (n - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, n - 1);
    const frac = pos - lo;
    const value = frac === 0 ? sorted[lo] : sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
    return { q, value };
  });
}

export function quantiles(values: ArrayLike<number>, qs: readonly number[] = DEFAULT_QUANTILES): Quantile[] {
  return quantilesSorted(sortedCopy(values), qs);
}

/** How many of the ascending `sorted` values are strictly below `x` (lower bound). */
export function countBelowSorted(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many of the ascending `sorted` values are at most `x` (upper bound). */
export function countAtMostSorted(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A threshold as it is compared with float32 values: rounded to float32 (see the file comment). */
export function float32Threshold(t: number): number {
  if (Number.isNaN(t)) throw new RangeError("threshold is NaN");
  return Math.fround(t);
}

export interface Histogram {
  /** bins + 1 ascending edges; bin i holds edges[i] ≤ x < edges[i+1], the last bin also x = edges[bins]. */
  edges: number[];
  counts: number[];
  /** Values below edges[0] (for a log histogram: positive values below it; zeros are counted apart). */
  underflow: number;
  /** Values above the last edge. */
  overflow: number;
  /** All values given, including under/overflow (and zeros for a log histogram). */
  total: number;
}

export interface LogHistogram extends Histogram {
  /** Exact zeros, which have no place on a log axis. */
  zeros: number;
}

export interface HistogramOptions {
  /** Number of bins (default 30). */
  bins?: number;
  /** [lo, hi]; default [min, max] of the values. Values outside go to underflow / overflow. */
  range?: readonly [number, number];
}

function checkBins(bins: number): void {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
}

function checkFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`${what}: value ${i} is ${values[i]}; histograms need finite values`);
  }
}

/** Bins values given the edges; edges used for comparison may be float32-rounded (file comment). */
function binInto(values: ArrayLike<number>, edges: number[], skip: (x: number) => boolean): Omit<Histogram, "edges" | "total"> & { skipped: number } {
  const bins = edges.length - 1;
  const cmp = values instanceof Float32Array ? edges.map((e) => Math.fround(e)) : edges;
  const counts = new Array<number>(bins).fill(0);
  let underflow = 0;
  let overflow = 0;
  let skipped = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (skip(x)) {
      skipped++;
      continue;
    }
    if (x < cmp[0]) underflow++;
    else if (x > cmp[bins]) overflow++;
    else if (x === cmp[bins]) counts[bins - 1]++;
    else counts[countAtMostSorted(cmp, x) - 1]++;
  }
  return { counts, underflow, overflow, skipped };
}

/**
 * A histogram with equal-width bins over [min, max] (or `range`). As numpy does, a set whose
 * values are all equal gets the range [v − 0.5, v + 0.5].
 */
export function histogram(values: ArrayLike<number>, opts: HistogramOptions = {}): Histogram {
  const bins = opts.bins ?? 30;
  checkBins(bins);
  checkFinite(values, "histogram");
  let [lo, hi] = opts.range ?? [Infinity, -Infinity];
  if (!opts.range) {
    for (let i = 0; i < values.length; i++) {
      lo = Math.min(lo, values[i]);
      hi = Math.max(hi, values[i]);
    }
    if (values.length === 0) [lo, hi] = [0, 1];
    if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  }
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw new RangeError(`histogram range must be finite with lo < hi, got [${lo}, ${hi}]`);
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + ((hi - lo) * i) / bins));
  const { counts, underflow, overflow } = binInto(values, edges, () => false);
  return { edges, counts, underflow, overflow, total: values.length };
}

/** 10^e, cleaned of the last-digit noise of floating point (10^-2 is 0.01, not 0.010000000000000002). */
export function pow10(e: number): number {
  return Number((10 ** e).toPrecision(12));
}

/**
 * A histogram of non-negative values with log10-spaced bins over [min positive, max] (or `range`,
 * which must be positive). Exact zeros are counted in `zeros`, apart from every bin; positive values
 * below the range in `underflow`. A set whose positive values are all equal gets one decade around it.
 */
export function logHistogram(values: ArrayLike<number>, opts: HistogramOptions = {}): LogHistogram {
  const bins = opts.bins ?? 30;
  checkBins(bins);
  checkFinite(values, "log histogram");
  let zeros = 0;
  let [lo, hi] = opts.range ?? [Infinity, -Infinity];
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x < 0) throw new RangeError(`log histogram: value ${i} is negative (${x}); pass absolute values`);
    if (x === 0) zeros++;
    else if (!opts.range) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
  }
  if (!opts.range) {
    if (lo === Infinity) [lo, hi] = [0.1, 1];
    else if (lo === hi) [lo, hi] = [lo / Math.sqrt(10), hi * Math.sqrt(10)];
  }
  if (!(lo > 0 && Number.isFinite(hi) && lo < hi)) throw new RangeError(`log histogram range must satisfy 0 < lo < hi, got [${lo}, ${hi}]`);
  const a = Math.log10(lo);
  const b = Math.log10(hi);
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === 0 ? lo : i === bins ? hi : pow10(a + ((b - a) * i) / bins)));
  const { counts, underflow, overflow } = binInto(values, edges, (x) => x === 0);
  return { edges, counts, underflow, overflow, zeros, total: values.length };
}

/** Pearson correlation; null when it is undefined (fewer than two values or a constant side). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  if (x.length !== y.length) throw new RangeError(`correlation of arrays of different lengths (${x.length}, ${y.length})`);
  const n = x.length;
  if (n < 2) return null;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/**
 * The Wilson score interval for a binomial proportion: `correct` successes of `n`, z = 1.96 for
 * 95 %. Unlike the normal (Wald) interval it stays inside [0, 1] and is sensible at 0 or n
 * successes. n = 0 gives [0, 1] (nothing is known).
 *
 * Reference values (scipy 1.17, z = norm.ppf(0.975) = 1.95996, so equal to 4 decimals):
 *   from scipy.stats import binomtest
 *   binomtest(50, 100).proportion_ci(0.95, method="wilson")  # (0.403832, 0.596168)
 *   binomtest(0, 10)   → (0, 0.277533);   binomtest(81, 263) → (0.255289, 0.366210)
 */
export function wilson(correct: number, n: number, z = 1.96): [number, number] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(correct) || correct < 0 || correct > n) throw new RangeError(`correct must be an integer in 0..${n}, got ${correct}`);
  if (!(z > 0)) throw new RangeError(`z must be positive, got ${z}`);
  if (n === 0) return [0, 1];
  const p = correct / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // At 0 or n successes the formula gives exactly 0 or 1 up to rounding; pin them.
  const lower = correct === 0 ? 0 : Math.max(0, centre - half);
  const upper = correct === n ? 1 : Math.min(1, centre + half);
  return [lower, upper];
}

/**
 * A 95 % (or `level`) interval for a difference: a − b of two means, or mean − μ₀ of one sample.
 * `method` says how it was made; `df` is the t distribution's degrees of freedom (null for the
 * bootstrap, and for a point interval where no spread was seen).
 */
export interface DiffInterval {
  diff: number;
  lo: number;
  hi: number;
  level: number;
  method: "welch" | "one-sample-t" | "bootstrap";
  df: number | null;
}

/**
 * From how many values on each side the difference of two means is bootstrapped instead of
 * Welch's t. Below it the percentile bootstrap under-covers (with 3 seeds a side it resamples
 * only 10 distinct means), while Welch's t, whose df shrink with n, stays honest; from 10 a side
 * the bootstrap no longer leans on normality, which bounded, skewed values (accuracies near 100 %,
 * γ fractions near 0) lack.
 */
export const BOOTSTRAP_MIN_N = 10;

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
}

/**
 * Welch's t interval of mean(a) − mean(b), with the Welch–Satterthwaite degrees of freedom
 * (unequal variances; needs ≥ 2 values a side). When neither side varies the interval is the
 * point difference (df null).
 */
export function welchInterval(a: ArrayLike<number>, b: ArrayLike<number>, level = 0.95): DiffInterval {
  checkLevel(level);
  if (a.length < 2 || b.length < 2) throw new RangeError(`Welch's interval needs ≥ 2 values a side, got ${a.length} and ${b.length}`);
  const diff = mean(a) - mean(b);
  const va = sampleSd(a) ** 2 / a.length;
  const vb = sampleSd(b) ** 2 / b.length;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { diff, lo: diff, hi: diff, level, method: "welch", df: null };
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const half = studentTQuantile(1 - (1 - level) / 2, df) * se;
  return { diff, lo: diff - half, hi: diff + half, level, method: "welch", df };
}

/** The t interval of mean(values) − μ₀ (n − 1 df; needs ≥ 2 values): paired differences, or against a constant such as chance. */
export function oneSampleInterval(values: ArrayLike<number>, mu0 = 0, level = 0.95): DiffInterval {
  checkLevel(level);
  if (values.length < 2) throw new RangeError(`a one-sample interval needs ≥ 2 values, got ${values.length}`);
  const diff = mean(values) - mu0;
  const se = sampleSd(values) / Math.sqrt(values.length);
  if (se === 0) return { diff, lo: diff, hi: diff, level, method: "one-sample-t", df: null };
  const df = values.length - 1;
  const half = studentTQuantile(1 - (1 - level) / 2, df) * se;
  return { diff, lo: diff - half, hi: diff + half, level, method: "one-sample-t", df };
}

/**
 * The percentile bootstrap interval of mean(a) − mean(b): each side resampled with replacement,
 * `resamples` times, from a seeded generator, so the same values always give the same interval.
 */
export function bootstrapDiffInterval(a: ArrayLike<number>, b: ArrayLike<number>, opts: { level?: number; resamples?: number; seed?: number } = {}): DiffInterval {
  const level = opts.level ?? 0.95;
  const resamples = opts.resamples ?? 10_000;
  checkLevel(level);
  if (a.length < 1 || b.length < 1) throw new RangeError(`a bootstrap needs values on both sides, got ${a.length} and ${b.length}`);
  if (!Number.isInteger(resamples) || resamples < 100) throw new RangeError(`resamples must be an integer ≥ 100, got ${resamples}`);
  const rng = createRng(opts.seed ?? 0);
  const resampledMean = (xs: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += xs[rng.int(xs.length)];
    return s / xs.length;
  };
  const diffs = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) diffs[r] = resampledMean(a) - resampledMean(b);
  diffs.sort();
  const [lo, hi] = quantilesSorted(diffs, [(1 - level) / 2, 1 - (1 - level) / 2]).map((q) => q.value);
  return { diff: mean(a) - mean(b), lo, hi, level, method: "bootstrap", df: null };
}

/** The interval of mean(a) − mean(b) a verdict uses: Welch's t below BOOTSTRAP_MIN_N values a side, the bootstrap from there. */
export function diffInterval(a: ArrayLike<number>, b: ArrayLike<number>, level = 0.95): DiffInterval {
  return Math.min(a.length, b.length) >= BOOTSTRAP_MIN_N ? bootstrapDiffInterval(a, b, { level }) : welchInterval(a, b, level);
}
