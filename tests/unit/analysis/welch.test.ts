import { describe, expect, it } from "vitest";
import { studentTCdf, studentTQuantile, welchInterval } from "../../../lib/analysis/welch";

// References from SciPy 1.x: stats.t.ppf / stats.t.cdf, and Welch's interval computed as
//   va = a.var(ddof=1)/len(a); vb = …; df = (va+vb)**2/(va**2/(na-1)+vb**2/(nb-1));
//   d ± stats.t.ppf(0.975, df)*sqrt(va+vb)
describe("Student's t and Welch's interval", () => {
  it("matches SciPy's t quantiles and CDF, fractional df included", () => {
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.7764451051977934, 9);
    expect(studentTQuantile(0.975, 7.3)).toBeCloseTo(2.345066736547703, 9);
    expect(studentTQuantile(0.025, 2.5)).toBeCloseTo(-3.5746548420036834, 9);
    expect(studentTCdf(1.3, 3.7)).toBeCloseTo(0.8656666379136863, 12);
  });

  it("gives SciPy's Welch interval (issue 12's ResNet-8 BN-only seeds)", () => {
    const w = welchInterval([55.4, 51.9, 58.3, 55.2], [62.6, 58.6, 56.0, 57.1]);
    expect(w.diff).toBeCloseTo(-3.375, 10);
    expect(w.df).toBeCloseTo(5.942826720976298, 9);
    expect(w.low).toBeCloseTo(-8.153302041320147, 8);
    expect(w.high).toBeCloseTo(1.4033020413201616, 8);
  });

  it("refuses fewer than two values a side", () => {
    expect(() => welchInterval([1], [1, 2])).toThrow(/at least two values/);
  });
});
