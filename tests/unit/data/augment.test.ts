import { describe, expect, it } from "vitest";

import { cropFlipInto, sampleCropFlip, type CropFlip } from "../../../lib/data/augment";
import { normalizationTable, toFloat } from "../../../lib/data/normalize";
import { createRng } from "../../../lib/random";

const shape = { height: 6, width: 5, channels: 2 };
const mean = [0.5, 0.25];
const std = [0.2, 0.4];
const size = 6 * 5 * 2;
const image = Uint8Array.from({ length: size }, (_, i) => (i * 37 + 11) % 256);
const table = normalizationTable(mean, std);
const at = (arr: Float32Array, y: number, x: number, c: number): number => arr[(y * 5 + x) * 2 + c];

function augment(t: CropFlip, pad = 4): Float32Array {
  const out = new Float32Array(size);
  cropFlipInto(image, 0, shape, t, pad, table, out, 0);
  return out;
}

describe("crop and flip", () => {
  it("crop at (pad, pad) without flip is the normalised input", () => {
    expect(augment({ dy: 4, dx: 4, flip: false })).toEqual(toFloat(image, mean, std));
  });

  it("flip mirrors each row", () => {
    const plain = augment({ dy: 4, dx: 4, flip: false });
    const flipped = augment({ dy: 4, dx: 4, flip: true });
    for (let y = 0; y < 6; y++) for (let x = 0; x < 5; x++) for (let c = 0; c < 2; c++) expect(at(flipped, y, x, c)).toBe(at(plain, y, 4 - x, c));
  });

  it("shifts by the crop offset and fills the padding with raw 0, i.e. (0 − mean)/std", () => {
    const plain = augment({ dy: 4, dx: 4, flip: false });
    const shifted = augment({ dy: 2, dx: 5, flip: false }); // content moves down 2, left 1
    const pad = mean.map((m, c) => (0 - m) / std[c]);
    for (let c = 0; c < 2; c++) {
      expect(at(shifted, 0, 0, c)).toBeCloseTo(pad[c], 6);
      expect(at(shifted, 1, 3, c)).toBeCloseTo(pad[c], 6);
      expect(at(shifted, 5, 4, c)).toBeCloseTo(pad[c], 6); // right column came from outside
      expect(at(shifted, 2, 0, c)).toBe(at(plain, 0, 1, c));
      expect(at(shifted, 5, 3, c)).toBe(at(plain, 3, 4, c));
    }
    const corner = augment({ dy: 0, dx: 0, flip: true }, 4); // everything is padding when the image is smaller than the pad
    for (let c = 0; c < 2; c++) expect(at(corner, 0, 0, c)).toBeCloseTo(pad[c], 6);
  });

  it("samples offsets in 0..2·pad and both flips, deterministically per seed", () => {
    const draw = (seed: number) => Array.from({ length: 200 }, ((rng) => () => sampleCropFlip(rng))(createRng(seed)));
    const a = draw(1);
    expect(draw(1)).toEqual(a);
    expect(draw(2)).not.toEqual(a);
    expect(new Set(a.map((t) => t.dy))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]));
    expect(new Set(a.map((t) => t.dx)).size).toBe(9);
    const flips = a.filter((t) => t.flip).length;
    expect(flips).toBeGreaterThan(70);
    expect(flips).toBeLessThan(130);
  });
});
