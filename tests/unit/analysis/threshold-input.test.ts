import { describe, expect, it } from "vitest";
import { parsePercentInput, parseThresholdInput } from "../../../lib/analysis/threshold-input";

describe("threshold and percent inputs", () => {
  it("a threshold is a positive finite number; anything else says what is allowed", () => {
    expect(parseThresholdInput("0.01")).toEqual({ ok: true, value: 0.01 });
    expect(parseThresholdInput(" 1e-3 ")).toEqual({ ok: true, value: 0.001 });
    for (const bad of ["-5", "0", "", "abc", "Infinity", "NaN"]) {
      const r = parseThresholdInput(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.message).toMatch(/t must be a number greater than 0/);
    }
  });

  it("a percentage is in [0, 100], decimals allowed", () => {
    expect(parsePercentInput("3.2")).toEqual({ ok: true, value: 3.2 });
    expect(parsePercentInput("0")).toEqual({ ok: true, value: 0 });
    expect(parsePercentInput("100")).toEqual({ ok: true, value: 100 });
    for (const bad of ["150", "-1", "", "x"]) {
      const r = parsePercentInput(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.message).toMatch(/between 0 and 100/);
    }
  });
});
