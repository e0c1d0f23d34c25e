/**
 * Where bnlab keeps its files: the data folder (`BNLAB_DATA_DIR`, default `./data`) and the runs
 * under it. An empty variable counts as unset (an empty path would mean the working directory).
 */
import path from "node:path";

export function dataDir(flag?: string): string {
  return path.resolve(flag || process.env.BNLAB_DATA_DIR || "data");
}

export function runsDir(flag?: string, data?: string): string {
  return path.resolve(flag || process.env.BNLAB_RUNS_DIR || path.join(dataDir(data), "runs"));
}
