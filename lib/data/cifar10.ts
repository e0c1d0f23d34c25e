/**
 * CIFAR-10's "binary version": records of 1 label byte + 3072 pixel bytes, the pixels channel-planar
 * (1024 R, 1024 G, 1024 B, each 32×32 row-major). We convert to NHWC, the layout the trainer uses.
 */
import { join } from "node:path";

import { DatasetError, MissingDatasetError } from "./errors";
import { DEFAULT_DATA_DIR, isFile, readBytes } from "./files";
import type { ImageSet, Split } from "./types";

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;
export const CIFAR10_RECORD_BYTES = 1 + PIXELS;
const CLASSES = 10;

export const CIFAR10_FILES: Record<Split, string[]> = {
  train: ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
  test: ["test_batch.bin"],
};

const ALL_FILES = [...CIFAR10_FILES.train, ...CIFAR10_FILES.test];

/** Decodes one .bin file's records into NHWC images and labels. */
export function decodeCifar10(bytes: Uint8Array, file: string): { images: Uint8Array; labels: Uint8Array; count: number } {
  if (bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    throw new DatasetError(
      file,
      `size ${bytes.length} is not a multiple of the ${CIFAR10_RECORD_BYTES}-byte CIFAR-10 record (truncated, or wrong record size: is this the binary version?)`,
    );
  }
  // An empty batch file (a failed copy) would otherwise load as zero records without a word.
  if (bytes.length === 0) throw new DatasetError(file, "holds no records (the file is empty; CIFAR-10 records are 3073 bytes)");
  const count = bytes.length / CIFAR10_RECORD_BYTES;
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const rec = n * CIFAR10_RECORD_BYTES;
    const label = bytes[rec];
    if (label >= CLASSES) throw new DatasetError(file, `record ${n} has label ${label}, expected 0..${CLASSES - 1}`);
    labels[n] = label;
    const out = n * PIXELS;
    for (let p = 0; p < PLANE; p++) {
      images[out + 3 * p] = bytes[rec + 1 + p];
      images[out + 3 * p + 1] = bytes[rec + 1 + PLANE + p];
      images[out + 3 * p + 2] = bytes[rec + 1 + 2 * PLANE + p];
    }
  }
  return { images, labels, count };
}

/** The inverse of decodeCifar10: NHWC 32×32×3 images + labels → the binary record format (for tests). */
export function encodeCifar10Records(images: Uint8Array, labels: ArrayLike<number>): Buffer {
  const count = labels.length;
  if (images.length !== count * PIXELS) throw new RangeError(`expected ${count * PIXELS} image bytes for ${count} labels, got ${images.length}`);
  const out = Buffer.alloc(count * CIFAR10_RECORD_BYTES);
  for (let n = 0; n < count; n++) {
    const rec = n * CIFAR10_RECORD_BYTES;
    out[rec] = labels[n];
    for (let p = 0; p < PLANE; p++) {
      for (let c = 0; c < 3; c++) out[rec + 1 + c * PLANE + p] = images[n * PIXELS + 3 * p + c];
    }
  }
  return out;
}

/** Folders to search: the archive's `cifar-10-batches-bin` subfolder, then dataDir itself. */
export function cifar10Candidates(dataDir?: string): string[] {
  const root = dataDir ?? DEFAULT_DATA_DIR;
  return [join(root, "cifar-10-batches-bin"), root];
}

export function cifar10Hint(dataDir?: string): string {
  const root = dataDir ?? DEFAULT_DATA_DIR;
  return (
    'Download the "CIFAR-10 binary version" (cifar-10-binary.tar.gz, https://www.cs.toronto.edu/~kriz/cifar.html) ' +
    `and unpack it with \`tar -xzf cifar-10-binary.tar.gz -C ${root}\` so that ${join(root, "cifar-10-batches-bin", "data_batch_1.bin")} exists.`
  );
}

/** The first candidate holding all six files, or null. */
export function locateCifar10(dataDir?: string): string | null {
  return cifar10Candidates(dataDir).find((dir) => ALL_FILES.every((f) => isFile(join(dir, f)))) ?? null;
}

/**
 * Loads a split. The first folder holding any CIFAR-10 .bin file is the dataset; a file of the split
 * missing there is named in the error rather than silently training on fewer batches.
 */
export function loadCifar10(split: Split, dataDir?: string): ImageSet {
  const candidates = cifar10Candidates(dataDir);
  const dir = candidates.find((d) => ALL_FILES.some((f) => isFile(join(d, f))));
  if (dir === undefined) throw new MissingDatasetError("cifar10", candidates, cifar10Hint(dataDir));
  const files = CIFAR10_FILES[split].map((f) => join(dir, f));
  const missing = files.find((f) => !isFile(f));
  if (missing) {
    throw new DatasetError(missing, `missing CIFAR-10 ${split} file (the folder needs ${ALL_FILES.join(", ")})`);
  }
  const parts = files.map((f) => decodeCifar10(readBytes(f), f));
  const count = parts.reduce((a, p) => a + p.count, 0);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * PIXELS);
    labels.set(p.labels, at);
    at += p.count;
  }
  return { images, labels, count, height: SIDE, width: SIDE, channels: 3, classes: CLASSES };
}
