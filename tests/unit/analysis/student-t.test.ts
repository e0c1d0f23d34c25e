import { describe, expect, it } from "vitest";
import { incompleteBeta, logGamma, studentTCdf, studentTQuantile } from "../../../lib/analysis/student-t";

/*
 * Reference values: scipy 1.17.1.
 *   from scipy import stats
 *   for p, df in [(0.975, 1), (0.975, 2), …]: print(p, df, repr(stats.t.ppf(p, df)))
 *   for t, df in [(1.0, 1), (2.0, 3.5), …]: print(t, df, repr(stats.t.cdf(t, df)))
 */
describe("Student's t", () => {
  it.each([
    [0.975, 1, 12.706204736174694],
    [0.975, 2, 4.302652729749462],
    [0.975, 3, 3.1824463052837078],
    [0.975, 1.5, 6.016663104427929],
    [0.975, 2.7183, 3.3774059175164584],
    [0.975, 10, 2.228138851986274],
    [0.975, 30, 2.0422724563012378],
    [0.975, 1000, 1.9623390808264083],
    [0.95, 4, 2.1318467863266495],
    [0.995, 5, 4.032142983555228],
    [0.025, 3, -3.1824463052837086],
    [0.9, 0.5, 10.27032441023451],
  ])("quantile(%f, df %f) = %f (scipy)", (p, df, want) => {
    expect(studentTQuantile(p, df)).toBeCloseTo(want, 9);
  });

  it.each([
    [1.0, 1, 0.75],
    [2.0, 3.5, 0.9369307387120432],
    [-0.5, 7, 0.3162035678446422],
    [12.706, 1, 0.9749995988209335],
  ])("cdf(%f, df %f) = %f (scipy)", (t, df, want) => {
    expect(studentTCdf(t, df)).toBeCloseTo(want, 12);
  });

  it("inverts its CDF, is symmetric, and tends to the normal", () => {
    for (const df of [1, 2.5, 7, 40]) {
      for (const p of [0.6, 0.9, 0.99]) {
        const q = studentTQuantile(p, df);
        expect(studentTCdf(q, df)).toBeCloseTo(p, 12);
        expect(studentTQuantile(1 - p, df)).toBeCloseTo(-q, 10);
      }
    }
    expect(studentTQuantile(0.975, 1e7)).toBeCloseTo(1.959964, 5);
    expect(studentTQuantile(0.5, 3)).toBe(0);
  });

  it("its special functions match closed forms; bad input is refused", () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12); // uniform
    expect(incompleteBeta(0.3, 2, 1)).toBeCloseTo(0.09, 12); // x²
    expect(() => studentTQuantile(1, 3)).toThrow(/\(0, 1\)/);
    expect(() => studentTQuantile(0.9, 0)).toThrow(/degrees of freedom/);
  });
});
