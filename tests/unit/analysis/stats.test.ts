import { describe, expect, it } from "vitest";
import { BOOTSTRAP_MIN_N, bootstrapDiffInterval, diffInterval, histogram, logHistogram, meanSd, oneSampleInterval, pearson, quantiles, welchInterval, wilson } from "../../../lib/analysis/stats";

describe("wilson", () => {
  // Reference: scipy 1.17 binomtest(k, n).proportion_ci(0.95, method="wilson") (z = 1.95996, equal to 4 decimals).
  it.each([
    [50, 100, 0.403832, 0.596168],
    [0, 10, 0, 0.277533],
    [10, 10, 0.722467, 1],
    [81, 263, 0.255289, 0.36621],
    [9, 10, 0.59585, 0.982124],
    [1, 1000, 0.000177, 0.005643],
  ])("%i of %i → [%f, %f]", (k, n, lo, hi) => {
    const [l, h] = wilson(k, n);
    expect(l).toBeCloseTo(lo, 4);
    expect(h).toBeCloseTo(hi, 4);
  });

  it("50/100 at z = 1.96 is [0.4038, 0.5962] and symmetric about 0.5", () => {
    const [l, h] = wilson(50, 100);
    expect(l.toFixed(4)).toBe("0.4038");
    expect(h.toFixed(4)).toBe("0.5962");
    expect(l + h).toBeCloseTo(1, 12);
  });

  it("takes z (99 %: z = 2.5758 → 81/263 in [0.2401, 0.3853]) and rejects nonsense", () => {
    const [l, h] = wilson(81, 263, 2.5758293);
    expect(l).toBeCloseTo(0.240137, 4);
    expect(h).toBeCloseTo(0.385283, 4);
    expect(wilson(0, 0)).toEqual([0, 1]);
    expect(() => wilson(11, 10)).toThrow(/correct/);
    expect(() => wilson(1.5, 10)).toThrow(/correct/);
    expect(() => wilson(1, -1)).toThrow(/n must/);
  });
});

