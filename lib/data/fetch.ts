/**
 * Getting CIFAR-10 onto this machine: download the official "binary version" archive (resumable,
 * MD5-checked) or take a local copy, and unpack it into `<dataDir>/cifar-10-batches-bin/`.
 *
 * The unpacked folder appears under its real name only after all six .bin files decoded in a
 * temporary folder beside it, so a crash never leaves a half-unpacked folder that looks complete.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { extract } from "tar";

import { CIFAR10_FILES, decodeCifar10, locateCifar10 } from "./cifar10";
import { ChecksumError, DownloadError, downloadFile, MD5_PATTERN, md5File, type DownloadProgress } from "./download";
import { DatasetError } from "./errors";
import { isFile, readBytes } from "./files";

export { ChecksumError, DownloadError } from "./download";

/** The official archive ("CIFAR-10 binary version", https://www.cs.toronto.edu/~kriz/cifar.html). */
export const CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
/** Its MD5 as published on that page. */
export const CIFAR10_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
export const CIFAR10_ARCHIVE = "cifar-10-binary.tar.gz";
/** The folder the archive unpacks to, which `locateCifar10` looks for first. */
export const CIFAR10_FOLDER = "cifar-10-batches-bin";

const ALL_FILES = [...CIFAR10_FILES.train, ...CIFAR10_FILES.test];
const TEMP_PREFIX = `.${CIFAR10_FOLDER}.tmp-`;

export type { DownloadProgress as FetchProgress } from "./download";

export interface FetchCifar10Options {
  /** The data folder; the dataset lands in `<dataDir>/cifar-10-batches-bin/`, downloads in `<dataDir>/downloads/`. */
  dataDir: string;
  /** Where to download from (default the official archive). */
  url?: string;
  /** The archive's expected MD5 (default the official one), for downloads and `from`. */
  md5?: string;
  /** A local copy of the archive to unpack instead of downloading. */
  from?: string;
  /** Check `from`'s MD5 (default true). Downloads are always checked. */
  verify?: boolean;
  /** Unpack again even when a valid dataset is already there (a verified download is reused). */
  force?: boolean;
  /** Download progress in bytes (called for every chunk; throttle when drawing). */
  onProgress?: (p: DownloadProgress) => void;
  /** Notes for a person: what is being done, skipped, resumed or replaced. */
  log?: (line: string) => void;
  /** Abort a download when no byte arrives for this long (default 60 s). */
  idleTimeoutMs?: number;
}

export interface FetchCifar10Result {
  /** The folder holding the six .bin files. */
  path: string;
  /** True when this call went to the network (false for --from, a present dataset or a verified earlier download). */
  downloaded: boolean;
  /** Bytes received over the network by this call (0 when nothing was downloaded). */
  bytes: number;
  /** False when a valid dataset was already present and nothing was done. */
  unpacked: boolean;
  /** The archive unpacked (null when nothing was unpacked). */
  archive: string | null;
}

/**
 * Checks a folder the way training will read it: all six .bin files present and decoding to at
 * least one record each. Returns the record count per file; throws a DatasetError naming the file.
 */
export function validateCifar10Folder(dir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of ALL_FILES) {
    const file = join(dir, name);
    if (!isFile(file)) throw new DatasetError(file, `missing (a CIFAR-10 folder needs ${ALL_FILES.join(", ")})`);
    const { count } = decodeCifar10(readBytes(file), file);
    if (count === 0) throw new DatasetError(file, "holds no records");
    counts[name] = count;
  }
  return counts;
}

function isValidFolder(dir: string): boolean {
  try {
    validateCifar10Folder(dir);
    return true;
  } catch {
    return false;
  }
}

/** Removes temporary folders an earlier, interrupted unpack left in dataDir. */
async function removeLeftovers(dataDir: string): Promise<void> {
  const names = await readdir(dataDir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(TEMP_PREFIX)).map((n) => rm(join(dataDir, n), { recursive: true, force: true })));
}

/**
 * Unpacks a CIFAR-10 archive into `<dataDir>/cifar-10-batches-bin/`: only regular files and folders
 * under `cifar-10-batches-bin/` are taken (no links, nothing outside); the result is validated in a
 * temporary folder and then renamed into place, replacing any folder already there.
 */
