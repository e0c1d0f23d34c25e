import { describe, expect, it } from "vitest";

import { syntheticDataset, syntheticPrototypes } from "../../../lib/data/synthetic";
import type { ImageSet } from "../../../lib/data/types";

const small = { count: 300, height: 8, width: 8, channels: 3, classes: 5 };

/** Per-class mean image of a set: a nearest-class-mean classifier stands in for "a tiny net can learn it". */
function classMeans(set: ImageSet): Float64Array[] {
  const size = set.height * set.width * set.channels;
  const sums = Array.from({ length: set.classes }, () => new Float64Array(size));
  const counts = new Array(set.classes).fill(0);
  for (let n = 0; n < set.count; n++) {
    const k = set.labels[n];
    counts[k]++;
    for (let i = 0; i < size; i++) sums[k][i] += set.images[n * size + i];
  }
  return sums.map((s, k) => s.map((v) => v / counts[k]));
}

function nearestMeanAccuracy(train: ImageSet, test: ImageSet): number {
  const means = classMeans(train);
  const size = test.height * test.width * test.channels;
  let correct = 0;
  for (let n = 0; n < test.count; n++) {
    let best = -1;
    let bestD = Infinity;
    means.forEach((m, k) => {
      let d = 0;
      for (let i = 0; i < size; i++) d += (test.images[n * size + i] - m[i]) ** 2;
      if (d < bestD) [best, bestD] = [k, d];
    });
    if (best === test.labels[n]) correct++;
  }
  return correct / test.count;
}

describe("syntheticDataset", () => {
  it("is deterministic per seed", () => {
    const a = syntheticDataset({ seed: 3, split: "train", ...small });
    const b = syntheticDataset({ seed: 3, split: "train", ...small });
    const c = syntheticDataset({ seed: 4, split: "train", ...small });
    expect(a).toEqual(b);
    expect(a.images).not.toEqual(c.images);
    expect(a).toMatchObject({ count: 300, height: 8, width: 8, channels: 3, classes: 5 });
    expect(a.images.length).toBe(300 * 8 * 8 * 3);
  });

  it("has balanced labels in a shuffled order", () => {
    const set = syntheticDataset({ seed: 1, split: "test", ...small });
    const counts = new Array(5).fill(0);
    for (const l of set.labels) counts[l]++;
    expect(counts).toEqual([60, 60, 60, 60, 60]);
    expect(Array.from(set.labels.subarray(0, 10))).not.toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
  });

  it("draws train and test examples differently from shared prototypes", () => {
    const train = syntheticDataset({ seed: 9, split: "train", ...small });
    const test = syntheticDataset({ seed: 9, split: "test", ...small });
    expect(train.images).not.toEqual(test.images);
    // Same prototypes: class means of the two splits are close, and far from other classes'.
    const mt = classMeans(train);
    const ms = classMeans(test);
    const dist = (a: Float64Array, b: Float64Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length);
    for (let k = 0; k < 5; k++) {
      expect(dist(mt[k], ms[k])).toBeLessThan(15);
      expect(dist(mt[k], ms[(k + 1) % 5])).toBeGreaterThan(30);
    }
    expect(syntheticPrototypes(9, 5, 8, 8, 3)).toEqual(syntheticPrototypes(9, 5, 8, 8, 3));
  });

  it("is learnable: nearest class mean is far above chance on the test split", () => {
    const train = syntheticDataset({ seed: 5, split: "train", count: 500, height: 16, width: 16, channels: 3, classes: 10 });
    const test = syntheticDataset({ seed: 5, split: "test", count: 200, height: 16, width: 16, channels: 3, classes: 10 });
    expect(nearestMeanAccuracy(train, test)).toBeGreaterThan(0.8);
  });

  it("uses the defaults and the 0.5 / 0.25 scale roughly", () => {
    const set = syntheticDataset({ seed: 0, split: "test" });
    expect(set).toMatchObject({ count: 512, height: 16, width: 16, channels: 3, classes: 10 });
    const mean = set.images.reduce((s, v) => s + v, 0) / set.images.length / 255;
    expect(mean).toBeGreaterThan(0.4);
    expect(mean).toBeLessThan(0.6);
  });

  it("rejects bad sizes", () => {
    expect(() => syntheticDataset({ seed: 0, split: "train", height: 0 })).toThrow(/height must be an integer >= 1/);
    expect(() => syntheticDataset({ seed: 0, split: "train", classes: 300 })).toThrow(/at most 256/);
  });
});
