import { describe, expect, it } from "vitest";

import { batchCount, iterateBatches, type BatchOptions } from "../../../lib/data/batches";
import { toFloat } from "../../../lib/data/normalize";
import type { ImageSet } from "../../../lib/data/types";

/** Each example's pixels all equal its index, so a batch row tells which example it is. */
function indexedSet(count: number): ImageSet {
  const size = 4 * 4 * 1;
  const images = new Uint8Array(count * size);
  for (let n = 0; n < count; n++) images.fill(n, n * size, (n + 1) * size);
  const labels = Uint8Array.from({ length: count }, (_, n) => n % 10);
  return { images, labels, count, height: 4, width: 4, channels: 1, classes: 10 };
}

const base: BatchOptions = { batchSize: 16, shuffle: true, seed: 7, epoch: 0, augment: false, mean: [0], std: [1 / 255] };

/** Example order of an epoch, read back from the pixel values (with mean 0, std 1/255, x = v). */
function order(set: ImageSet, opts: Partial<BatchOptions> = {}): number[] {
  const out: number[] = [];
  for (const b of iterateBatches(set, { ...base, ...opts })) for (let i = 0; i < b.size; i++) out.push(Math.round(b.x[i * 16]));
  return out;
}

describe("batchCount", () => {
  it("counts a smaller last batch unless dropLast", () => {
    expect(batchCount(100, 16)).toBe(7);
    expect(batchCount(100, 16, true)).toBe(6);
    expect(batchCount(96, 16)).toBe(6);
    expect(batchCount(0, 16)).toBe(0);
    expect(() => batchCount(10, 0)).toThrow(/batchSize/);
  });
});

describe("iterateBatches", () => {
  const set = indexedSet(100);

  it("yields every example exactly once per epoch, the last batch smaller", () => {
    const batches = [...iterateBatches(set, base)];
    expect(batches.map((b) => b.size)).toEqual([16, 16, 16, 16, 16, 16, 4]);
    expect(batches.map((b) => b.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(batches[6].x.length).toBe(4 * 16);
    const seen = order(set);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // Labels travel with their images.
    for (const b of batches) for (let i = 0; i < b.size; i++) expect(b.labels[i]).toBe(Math.round(b.x[i * 16]) % 10);
  });

  it("same seed and epoch → same order; another epoch or seed → another order", () => {
    const a = order(set);
    expect(order(set)).toEqual(a);
    expect(order(set, { epoch: 1 })).not.toEqual(a);
    expect(order(set, { seed: 8 })).not.toEqual(a);
    expect(order(set, { shuffle: false })).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("drops the last batch on request and resumes mid-epoch at the same examples", () => {
    expect([...iterateBatches(set, { ...base, dropLast: true })].map((b) => b.size)).toEqual([16, 16, 16, 16, 16, 16]);
    const full = [...iterateBatches(set, { ...base, augment: true })];
    const resumed = [...iterateBatches(set, { ...base, augment: true, startBatch: 4 })];
    expect(resumed.map((b) => b.index)).toEqual([4, 5, 6]);
    expect(resumed[0]).toEqual(full[4]);
  });

  it("hands out fresh buffers", () => {
    const [a, b] = [...iterateBatches(set, base)];
    expect(a.x).not.toBe(b.x);
    expect(a.x.buffer).not.toBe(b.x.buffer);
    expect(a.labels.buffer).not.toBe(b.labels.buffer);
  });

  it("normalises without augmentation", () => {
    const rgb: ImageSet = { images: Uint8Array.from([0, 128, 255, 10, 20, 30]), labels: Uint8Array.from([1, 2]), count: 2, height: 1, width: 1, channels: 3, classes: 10 };
    const mean = [0.4914, 0.4822, 0.4465];
    const std = [0.247, 0.2435, 0.2616];
    const [b] = [...iterateBatches(rgb, { ...base, shuffle: false, mean, std })];
    expect(b.x).toEqual(toFloat(rgb.images, mean, std));
    expect(Array.from(b.labels)).toEqual([1, 2]);
  });

  it("augments deterministically per seed and epoch", () => {
    const big = indexedSet(40);
    const aug = (opts: Partial<BatchOptions>) => [...iterateBatches(big, { ...base, augment: true, ...opts })].map((b) => Array.from(b.x));
    const a = aug({});
    expect(aug({})).toEqual(a);
    expect(aug({ epoch: 3 })).not.toEqual(a);
    // With a 4×4 image and pad 4, most crops show some padding (value 0 here).
    expect(a.flat().some((v) => v === 0)).toBe(true);
  });

  it("checks mean/std against the channels", () => {
    expect(() => [...iterateBatches(set, { ...base, mean: [0, 0, 0], std: [1, 1, 1] })]).toThrow(/3 channels, images have 1/);
  });
});
