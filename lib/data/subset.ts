import { createRng, deriveSeed, permutation } from "../random";
import type { ImageSet } from "./types";

function exampleSize(set: ImageSet): number {
  return set.height * set.width * set.channels;
}

/** A new ImageSet holding copies of the given examples, in the given order. */
export function selectExamples(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const size = exampleSize(set);
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    if (!(j >= 0 && j < set.count)) throw new RangeError(`example index ${j} out of range 0..${set.count - 1}`);
    images.set(set.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = set.labels[j];
  }
  return { ...set, images, labels, count: indices.length };
}

/**
 * n distinct example indices of 0..count-1 drawn at random from the seed (the first n of a seeded
 * permutation), in increasing order so the subset keeps the file's order.
 */
export function randomSubsetIndices(count: number, n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 0 || n > count) throw new RangeError(`subset size must be an integer in 0..${count}, got ${n}`);
  return permutation(count, createRng(deriveSeed(seed, "subset"))).slice(0, n).sort();
}

/** The first n examples (a copy, so the full set can be freed). Deterministic by construction. */
export function takeFirst(set: ImageSet, n: number): ImageSet {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`subset must be a non-negative integer, got ${n}`);
  if (n >= set.count) return set;
  const size = exampleSize(set);
  return { ...set, images: set.images.slice(0, n * size), labels: set.labels.slice(0, n), count: n };
}

/**
 * Holds out n examples of a training set for validation. The held-out indices are a seeded random
 * choice (so the holdout is not biased by file order); both parts keep the original order.
 */
export function splitHoldout(set: ImageSet, n: number, seed: number): { train: ImageSet; holdout: ImageSet } {
  if (!Number.isInteger(n) || n < 0 || n > set.count) {
    throw new RangeError(`holdout size must be an integer in 0..${set.count}, got ${n}`);
  }
  const perm = permutation(set.count, createRng(deriveSeed(seed, "holdout")));
  const held = new Uint8Array(set.count);
  for (let i = 0; i < n; i++) held[perm[i]] = 1;
  const holdoutIdx: number[] = [];
  const trainIdx: number[] = [];
  for (let i = 0; i < set.count; i++) (held[i] ? holdoutIdx : trainIdx).push(i);
  return { train: selectExamples(set, trainIdx), holdout: selectExamples(set, holdoutIdx) };
}
