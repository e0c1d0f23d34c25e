import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { syntheticDataset } from "../../../lib/data/synthetic";
import { evaluateAblation } from "../../../lib/eval/ablation";
import { pruningCurve } from "../../../lib/eval/pruning";
import { baseStateDict, SPEC } from "../analysis/helpers";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const MEAN = [0.5, 0.5, 0.5];
const STD = [0.25, 0.25, 0.25];

describe("pruningCurve", () => {
  it("evaluates γ and random pruning; f = 0 equals the unablated accuracy with sd 0", async () => {
    const set = syntheticDataset({ seed: 3, split: "test", count: 120, height: 8, width: 8 });
    const sd = baseStateDict(5);
    const before = tf.memory().numTensors;
    const curve = await pruningCurve(sd, SPEC, set, { mean: MEAN, std: STD, fractions: [0, 0.5, 1], seeds: [0, 1, 2], count: 100 });
    expect(tf.memory().numTensors).toBe(before);
    expect(curve.count).toBe(100);
    expect(curve.seeds).toEqual([0, 1, 2]);
    expect(curve.mode).toBe("zero");
    expect(curve.includeShortcut).toBe(true);
    expect(curve.points.map((p) => p.removed)).toEqual([0, 42, 84]);

    const plain = evaluateAblation(sd, SPEC, set, { threshold: 0, mean: MEAN, std: STD, count: 100 });
    const [p0, p50, p100] = curve.points;
    expect(p0.gamma.accuracy).toBe(plain.accuracy);
    expect(p0.random.accuracies).toEqual([plain.accuracy, plain.accuracy, plain.accuracy]);
    expect(p0.random.sd).toBe(0);
    expect(p50.layers.reduce((s, l) => s + l.removed, 0)).toBe(42);
    expect(p50.random.accuracies).toHaveLength(3);
    expect(p50.random.n).toBe(3);
    // Everything removed: γ and random masks are the same mask.
    expect(p100.random.accuracies.every((a) => a === p100.gamma.accuracy)).toBe(true);
    expect(p50.gamma.interval[0]).toBeLessThanOrEqual(p50.gamma.accuracy);
  });

  it("measures ten random masks per point by default, one evaluation per turn, reporting each point", async () => {
    const set = syntheticDataset({ seed: 4, split: "test", count: 40, height: 8, width: 8 });
    const sd = baseStateDict(6);
    let steps = 0;
    let interleaved = 0;
    const seen: number[] = [];
    const curve = await pruningCurve(sd, SPEC, set, { mean: MEAN, std: STD, fractions: [0, 0.01, 0.3], count: 40 }, {
      // Another request's work gets its turn between two evaluations.
      step: async (evaluate) => {
        steps++;
        await new Promise<void>((r) => setImmediate(() => (interleaved++, r())));
        return evaluate();
      },
      onPoint: (partial, planned) => {
        expect(planned).toBe(3);
        seen.push(partial.points.length);
      },
    });
    expect(curve.seeds).toHaveLength(10);
    expect(curve.points.every((p) => p.random.accuracies.length === 10 && p.random.n === 10)).toBe(true);
    expect(steps).toBe(3 * 11);
    expect(interleaved).toBe(steps);
    expect(seen).toEqual([1, 2, 3]);
  });

  it("yields the event loop between evaluations by default", async () => {
    const set = syntheticDataset({ seed: 5, split: "test", count: 20, height: 8, width: 8 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      await pruningCurve(baseStateDict(7), SPEC, set, { mean: MEAN, std: STD, fractions: [0, 0.5], seeds: [0, 1, 2, 3], count: 20 });
    } finally {
      clearInterval(timer);
    }
    // 10 evaluations, each on a later turn: a timer fires between them, not only once at the end.
    expect(ticks).toBeGreaterThan(1);
  });
});
