/**
 * Atomic file writes: write to a temporary name in the same folder, fsync, rename. A crash at
 * any moment leaves either the old file or the new one under the real name, never half of one.
 */
import { randomBytes } from "node:crypto";
import { promises as fs, closeSync, fsyncSync, openSync, renameSync, writeSync, unlinkSync } from "node:fs";
import path from "node:path";

/** Temporary files carry this infix, so a reader can skip (and a cleaner remove) leftovers. */
export const TEMP_INFIX = ".tmp-";

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}${TEMP_INFIX}${randomBytes(4).toString("hex")}`);
}

export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempName(file);
  const handle = await fs.open(tmp, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await syncDir(path.dirname(file));
}

/** The synchronous twin, for paths (signal handlers) where awaiting is not possible. */
export function writeFileAtomicSync(file: string, data: Uint8Array | string): void {
  const tmp = tempName(file);
  const fd = openSync(tmp, "w");
  try {
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
}

async function syncDir(dir: string): Promise<void> {
  try {
    const h = await fs.open(dir, "r");
    await h.sync().finally(() => h.close());
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  }
}
