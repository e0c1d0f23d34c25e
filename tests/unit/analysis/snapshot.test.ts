/**
 * The threshold arithmetic the pages do on γ snapshots (lib/analysis/snapshot) counts and chooses
 * exactly the channels the analyses do from the state dict (fractionBelow, thresholdMask,
 * prunePercent), so a page, the API and a downloaded mask agree.
 */
import { describe, expect, it } from "vitest";
import { prunePercent, thresholdMask } from "../../../lib/analysis/ablation";
import { fractionBelow } from "../../../lib/analysis/gamma";
import { countsBelow, fractionBelowOf, removedAt, thresholdForPercent, thresholdRange, type GammaSnapshot } from "../../../lib/analysis/snapshot";
import { histogram } from "../../../lib/analysis/stats";
import { heatmapLayers, trainedGammas } from "../charts/helpers";

const { now } = trainedGammas();
const g: GammaSnapshot = { runId: "r-bn-s0", mode: "bn", epoch: 12, layers: heatmapLayers(now), histogram: histogram(now.gamma, { bins: 30 }) };

describe("threshold arithmetic on snapshots", () => {
  it("counts |γ| < t per layer exactly as fractionBelow and thresholdMask do", () => {
    for (const t of [1e-4, 1e-3, 0.00125, 0.01, 0.0137, 0.1, 0.5, 2]) {
      const ref = fractionBelow(now, t);
      const mask = thresholdMask(now, t);
      expect(countsBelow(g, t)).toEqual(ref.layers.map((l) => l.count));
      expect(removedAt(g, t).layers.map((l) => l.removed)).toEqual(mask.layers.map((l) => l.removedCount));
      const mine = fractionBelowOf(g, t);
      expect(mine.count).toBe(ref.count);
      expect(mine.fraction).toBe(ref.fraction);
    }
  });

  it("a γ of exactly float32(t) is not below t", () => {
    const v = g.layers[1].absGammaSorted.find((x) => x > 0)!;
    expect(countsBelow(g, v)[1]).toBe(g.layers[1].absGammaSorted.filter((x) => x < v).length);
  });

  it("thresholdForPercent is prunePercent", () => {
    for (const p of [0, 1, 10, 25, 50, 99, 100]) expect(thresholdForPercent(g, p)).toBe(prunePercent(now, p));
    expect(() => thresholdForPercent(g, 101)).toThrow(RangeError);
  });

  it("a slider range covers the data in whole decades", () => {
    const [lo, hi] = thresholdRange(g);
    expect(lo).toBeLessThanOrEqual(-4);
    expect(hi).toBeGreaterThanOrEqual(1);
    expect(thresholdRange(null)).toEqual([-4, 1]);
  });
});

