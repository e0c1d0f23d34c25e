/**
 * Reading a file that came from outside: only a regular file (a FIFO or /dev/zero behind a name
 * or a symlink would block or never end), only up to a size limit (readFile would otherwise
 * allocate whatever the file holds), and text only as strict UTF-8 (a replacement character
 * silently accepted would put garbage into the index).
 */
import { readFile, stat } from "node:fs/promises";
import { CheckpointError } from "./errors";

/** run.json, sweep and config files are a few kB; anything past this is not one of them. */
export const MAX_TEXT_FILE_BYTES = 16 << 20;
/** metrics.jsonl: one line per epoch and split; a long run is well under a megabyte. */
export const MAX_METRICS_FILE_BYTES = 256 << 20;
/** Checkpoints: Node cannot read a larger file into one buffer anyway. */
export const MAX_CHECKPOINT_FILE_BYTES = 2 ** 31 - 1;

const code = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/**
 * The size of a regular file of at most `maxBytes`, or a CheckpointError naming it and saying why
 * not; `kind` names what the bound is for ("a checkpoint").
 */
export async function regularFileSize(file: string, maxBytes: number, kind = "this kind of file"): Promise<number> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new CheckpointError(file, `cannot read (${st.isDirectory() ? "a directory" : "not a regular file"})`);
    size = st.size;
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(file, `cannot read (${code(e)})`);
  }
  if (size > maxBytes) throw new CheckpointError(file, `is ${size} bytes, more than the ${maxBytes} ${kind} may have`);
  return size;
}

/** The file's bytes, or a CheckpointError naming it and saying why not. */
export async function readRegularFile(file: string, maxBytes: number): Promise<Buffer> {
  await regularFileSize(file, maxBytes);
  try {
    return await readFile(file);
  } catch (e) {
    throw new CheckpointError(file, `cannot read (${code(e)})`);
  }
}

/** Strict UTF-8 (a leading BOM is dropped), naming the byte offset of the first bad sequence. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new CheckpointError(file, `is not valid UTF-8 text (bad byte at offset ${firstInvalidUtf8(bytes)})`);
  }
}

/** Where the first ill-formed UTF-8 sequence starts (TextDecoder does not say). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      // The second byte's range is narrower after E0, ED, F0 and F4 (no overlongs, surrogates, > U+10FFFF).
      const lo = k === 1 && c === 0xe0 ? 0xa0 : k === 1 && c === 0xf0 ? 0x90 : 0x80;
      const hi = k === 1 && c === 0xed ? 0x9f : k === 1 && c === 0xf4 ? 0x8f : 0xbf;
      if (d === undefined || d < lo || d > hi) return i;
    }
    i += n + 1;
  }
  return b.length;
}

/** A text file, bounded and strictly decoded. */
export async function readTextFile(file: string, maxBytes = MAX_TEXT_FILE_BYTES): Promise<string> {
  return decodeUtf8(await readRegularFile(file, maxBytes), file);
}