export async function unpackCifar10(archive: string, dataDir: string): Promise<string> {
  const dest = join(dataDir, CIFAR10_FOLDER);
  await mkdir(dataDir, { recursive: true });
  const tmp = join(dataDir, `${TEMP_PREFIX}${randomBytes(4).toString("hex")}`);
  await mkdir(tmp);
  try {
    try {
      await extract({
        file: archive,
        cwd: tmp,
        strict: true,
        filter: (path, entry) => {
          const type = "type" in entry ? entry.type : undefined;
          const top = path.replace(/^\.\//, "").split("/")[0];
          return top === CIFAR10_FOLDER && (type === "File" || type === "OldFile" || type === "Directory");
        },
      });
    } catch (err) {
      throw new DatasetError(archive, `cannot unpack (${(err as Error).message}); is this cifar-10-binary.tar.gz?`);
    }
    const unpacked = join(tmp, CIFAR10_FOLDER);
    if (!existsSync(unpacked)) throw new DatasetError(archive, `holds no ${CIFAR10_FOLDER}/ folder; is this the CIFAR-10 binary version?`);
    try {
      validateCifar10Folder(unpacked);
    } catch (err) {
      const problem = err instanceof DatasetError ? `${basename(err.file)}: ${err.problem}` : (err as Error).message;
      throw new DatasetError(archive, `unpacked, but ${CIFAR10_FOLDER}/${problem}`);
    }
    // The old folder steps aside under a temporary name (so a crash between the two renames
    // leaves no folder under the real name rather than a mix), the new one takes its place.
    if (existsSync(dest)) await rename(dest, join(tmp, "old"));
    await rename(unpacked, dest);
    return dest;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Makes CIFAR-10 available under `dataDir`: nothing to do when a valid copy is already there
 * (unless `force`); otherwise take `from`, or a verified earlier download, or download the
 * archive (resuming a part file), and unpack it.
 */
export async function fetchCifar10(opts: FetchCifar10Options): Promise<FetchCifar10Result> {
  const dataDir = resolve(opts.dataDir);
  const md5 = (opts.md5 ?? CIFAR10_MD5).toLowerCase();
  if (!MD5_PATTERN.test(md5)) throw new Error(`not an MD5 (32 hex digits): "${opts.md5}"`);
  const url = opts.url ?? CIFAR10_URL;
  const log = opts.log ?? (() => {});

  if (!opts.force) {
    const present = locateCifar10(dataDir);
    if (present !== null && isValidFolder(present)) {
      return { path: present, downloaded: false, bytes: 0, unpacked: false, archive: null };
    }
    if (present !== null) log(`${present} is incomplete or damaged; fetching CIFAR-10 again`);
  }
  await mkdir(dataDir, { recursive: true });
  await removeLeftovers(dataDir);

  let archive: string;
  let bytes = 0;
  let downloaded = false;
  if (opts.from !== undefined) {
    archive = resolve(opts.from);
    if (!isFile(archive)) throw new DatasetError(archive, "file not found");
    if (opts.verify !== false) {
      log(`checking the MD5 of ${archive}`);
      const actual = await md5File(archive);
      if (actual !== md5) throw new ChecksumError(archive, md5, actual, " (not the CIFAR-10 binary version? --no-verify skips this check)");
    }
  } else {
    archive = join(dataDir, "downloads", CIFAR10_ARCHIVE);
    let verified = false;
    if (isFile(archive)) {
      const actual = await md5File(archive);
      verified = actual === md5;
      if (verified) log(`using the verified download ${archive}`);
      else {
        log(`${archive}: MD5 mismatch (expected ${md5}, got ${actual}); deleting it and downloading again`);
        await rm(archive, { force: true });
      }
    }
    if (!verified) {
      log(`downloading ${url}`);
      try {
        const got = await downloadFile({
          url,
          dest: archive,
          md5,
          log,
          idleTimeoutMs: opts.idleTimeoutMs,
          onProgress: opts.onProgress,
        });
        bytes = got.bytes;
        downloaded = true;
      } catch (err) {
        if (err instanceof DownloadError && !err.interrupted) {
          throw new DownloadError(
            err.url,
            `${err.message}. Offline? Get ${CIFAR10_ARCHIVE} another way and run \`bnlab data fetch cifar10 --from <path to ${CIFAR10_ARCHIVE}>\``,
          );
        }
        throw err;
      }
    }
  }

  log(`unpacking ${archive}`);
  const path = await unpackCifar10(archive, dataDir);
  return { path, downloaded, bytes, unpacked: true, archive };
}

/** Where a download in progress lives (for messages and tests). */
export const cifar10PartFile = (dataDir: string): string => join(resolve(dataDir), "downloads", `${CIFAR10_ARCHIVE}.part`);
