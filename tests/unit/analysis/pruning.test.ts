import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateAblation } from "../../../lib/analysis/ablation";
import { collectGammas } from "../../../lib/analysis/gamma";
import { pruningCurve, pruningMasks, randomMaskLike } from "../../../lib/analysis/pruning";
import { syntheticDataset } from "../../../lib/data/synthetic";
import { baseStateDict, sequenceStateDict, SPEC } from "./helpers";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const MEAN = [0.5, 0.5, 0.5];
const STD = [0.25, 0.25, 0.25];

const removedIndices = (removed: Uint8Array) => Array.from(removed).flatMap((v, i) => (v ? [i] : []));

describe("pruning masks", () => {
  it("γ-ordered masks remove round(f·N) smallest |γ|; random masks remove the same count in every layer", () => {
    const g = collectGammas(sequenceStateDict(), SPEC);
    const masks = pruningMasks(g, [0, 0.1, 0.5, 0.9], [0, 1, 2]);
    expect(masks.map((m) => m.removed)).toEqual([0, 8, 42, 76]);
    // γ = i/83 in forward order: the smallest 8 are the stem's 4 and blocks.0.bn1's 4.
    expect(masks[1].gamma.layers.map((l) => l.removedCount)).toEqual([4, 4, 0, 0, 0, 0, 0, 0, 0]);
    for (const m of masks) {
      expect(m.gamma.removed).toBe(m.removed);
      expect(m.random).toHaveLength(3);
      for (const r of m.random) {
        expect(r.removed).toBe(m.removed);
        expect(r.layers.map((l) => l.removedCount)).toEqual(m.gamma.layers.map((l) => l.removedCount));
        // The flags really hold those counts.
        expect(r.layers.map((l) => l.removed.reduce((s, v) => s + v, 0))).toEqual(m.gamma.layers.map((l) => l.removedCount));
      }
    }
    // At f = 0.5 blocks.2.bn1 (γ 36/83..51/83) loses channels 0..5 to γ; random picks other channels.
    const layer = 6;
    expect(masks[2].gamma.layers[layer].name).toBe("blocks.2.bn1");
    expect(removedIndices(masks[2].gamma.layers[layer].removed)).toEqual([0, 1, 2, 3, 4, 5]);
    const picks = masks[2].random.map((r) => removedIndices(r.layers[layer].removed).join(","));
    expect(new Set(picks).size).toBeGreaterThan(1);
  });

  it("random masks are reproducible from the seed and differ between seeds", () => {
    const g = collectGammas(baseStateDict(2), SPEC);
    const like = pruningMasks(g, [0.5], [0])[0].gamma;
    const a = randomMaskLike(like, 7);
    const b = randomMaskLike(like, 7);
    const c = randomMaskLike(like, 8);
    const flat = (m: typeof a) => m.layers.map((l) => Array.from(l.removed).join("")).join("|");
    expect(flat(a)).toBe(flat(b));
    expect(flat(a)).not.toBe(flat(c));
    expect(() => pruningMasks(g, [1.5])).toThrow(RangeError);
  });
});

describe("pruningCurve", () => {
  it("evaluates γ and random pruning; f = 0 equals the unablated accuracy with sd 0", () => {
    const set = syntheticDataset({ seed: 3, split: "test", count: 120, height: 8, width: 8 });
    const sd = baseStateDict(5);
    const before = tf.memory().numTensors;
    const curve = pruningCurve(sd, SPEC, set, { mean: MEAN, std: STD, fractions: [0, 0.5, 1], count: 100 });
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
});
