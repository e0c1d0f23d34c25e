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

/** Reads a whole file, turning "not found" and friends into a DatasetError naming it. */
export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetError(path, code === "ENOENT" ? "file not found" : `cannot read (${String(err)})`);
  }
}

/** Where user-supplied datasets live unless a `dataDir` is given (relative to the working directory). */
export const DEFAULT_DATA_DIR = "data";
