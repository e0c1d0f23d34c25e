/**
 * bnlab's initialisation has open_lth's distributions (what `kaiming_normal_`, PyTorch's Linear bias
 * default and `uniform_` on BN γ give): the random features BN-only training rescales are these.
 */
import { describe, expect, it } from "vitest";
import { resnetSpec, sizeOf, tensorSpecs } from "../../../lib/models/arch";
import { initialStateDict } from "../../../lib/models/init";

const spec = resnetSpec({ depth: 20, width: 16 });
const sd = initialStateDict(spec, { seed: 5, bnInit: "uniform" });
const values = (name: string) => sd.get(name)!.data as Float32Array;

describe("open_lth initialisation", () => {
  it("draws conv and fc weights He-normal (fan_in, gain √2): normal, not uniform, at the right scale", () => {
    // Pooled over every weight, scaled by its expected std: E[z²] = 1 and E|z| = √(2/π) ≈ 0.798
    // for a normal (a uniform of the same std would give √3/2 ≈ 0.866).
    let n = 0, sq = 0, abs = 0, sum = 0;
    for (const t of tensorSpecs(spec)) {
      if (!t.name.endsWith(".weight") || t.group === "bn") continue;
      const std = Math.sqrt(2 / sizeOf(t.shape.slice(1)));
      for (const v of values(t.name)) {
        const z = v / std;
        n++; sq += z * z; abs += Math.abs(z); sum += z;
      }
    }
    expect(n).toBeGreaterThan(250_000);
    expect(sq / n).toBeCloseTo(1, 1);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.02);
    expect(Math.abs(abs / n - Math.sqrt(2 / Math.PI))).toBeLessThan(0.01);
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
  });

  it("draws the fc bias from U(−1/√in, 1/√in), γ from U[0, 1], and starts β, running mean at 0 and running var at 1", () => {
    const bound = 1 / Math.sqrt(4 * spec.width);
    const bias = values("fc.bias");
    expect(bias.every((v) => Math.abs(v) <= bound)).toBe(true);
    expect(new Set(bias).size).toBe(bias.length);
    const gammas: number[] = [];
    for (const t of tensorSpecs(spec)) {
      if (t.group !== "bn" && t.kind !== "buffer") continue;
      const leaf = t.name.slice(t.name.lastIndexOf(".") + 1);
      if (leaf === "weight") gammas.push(...values(t.name));
      if (leaf === "bias" || leaf === "running_mean") expect(values(t.name).every((v) => v === 0), t.name).toBe(true);
      if (leaf === "running_var") expect(values(t.name).every((v) => v === 1), t.name).toBe(true);
    }
    expect(gammas.every((g) => g >= 0 && g < 1)).toBe(true);
    const mean = gammas.reduce((a, b) => a + b, 0) / gammas.length;
    const variance = gammas.reduce((a, b) => a + (b - mean) ** 2, 0) / gammas.length;
    // U[0,1]: mean 1/2, variance 1/12; over ~1,400 values the sample moments are within a few %.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.01);
  });
});
