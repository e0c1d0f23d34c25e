/**
 * Where bnlab keeps its files: the data folder (`BNLAB_DATA_DIR`, default `./data`) and the runs
 * under it. An empty variable counts as unset (an empty path would mean the working directory).
 */
import { realpath } from "node:fs/promises";
import path from "node:path";

export function dataDir(flag?: string): string {
  return path.resolve(flag || process.env.BNLAB_DATA_DIR || "data");
}

export function runsDir(flag?: string, data?: string): string {
  return path.resolve(flag || process.env.BNLAB_RUNS_DIR || path.join(dataDir(data), "runs"));
}

/**
 * `file` with every symlink resolved, when that lies inside `root` (also resolved, so a runs root
 * that is itself a link works); null when it lies elsewhere or either does not exist. A run folder
 * linked in from elsewhere is outside: the server reads only what lies under its roots.
 */
export async function realPathInside(root: string, file: string): Promise<string | null> {
  let realRoot: string, realFile: string;
  try {
    [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
  } catch {
    return null;
  }
  const rel = path.relative(realRoot, realFile);
  return rel !== "" && rel !== ".." && !rel.startsWith(".." + path.sep) && !path.isAbsolute(rel) ? realFile : null;
}
