/**
 * The standard CIFAR augmentation, as torchvision's RandomCrop(32, padding=4) + RandomHorizontalFlip:
 * zero-pad the raw image, take a random crop of the original size, mirror with p = 0.5. torchvision pads
 * the PIL image before ToTensor/Normalize, so padded pixels hold raw 0, i.e. (0 − mean)/std after
 * normalisation; we do the same by reading the padding through the normalisation table.
 */
import type { Rng } from "../random";

export const CIFAR_PAD = 4;

/** A crop's top-left corner in the padded image (0..2·pad each), and whether to mirror. */
export interface CropFlip {
  dy: number;
  dx: number;
  flip: boolean;
}

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/** Draws one crop and flip; three draws per image, always, so streams stay aligned. */
export function sampleCropFlip(rng: Rng, pad = CIFAR_PAD): CropFlip {
  const dy = rng.int(2 * pad + 1);
  const dx = rng.int(2 * pad + 1);
  return { dy, dx, flip: rng.next() < 0.5 };
}

/**
 * Writes one normalised, cropped and maybe mirrored HWC image into out[outOffset…].
 * `table` is normalizationTable(mean, std). Crop (pad, pad) without flip is the identity.
 */
export function cropFlipInto(
  src: Uint8Array,
  srcOffset: number,
  shape: ImageShape,
  t: CropFlip,
  pad: number,
  table: Float32Array,
  out: Float32Array,
  outOffset: number,
): void {
  const { height: h, width: w, channels: ch } = shape;
  for (let y = 0; y < h; y++) {
    const sy = y + t.dy - pad;
    for (let x = 0; x < w; x++) {
      // Flip after crop: output column x shows cropped column w-1-x.
      const sx = (t.flip ? w - 1 - x : x) + t.dx - pad;
      const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
      const o = outOffset + (y * w + x) * ch;
      const s = srcOffset + (sy * w + sx) * ch;
      for (let c = 0; c < ch; c++) out[o + c] = table[c * 256 + (inside ? src[s + c] : 0)];
    }
  }
}
