import { describe, expect, it } from "vitest";
import { RunConfig } from "../../../lib/run/config";
import { learningRate, milestones } from "../../../trainer/schedule";

const training = (t: Record<string, unknown>) => RunConfig.parse({ training: t }).training;

describe("learning-rate schedule", () => {
  it("is the paper's recipe by default: 0.1, ÷10 at epochs 80 and 120 of 160", () => {
    const t = training({});
    expect(milestones(t)).toEqual([80, 120]);
    const spe = 391;
    expect(learningRate(t, 0, spe)).toBe(0.1);
    expect(learningRate(t, 80 * spe - 1, spe)).toBe(0.1);
    expect(learningRate(t, 80 * spe, spe)).toBeCloseTo(0.01, 12);
    expect(learningRate(t, 120 * spe, spe)).toBeCloseTo(0.001, 12);
  });

  it("scales the milestones to short runs at the same fractions", () => {
    expect(milestones(training({ epochs: 4 }))).toEqual([2, 3]);
    expect(milestones(training({ epochs: 16 }))).toEqual([8, 12]);
    expect(learningRate(training({ epochs: 4 }), 2 * 10, 10)).toBeCloseTo(0.01, 12);
  });

  it("honours explicit milestones and decay", () => {
    const t = training({ milestones: [3, 1], lrDecay: 0.5, lr: 0.2 });
    expect(milestones(t)).toEqual([1, 3]);
    expect(learningRate(t, 0, 5)).toBe(0.2);
    expect(learningRate(t, 5, 5)).toBe(0.1);
    expect(learningRate(t, 15, 5)).toBe(0.05);
  });

  it("warms up linearly", () => {
    const t = training({ warmupEpochs: 1 });
    expect(learningRate(t, 0, 10)).toBeCloseTo(0.01, 12);
    expect(learningRate(t, 4, 10)).toBeCloseTo(0.05, 12);
    expect(learningRate(t, 9, 10)).toBeCloseTo(0.1, 12);
    expect(learningRate(t, 10, 10)).toBe(0.1);
  });
});
