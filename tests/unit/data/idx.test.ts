import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

import { DatasetError } from "../../../lib/data/errors";
import { loadIdxPair, parseIdx, parseIdxImages, parseIdxLabels } from "../../../lib/data/idx";
import { idxBytes, useTempDirs } from "./helpers";

const F = "fake/file-idx-ubyte";

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).file).toBe(F);
    expect((err as Error).message.startsWith(`${F}: `)).toBe(true);
    return (err as Error).message;
  }
  throw new Error("expected a DatasetError");
}

describe("parseIdx", () => {
  it("reads 1-D labels", () => {
    const arr = parseIdx(idxBytes([4], [3, 1, 4, 1]), F);
    expect(arr.magic).toBe(0x801);
    expect(arr.dims).toEqual([4]);
    expect(Array.from(arr.data)).toEqual([3, 1, 4, 1]);
  });

  it("reads 3-D images row-major with big-endian dims", () => {
    const payload = Array.from({ length: 2 * 3 * 2 }, (_, i) => i * 10);
    const img = parseIdxImages(idxBytes([2, 3, 2], payload), F);
    expect([img.count, img.height, img.width]).toEqual([2, 3, 2]);
    expect(Array.from(img.images)).toEqual(payload);
    expect(img.images.byteOffset).toBe(0);
  });

  it("gunzips transparently", () => {
    const raw = idxBytes([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIdx(gzipSync(raw), F)).toEqual(parseIdx(raw, F));
  });

  it("rejects a short header", () => {
    expect(problem(() => parseIdx(new Uint8Array([0, 0, 8]), F))).toMatch(/too short for an IDX header/);
    expect(problem(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]), F))).toMatch(/too short for an IDX header with 3 dimensions/);
  });

  it("rejects a wrong magic number", () => {
    expect(problem(() => parseIdx(Uint8Array.from([0x1f, 0x00, 0x08, 0x01, 0, 0, 0, 0]), F))).toMatch(/wrong magic number 0x1f000801, not an IDX file/);
    const twoD = idxBytes([1, 1], [0]);
    expect(problem(() => parseIdxImages(twoD, F))).toContain("wrong magic number 0x00000802, expected 0x00000803 (IDX images)");
    expect(problem(() => parseIdxLabels(idxBytes([1, 1, 1], [0]), F, 10))).toContain("expected 0x00000801 (IDX labels)");
  });

  it("rejects an unsupported dtype", () => {
    expect(problem(() => parseIdx(idxBytes([1], [0, 0, 0, 0], 0x0d), F))).toMatch(/unsupported IDX data type 0x0d/);
  });

  it("rejects a truncated payload and trailing bytes", () => {
    expect(problem(() => parseIdx(idxBytes([2, 2, 2], [1, 2, 3, 4, 5, 6, 7]), F))).toMatch(/truncated: .* need 8 payload bytes, file has 7/);
    expect(problem(() => parseIdx(idxBytes([3], [1, 2, 3, 4]), F))).toMatch(/trailing bytes: .* need 3 payload bytes, file has 4/);
  });

  it("rejects corrupt gzip data", () => {
    expect(problem(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 1, 2, 3]), F))).toMatch(/corrupt gzip data/);
  });

  it("rejects labels >= classes", () => {
    expect(problem(() => parseIdxLabels(idxBytes([3], [0, 9, 10]), F, 10))).toMatch(/label 10 at index 2 is out of range 0..9/);
  });
});

describe("loadIdxPair", () => {
  const tempDir = useTempDirs();

  it("loads an image file and a gzipped label file into an ImageSet", () => {
    const dir = tempDir();
    const images = join(dir, "images");
    const labels = join(dir, "labels.gz");
    writeFileSync(images, idxBytes([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]));
    writeFileSync(labels, gzipSync(idxBytes([2], [7, 3])));
    const set = loadIdxPair(images, labels, 10);
    expect(set).toMatchObject({ count: 2, height: 2, width: 2, channels: 1, classes: 10 });
    expect(Array.from(set.labels)).toEqual([7, 3]);
    expect(Array.from(set.images)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("names the file when counts disagree or a file is missing", () => {
    const dir = tempDir();
    const images = join(dir, "images");
    const labels = join(dir, "labels");
    writeFileSync(images, idxBytes([2, 1, 1], [1, 2]));
    writeFileSync(labels, idxBytes([3], [0, 1, 2]));
    expect(() => loadIdxPair(images, labels, 10)).toThrow(`${labels}: has 3 labels but ${images} has 2 images`);
    expect(() => loadIdxPair(join(dir, "nope"), labels, 10)).toThrow(`${join(dir, "nope")}: file not found`);
  });
});
