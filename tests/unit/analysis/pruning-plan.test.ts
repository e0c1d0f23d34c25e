import { describe, expect, it } from "vitest";
import { DEFAULT_RANDOM_DRAWS, pruneFractionPlan, refineFractions } from "../../../lib/analysis/pruning-plan";

describe("pruning sampling plan", () => {
  it("dense where accuracy falls fastest: 0, 1, 2, 3, 5, 7, 10, 15, 20, 30, … 90 %", () => {
    const plan = pruneFractionPlan();
    expect(plan.slice(0, 9)).toEqual([0, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2]);
    expect(plan[plan.length - 1]).toBe(0.9);
    expect(plan.filter((f) => f < 0.1).length).toBeGreaterThanOrEqual(6);
    expect([...plan].sort((a, b) => a - b)).toEqual(plan);
    expect(DEFAULT_RANDOM_DRAWS).toBeGreaterThanOrEqual(10);
  });

  it("includes the current threshold's fraction, once, and at most one point per channel", () => {
    const plan = pruneFractionPlan({ current: 0.321, channels: 100 });
    expect(plan).toContain(0.32);
    // 100 channels: 0.01 steps are one channel each, nothing finer
    expect(new Set(plan.map((f) => Math.round(f * 100))).size).toBe(plan.length);
    expect(pruneFractionPlan({ channels: 20 })).toEqual([0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
  });

  it("refines where accuracy changes by more than the step, never below one channel", () => {
    const measured = [
      { fraction: 0, accuracy: 0.6 },
      { fraction: 0.1, accuracy: 0.2 },
      { fraction: 0.2, accuracy: 0.18 },
      { fraction: 0.3, accuracy: 0.15 },
    ];
    expect(refineFractions(measured, { maxStep: 0.05, channels: 1000 })).toEqual([0.05]);
    expect(refineFractions([{ fraction: 0, accuracy: 0.6 }, { fraction: 0.001, accuracy: 0.2 }], { maxStep: 0.05, channels: 1000 })).toEqual([]);
  });
});
