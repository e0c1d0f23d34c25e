import { describe, expect, it } from "vitest";

import { normalizationTable, toFloat } from "../../../lib/data/normalize";

describe("toFloat", () => {
  it("computes (v/255 − mean[c]) / std[c] per interleaved channel", () => {
    const mean = [0.4914, 0.4822, 0.4465];
    const std = [0.247, 0.2435, 0.2616];
    const px = Uint8Array.from([0, 128, 255, 255, 0, 51]);
    const out = toFloat(px, mean, std);
    const want = [(0 - 0.4914) / 0.247, (128 / 255 - 0.4822) / 0.2435, (1 - 0.4465) / 0.2616, (1 - 0.4914) / 0.247, -0.4822 / 0.2435, (0.2 - 0.4465) / 0.2616];
    want.forEach((w, i) => expect(out[i]).toBeCloseTo(w, 5));
    // Reference numbers: (0-0.1307)/0.3081 and (1-0.1307)/0.3081.
    const m = toFloat(Uint8Array.from([0, 255]), [0.1307], [0.3081]);
    expect(m[0]).toBeCloseTo(-0.424212, 5);
    expect(m[1]).toBeCloseTo(2.821487, 5);
  });

  it("writes into a given buffer and checks shapes", () => {
    const out = new Float32Array(4);
    expect(toFloat(Uint8Array.from([255, 0]), [0], [1], out)).toBe(out);
    expect(Array.from(out)).toEqual([1, 0, 0, 0]);
    expect(() => toFloat(new Uint8Array(4), [0, 0, 0], [1, 1, 1])).toThrow(/whole number of 3-channel pixels/);
    expect(() => normalizationTable([0.5], [0])).toThrow(/std\[0\] must be positive/);
    expect(() => normalizationTable([0.5, 0.5], [1])).toThrow(/one entry per channel/);
  });
});
