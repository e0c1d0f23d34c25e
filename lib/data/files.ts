import { existsSync, readFileSync, statSync } from "node:fs";

import { DatasetError } from "./errors";

/** True for an existing regular file. */
export function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** True for an existing directory. */
export function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/**
 * The largest dataset file read (and, for .gz files, the most a file may unpack to): MNIST's
 * training images are 47 MB, a CIFAR-10 batch 31 MB. A larger file is not one of ours, and
 * reading it would allocate whatever it holds.
 */
export const MAX_DATASET_FILE_BYTES = 256 << 20;

/**
 * Reads a whole regular file (a FIFO or device behind the name would block or never end),
 * turning "not found" and friends into a DatasetError naming it.
 */
export function readBytes(path: string): Uint8Array {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new DatasetError(path, `cannot read (${st.isDirectory() ? "a directory" : "not a regular file"})`);
    if (st.size > MAX_DATASET_FILE_BYTES) throw new DatasetError(path, `is ${st.size} bytes, more than a dataset file may have (${MAX_DATASET_FILE_BYTES})`);
    return readFileSync(path);
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetError(path, code === "ENOENT" ? "file not found" : `cannot read (${code ?? String(err)})`);
  }
}

/** Where user-supplied datasets live unless a `dataDir` is given (relative to the working directory). */
export const DEFAULT_DATA_DIR = "data";
