/** Shuffled, optionally augmented, normalised NHWC float batches for training and evaluation. */
import { createRng, deriveSeed, permutation } from "../random";
import { CIFAR_PAD, cropFlipInto, sampleCropFlip } from "./augment";
import { normalizationTable } from "./normalize";
import type { ImageSet } from "./types";

export interface BatchOptions {
  batchSize: number;
  /** Shuffle with a permutation drawn from (seed, epoch), so epoch E has the same order on resume. */
  shuffle: boolean;
  seed: number;
  epoch: number;
  /** Random crop (zero padding `pad`, default 4) + horizontal flip, drawn from (seed, epoch, batch). */
  augment: boolean;
  pad?: number;
  mean: readonly number[];
  std: readonly number[];
  /** Skip a last batch smaller than batchSize. */
  dropLast?: boolean;
  /** Start at this batch index (resume mid-epoch); earlier batches are not computed. */
  startBatch?: number;
}

export interface Batch {
  /** size*H*W*C floats, NHWC. */
  x: Float32Array;
  labels: Int32Array;
  size: number;
  index: number;
}

export function batchCount(count: number, batchSize: number, dropLast = false): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  return dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}

/** The order in which a shuffled epoch visits the examples (also what another framework replays). */
export function epochOrder(count: number, seed: number, epoch: number): Int32Array {
  return permutation(count, createRng(deriveSeed(seed, `shuffle/epoch-${epoch}`)));
}

/**
 * Yields the batches of one epoch.
 *
 * Buffers: every batch gets fresh `x` and `labels` arrays. tfjs's `tensor(values)` may keep the
 * caller's array without copying (the cpu backend does), so reusing one buffer would silently
 * rewrite a batch the consumer still holds; a 128×32×32×3 batch is 1.5 MB, small next to a step.
 * What is reused is the normalisation table and the epoch's permutation.
 */
export function* iterateBatches(set: ImageSet, opts: BatchOptions): Generator<Batch> {
  const { batchSize, seed, epoch, dropLast = false, startBatch = 0, pad = CIFAR_PAD } = opts;
  if (opts.mean.length !== set.channels) {
    throw new RangeError(`mean/std have ${opts.mean.length} channels, images have ${set.channels}`);
  }
  const table = normalizationTable(opts.mean, opts.std);
  const shape = { height: set.height, width: set.width, channels: set.channels };
  const size = set.height * set.width * set.channels;
  const order = opts.shuffle ? epochOrder(set.count, seed, epoch) : null;
  const batches = batchCount(set.count, batchSize, dropLast);
  const identity = { dy: pad, dx: pad, flip: false };

  for (let index = startBatch; index < batches; index++) {
    const start = index * batchSize;
    const n = Math.min(batchSize, set.count - start);
    const x = new Float32Array(n * size);
    const labels = new Int32Array(n);
    const rng = opts.augment ? createRng(deriveSeed(seed, `augment/epoch-${epoch}/batch-${index}`)) : null;
    for (let i = 0; i < n; i++) {
      const j = order ? order[start + i] : start + i;
      labels[i] = set.labels[j];
      const t = rng ? sampleCropFlip(rng, pad) : identity;
      cropFlipInto(set.images, j * size, shape, t, pad, table, x, i * size);
    }
    yield { x, labels, size: n, index };
  }
}
