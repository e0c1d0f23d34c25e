/**
 * The IDX format of MNIST and Fashion-MNIST: a 4-byte magic (0, 0, dtype, ndims), ndims big-endian
 * uint32 dimensions, then the payload row-major. Only dtype 0x08 (unsigned byte) occurs in them.
 */
import { gunzipSync } from "node:zlib";

import { DatasetError } from "./errors";
import { MAX_DATASET_FILE_BYTES, readBytes } from "./files";
import type { ImageSet } from "./types";

const UBYTE = 0x08;
export const IDX_LABELS_MAGIC = 0x00000801;
export const IDX_IMAGES_MAGIC = 0x00000803;

export interface IdxArray {
  magic: number;
  dims: number[];
  /** The payload, copied out of the file buffer (a plain Uint8Array with byteOffset 0). */
  data: Uint8Array;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, "0")}`;

/** Gunzips when the bytes carry the gzip signature, so `.gz` and plain files read the same way. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    // Bounded: a few kB of gzip can unpack to gigabytes.
    return gunzipSync(bytes, { maxOutputLength: MAX_DATASET_FILE_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new DatasetError(file, `unpacks to more than ${MAX_DATASET_FILE_BYTES} bytes, more than a dataset file may have`);
    }
    throw new DatasetError(file, `corrupt gzip data (${(err as Error).message})`);
  }
}

/** What a caller expects to find, checked before the sizes so a swapped file is named as such. */
export interface IdxExpectation {
  magic: number;
  what: string;
}

/** Parses an IDX file (gzipped or not). `file` only names the source in errors. */
export function parseIdx(raw: Uint8Array, file: string, expect?: IdxExpectation): IdxArray {
  const bytes = maybeGunzip(raw, file);
  if (bytes.length < 4) throw new DatasetError(file, `too short for an IDX header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new DatasetError(file, `wrong magic number ${hex(magic)}, not an IDX file`);
  if (bytes[2] !== UBYTE) {
    throw new DatasetError(file, `unsupported IDX data type 0x${bytes[2].toString(16).padStart(2, "0")} (only 0x08 unsigned byte)`);
  }
  if (expect && magic !== expect.magic) {
    throw new DatasetError(file, `wrong magic number ${hex(magic)}, expected ${hex(expect.magic)} (${expect.what})`);
  }
  const ndims = bytes[3];
  if (ndims === 0) throw new DatasetError(file, "IDX header declares 0 dimensions");
  const headerSize = 4 + 4 * ndims;
  if (bytes.length < headerSize) {
    throw new DatasetError(file, `too short for an IDX header with ${ndims} dimensions (${bytes.length} of ${headerSize} bytes)`);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const payload = bytes.length - headerSize;
  if (payload !== expected) {
    const what = payload < expected ? "truncated" : "trailing bytes";
    throw new DatasetError(file, `${what}: dimensions [${dims.join(", ")}] need ${expected} payload bytes, file has ${payload}`);
  }
  return { magic, dims, data: new Uint8Array(bytes.subarray(headerSize)) };
}

/** Parses a 3-D IDX image file [count, height, width] (one channel). */
export function parseIdxImages(raw: Uint8Array, file: string): { images: Uint8Array; count: number; height: number; width: number } {
  const arr = parseIdx(raw, file, { magic: IDX_IMAGES_MAGIC, what: "IDX images" });
  const [count, height, width] = arr.dims;
  return { images: arr.data, count, height, width };
}

/** Parses a 1-D IDX label file and checks every label is below `classes`. */
export function parseIdxLabels(raw: Uint8Array, file: string, classes: number): Uint8Array {
  const arr = parseIdx(raw, file, { magic: IDX_LABELS_MAGIC, what: "IDX labels" });
  const labels = arr.data;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classes) throw new DatasetError(file, `label ${labels[i]} at index ${i} is out of range 0..${classes - 1}`);
  }
  return labels;
}

/** Loads an image file and its label file (either may be gzipped) into one ImageSet. */
export function loadIdxPair(imagesFile: string, labelsFile: string, classes: number): ImageSet {
  const img = parseIdxImages(readBytes(imagesFile), imagesFile);
  const labels = parseIdxLabels(readBytes(labelsFile), labelsFile, classes);
  if (labels.length !== img.count) {
    throw new DatasetError(labelsFile, `has ${labels.length} labels but ${imagesFile} has ${img.count} images`);
  }
  return { images: img.images, labels, count: img.count, height: img.height, width: img.width, channels: 1, classes };
}