describe("quantiles, mean and sd", () => {
  it("match numpy's linear interpolation", () => {
    // np.quantile(np.arange(1, 11), [0, .01, .05, .25, .5, .75, .95, .99, 1])
    const want = [1, 1.09, 1.45, 3.25, 5.5, 7.75, 9.55, 9.91, 10];
    const got = quantiles([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    got.forEach((g, i) => expect(g.value).toBeCloseTo(want[i], 10));
    expect(got.map((g) => g.q)).toEqual([0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1]);
  });

  it("mean ± sample sd; sd null for one value", () => {
    const m = meanSd([0.5, 0.6, 0.7]);
    expect(m.mean).toBeCloseTo(0.6, 12);
    expect(m.sd).toBeCloseTo(0.1, 12);
    expect(m.n).toBe(3);
    expect(meanSd([0.4])).toEqual({ mean: 0.4, sd: null, n: 1 });
  });

  it("pearson: ±1 for linear relations, null when undefined", () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNull();
    expect(pearson([1], [1])).toBeNull();
  });
});

describe("histograms", () => {
  it("linear bins match numpy.histogram (last bin closed)", () => {
    // np.histogram(np.arange(0, 11), bins=5) → [2, 2, 2, 2, 3], edges 0, 2, …, 10
    const h = histogram(Array.from({ length: 11 }, (_, i) => i), { bins: 5 });
    expect(h.edges).toEqual([0, 2, 4, 6, 8, 10]);
    expect(h.counts).toEqual([2, 2, 2, 2, 3]);
    expect(h.total).toBe(11);
    // np.histogram([-1.5, -0.2, 0, 0.2, 0.7, 1.5], bins=3) → [1, 3, 2]
    expect(histogram([-1.5, -0.2, 0, 0.2, 0.7, 1.5], { bins: 3 }).counts).toEqual([1, 3, 2]);
    // np.histogram([3, 3, 3], bins=2) → [0, 3], edges 2.5, 3, 3.5
    const c = histogram([3, 3, 3], { bins: 2 });
    expect(c.edges).toEqual([2.5, 3, 3.5]);
    expect(c.counts).toEqual([0, 3]);
  });

  it("a given range sends the rest to under/overflow", () => {
    const h = histogram([-1, 0, 0.5, 1, 2], { bins: 2, range: [0, 1] });
    expect(h.counts).toEqual([1, 2]);
    expect([h.underflow, h.overflow, h.total]).toEqual([1, 1, 5]);
  });

  it("log10 bins count exact zeros apart; float32 values sit on float32 edges", () => {
    const values = Float32Array.from([0, 0, 0.001, 0.01, 0.1, 1, 0.5]);
    // Default range: [smallest positive, largest] = [float32(0.001), 1].
    const d = logHistogram(values, { bins: 3 });
    [0.001, 0.01, 0.1, 1].forEach((e, i) => expect(d.edges[i]).toBeCloseTo(e, 8));
    expect(d.counts.reduce((a, b) => a + b, 0) + d.zeros).toBe(7);
    const h = logHistogram(values, { bins: 3, range: [0.001, 1] });
    expect(h.edges).toEqual([0.001, 0.01, 0.1, 1]);
    // float32(0.01) is 0.0099999998 < 0.01, but it is compared with float32(0.01), as PyTorch would.
    expect(h.counts).toEqual([1, 1, 3]);
    expect(h.zeros).toBe(2);
    expect(h.underflow + h.overflow).toBe(0);
    const r = logHistogram(values, { bins: 2, range: [0.01, 1] });
    expect(r.edges).toEqual([0.01, 0.1, 1]);
    expect([r.counts, r.underflow, r.zeros]).toEqual([[1, 3], 1, 2]);
    expect(() => logHistogram([-1])).toThrow(/negative/);
    expect(() => histogram([NaN])).toThrow(/finite/);
  });
});

describe("mean of equal values", () => {
  it("is exact, so the sd of identical accuracies is exactly 0", () => {
    expect(meanSd([0.1, 0.1, 0.1])).toEqual({ mean: 0.1, sd: 0, n: 3 });
  });
});

/*
 * Reference values: scipy 1.17.1.
 *   r = stats.ttest_ind(a, b, equal_var=False); ci = r.confidence_interval(0.95); print(ci.low, ci.high, r.df)
 *   r = stats.ttest_1samp([0.12, 0.18, 0.15], 0.1); ci = r.confidence_interval(0.95)  # minus 0.1
 */
describe("intervals of a difference", () => {
  it.each([
    [[0.61, 0.58, 0.64], [0.42, 0.47], 0.165, 0.03182300622860271, 0.2981769937713974, 1.9641319942611213],
    [[0.9, 0.91, 0.93, 0.88], [0.95, 0.96, 0.94], -0.045, -0.07666609398550839, -0.013333906014491255, 4.492227979274612],
    [[0.5, 0.7], [0.45, 0.46, 0.47, 0.44, 0.48], 0.14, -1.1043194364035083, 1.3843194364035085, 1.0100186873832038],
  ])("Welch %j − %j matches scipy", (a, b, diff, lo, hi, df) => {
    const w = welchInterval(a, b);
    expect(w.diff).toBeCloseTo(diff, 12);
    expect(w.lo).toBeCloseTo(lo, 9);
    expect(w.hi).toBeCloseTo(hi, 9);
    expect(w.df).toBeCloseTo(df, 9);
    expect(w.method).toBe("welch");
  });

  it("one-sample t matches scipy; no spread gives the point", () => {
    const o = oneSampleInterval([0.12, 0.18, 0.15], 0.1);
    expect(o.diff).toBeCloseTo(0.05, 12);
    expect(o.lo).toBeCloseTo(-0.024524131352509915, 9);
    expect(o.hi).toBeCloseTo(0.12452413135250989, 9);
    expect(o.df).toBe(2);
    expect(welchInterval([0.5, 0.5], [0.4, 0.4])).toMatchObject({ lo: 0.09999999999999998, hi: 0.09999999999999998, df: null });
    expect(() => welchInterval([0.5], [0.4, 0.3])).toThrow(/≥ 2 values a side/);
    expect(() => oneSampleInterval([0.5])).toThrow(/≥ 2 values/);
  });

  it("the bootstrap is seeded, brackets the difference, and is used from BOOTSTRAP_MIN_N a side", () => {
    const a = [0.81, 0.79, 0.84, 0.8, 0.82, 0.83, 0.78, 0.85, 0.8, 0.81];
    const b = [0.7, 0.72, 0.69, 0.74, 0.71, 0.7, 0.73, 0.68, 0.72, 0.71];
    const boot = bootstrapDiffInterval(a, b, { seed: 3 });
    expect(bootstrapDiffInterval(a, b, { seed: 3 })).toEqual(boot);
    expect(boot.lo).toBeLessThan(boot.diff);
    expect(boot.hi).toBeGreaterThan(boot.diff);
    // With normal-looking data, the bootstrap and Welch agree to within a few thousandths.
    const w = welchInterval(a, b);
    expect(Math.abs(boot.lo - w.lo)).toBeLessThan(0.005);
    expect(Math.abs(boot.hi - w.hi)).toBeLessThan(0.005);
    expect(BOOTSTRAP_MIN_N).toBe(10);
    expect(diffInterval(a, b).method).toBe("bootstrap");
    expect(diffInterval(a.slice(0, 9), b).method).toBe("welch");
  });
});
