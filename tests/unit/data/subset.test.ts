import { describe, expect, it } from "vitest";

import { randomSubsetIndices, selectExamples, splitHoldout, takeFirst } from "../../../lib/data/subset";
import type { ImageSet } from "../../../lib/data/types";

const set: ImageSet = {
  images: Uint8Array.from({ length: 20 * 2 }, (_, i) => Math.floor(i / 2)),
  labels: Uint8Array.from({ length: 20 }, (_, n) => n % 3),
  count: 20,
  height: 1,
  width: 2,
  channels: 1,
  classes: 3,
};

const ids = (s: ImageSet): number[] => Array.from({ length: s.count }, (_, n) => s.images[n * 2]);

describe("subsets", () => {
  it("takeFirst keeps the first n, copied", () => {
    const s = takeFirst(set, 5);
    expect(ids(s)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(s.labels)).toEqual([0, 1, 2, 0, 1]);
    expect(s.images.buffer).not.toBe(set.images.buffer);
    expect(takeFirst(set, 50)).toBe(set);
    expect(() => takeFirst(set, -1)).toThrow(/non-negative integer/);
  });

  it("randomSubsetIndices draws n distinct indices from the seed, in file order", () => {
    const a = Array.from(randomSubsetIndices(20, 8, 4));
    expect(a).toHaveLength(8);
    expect(new Set(a).size).toBe(8);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(a.every((i) => i >= 0 && i < 20)).toBe(true);
    expect(Array.from(randomSubsetIndices(20, 8, 4))).toEqual(a);
    expect(Array.from(randomSubsetIndices(20, 8, 5))).not.toEqual(a);
    expect(a).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(() => randomSubsetIndices(20, 21, 0)).toThrow(/0\.\.20/);
  });

  it("selectExamples copies in the given order", () => {
    const s = selectExamples(set, [5, 2]);
    expect(ids(s)).toEqual([5, 2]);
    expect(Array.from(s.labels)).toEqual([2, 2]);
    expect(() => selectExamples(set, [20])).toThrow(/out of range/);
  });

  it("splitHoldout partitions deterministically per seed", () => {
    const { train, holdout } = splitHoldout(set, 6, 1);
    expect(holdout.count).toBe(6);
    expect(train.count).toBe(14);
    expect([...ids(train), ...ids(holdout)].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Both parts keep the original order, and the holdout is not simply the tail.
    expect(ids(train)).toEqual([...ids(train)].sort((a, b) => a - b));
    expect(ids(holdout)).not.toEqual([14, 15, 16, 17, 18, 19]);
    expect(splitHoldout(set, 6, 1)).toEqual({ train, holdout });
    expect(ids(splitHoldout(set, 6, 2).holdout)).not.toEqual(ids(holdout));
    expect(() => splitHoldout(set, 21, 1)).toThrow(/0..20/);
  });
});
