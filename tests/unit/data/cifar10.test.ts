import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { CIFAR10_RECORD_BYTES, decodeCifar10, encodeCifar10Records, loadCifar10, locateCifar10 } from "../../../lib/data/cifar10";
import { DatasetError, MissingDatasetError } from "../../../lib/data/errors";
import { useTempDirs } from "./helpers";

const PIXELS = 32 * 32 * 3;
const PER_FILE = 7;

/** Example n's pixel (y, x, c) in NHWC: a value that encodes all four, so any mix-up shows. */
const pixel = (n: number, y: number, x: number, c: number): number => (n * 31 + y * 7 + x * 3 + c * 85) % 256;

function makeImages(first: number, count: number): Uint8Array {
  const images = new Uint8Array(count * PIXELS);
  for (let n = 0; n < count; n++) {
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) for (let c = 0; c < 3; c++) images[n * PIXELS + (y * 32 + x) * 3 + c] = pixel(first + n, y, x, c);
  }
  return images;
}

const labelOf = (n: number): number => (n * 3) % 10;

/** Writes the five training files and the test file, PER_FILE records each, numbered globally. */
function writeCifar(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const names = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"];
  names.forEach((name, f) => {
    const first = f * PER_FILE;
    const labels = Array.from({ length: PER_FILE }, (_, i) => labelOf(first + i));
    writeFileSync(join(dir, name), encodeCifar10Records(makeImages(first, PER_FILE), labels));
  });
}

describe("CIFAR-10 binary records", () => {
  it("are channel-planar after the label byte", () => {
    const images = makeImages(0, 1);
    const rec = encodeCifar10Records(images, [6]);
    expect(rec.length).toBe(CIFAR10_RECORD_BYTES);
    expect(rec[0]).toBe(6);
    // R plane, then G, then B; each row-major 32×32.
    expect(rec[1 + 0]).toBe(pixel(0, 0, 0, 0));
    expect(rec[1 + 1024 + 5 * 32 + 9]).toBe(pixel(0, 5, 9, 1));
    expect(rec[1 + 2048 + 31 * 32 + 31]).toBe(pixel(0, 31, 31, 2));
    const back = decodeCifar10(rec, "x.bin");
    expect(back.count).toBe(1);
    expect(back.images).toEqual(images);
  });
});

describe("loadCifar10", () => {
  const tempDir = useTempDirs();

  for (const layout of ["cifar-10-batches-bin subfolder", "files directly in dataDir"] as const) {
    it(`loads both splits pixel-exactly (${layout})`, () => {
      const root = tempDir();
      const dir = layout === "files directly in dataDir" ? root : join(root, "cifar-10-batches-bin");
      writeCifar(dir);
      expect(locateCifar10(root)).toBe(dir);

      const train = loadCifar10("train", root);
      expect(train).toMatchObject({ count: 5 * PER_FILE, height: 32, width: 32, channels: 3, classes: 10 });
      expect(train.images.length).toBe(5 * PER_FILE * PIXELS);
      for (const [n, y, x] of [[0, 0, 0], [8, 5, 9], [34, 31, 31], [20, 17, 3]]) {
        for (let c = 0; c < 3; c++) expect(train.images[n * PIXELS + (y * 32 + x) * 3 + c]).toBe(pixel(n, y, x, c));
      }
      expect(Array.from(train.labels)).toEqual(Array.from({ length: 5 * PER_FILE }, (_, n) => labelOf(n)));

      const test = loadCifar10("test", root);
      expect(test.count).toBe(PER_FILE);
      expect(test.images).toEqual(makeImages(5 * PER_FILE, PER_FILE));
      expect(test.labels[2]).toBe(labelOf(5 * PER_FILE + 2));
    });
  }

  it("rejects a file whose size is not a multiple of 3073", () => {
    const root = tempDir();
    writeCifar(root);
    const bad = join(root, "data_batch_3.bin");
    writeFileSync(bad, new Uint8Array(CIFAR10_RECORD_BYTES * 2 + 100));
    expect(() => loadCifar10("train", root)).toThrow(`${bad}: size 6246 is not a multiple of the 3073-byte CIFAR-10 record (truncated, or wrong record size`);
  });

  it("rejects label 10", () => {
    const root = tempDir();
    writeCifar(root);
    const bad = join(root, "test_batch.bin");
    writeFileSync(bad, encodeCifar10Records(makeImages(0, 2), [3, 10]));
    expect(() => loadCifar10("test", root)).toThrow(`${bad}: record 1 has label 10, expected 0..9`);
  });

  it("names a missing training file", () => {
    const root = tempDir();
    writeCifar(join(root, "cifar-10-batches-bin"));
    const gone = join(root, "cifar-10-batches-bin", "data_batch_4.bin");
    rmSync(gone);
    expect(locateCifar10(root)).toBeNull();
    expect(() => loadCifar10("test", root)).not.toThrow();
    const err = catchError(() => loadCifar10("train", root));
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).file).toBe(gone);
    expect(err.message).toContain(`${gone}: missing CIFAR-10 train file`);
  });

  it("says how to get it when nothing is there", () => {
    const root = tempDir();
    const err = catchError(() => loadCifar10("train", root));
    expect(err).toBeInstanceOf(MissingDatasetError);
    expect(err.message).toContain("cifar-10-binary.tar.gz");
    expect(err.message).toContain(join(root, "cifar-10-batches-bin", "data_batch_1.bin"));
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error");
}
