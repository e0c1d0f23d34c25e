/**
 * A seeded, learnable stand-in for real data: each class has a fixed blocky random pattern (its
 * prototype), and an example is its prototype shifted by a few pixels plus Gaussian noise. Train and
 * test share the prototypes (drawn from the seed alone) but draw examples from different streams.
 */
import { createRng, deriveSeed, permutation } from "../random";
import type { ImageSet, Split } from "./types";

export interface SyntheticOptions {
  seed: number;
  split: Split;
  /** Examples; defaults to SYNTHETIC_DEFAULTS.trainCount / testCount by split. */
  count?: number;
  height?: number;
  width?: number;
  channels?: number;
  classes?: number;
  /** Std of the per-pixel Gaussian noise, in 0..255 units. */
  noise?: number;
  /** Largest shift in pixels, each axis, either way. */
  maxShift?: number;
}

export const SYNTHETIC_DEFAULTS = {
  height: 16,
  width: 16,
  channels: 3,
  classes: 10,
  noise: 32,
  maxShift: 2,
  trainCount: 2048,
  testCount: 512,
} as const;

/** Prototype cells are this many pixels square: coarse enough that small shifts keep the class. */
const CELL = 4;
/** Prototype values span [LOW, LOW+RANGE], centred near 127 so mean ≈ 0.5 on the 0..1 scale. */
const LOW = 40;
const RANGE = 175;

/** One HWC float prototype per class, the same for both splits of a seed. */
export function syntheticPrototypes(seed: number, classes: number, height: number, width: number, channels: number): Float32Array[] {
  const rng = createRng(deriveSeed(seed, "synthetic/prototypes"));
  const gh = Math.ceil(height / CELL);
  const gw = Math.ceil(width / CELL);
  const protos: Float32Array[] = [];
  for (let k = 0; k < classes; k++) {
    const grid = new Float32Array(gh * gw * channels);
    for (let i = 0; i < grid.length; i++) grid[i] = LOW + RANGE * rng.next();
    const p = new Float32Array(height * width * channels);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) {
          p[(y * width + x) * channels + c] = grid[(Math.floor(y / CELL) * gw + Math.floor(x / CELL)) * channels + c];
        }
      }
    }
    protos.push(p);
  }
  return protos;
}

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

export function syntheticDataset(opts: SyntheticOptions): ImageSet {
  const d = SYNTHETIC_DEFAULTS;
  const { seed, split, height = d.height, width = d.width, channels = d.channels, classes = d.classes } = opts;
  const { noise = d.noise, maxShift = d.maxShift } = opts;
  const count = opts.count ?? (split === "train" ? d.trainCount : d.testCount);
  for (const [k, v] of Object.entries({ count, height, width, channels, classes })) {
    const min = k === "count" ? 0 : 1;
    if (!Number.isInteger(v) || v < min) throw new RangeError(`synthetic ${k} must be an integer >= ${min}, got ${v}`);
  }
  if (classes > 256) throw new RangeError(`synthetic classes must be at most 256 (uint8 labels), got ${classes}`);

  const protos = syntheticPrototypes(seed, classes, height, width, channels);
  const rng = createRng(deriveSeed(seed, `synthetic/${split}`));
  // Balanced classes in a random order, so any prefix (a subset) is roughly balanced too.
  const order = permutation(count, rng);
  const size = height * width * channels;
  const images = new Uint8Array(count * size);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const label = order[n] % classes;
    labels[n] = label;
    const proto = protos[label];
    const dy = rng.int(2 * maxShift + 1) - maxShift;
    const dx = rng.int(2 * maxShift + 1) - maxShift;
    for (let y = 0; y < height; y++) {
      const sy = clamp(y - dy, 0, height - 1);
      for (let x = 0; x < width; x++) {
        const sx = clamp(x - dx, 0, width - 1);
        for (let c = 0; c < channels; c++) {
          const v = proto[(sy * width + sx) * channels + c] + noise * rng.normal();
          images[n * size + (y * width + x) * channels + c] = clamp(Math.round(v), 0, 255);
        }
      }
    }
  }
  return { images, labels, count, height, width, channels, classes };
}
