/**
 * A reader of the zip archives `torch.save` writes (since PyTorch 1.6): the central directory is
 * read from the end of the file, and an entry's bytes are read by offset when asked for, so a
 * 2 GiB checkpoint is never held in memory whole. PyTorch stores entries uncompressed (and pads
 * them to 64-byte boundaries); a deflated entry (an archive re-zipped by hand) is inflated with
 * fflate, within a size cap.
 */
import { open, type FileHandle } from "node:fs/promises";
import { inflateSync } from "fflate";
import { CheckpointError } from "../errors";

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local header. */
  headerOffset: number;
}

export interface ZipArchive {
  file: string;
  size: number;
  entries: Map<string, ZipEntry>;
  /** An entry's bytes, or `length` bytes of it from `start` (stored entries only read that slice). */
  read(name: string, start?: number, length?: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A deflated entry is inflated in memory: past this it is refused rather than allocated. */
export const MAX_INFLATED_ENTRY_BYTES = 256 << 20;
/** More entries than any checkpoint has (one per storage): bounds the directory's parse. */
export const MAX_ZIP_ENTRIES = 1_000_000;

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

async function readAt(h: FileHandle, file: string, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await h.read(buf, got, length - got, position + got);
    if (bytesRead === 0) throw new CheckpointError(file, `not a valid zip checkpoint: ends at byte ${position + got}, ${length - got} bytes short (truncated?)`);
    got += bytesRead;
  }
  return buf;
}

/** Opens the archive and reads its central directory; the caller closes it. */
export async function openZip(file: string): Promise<ZipArchive> {
  let h: FileHandle;
  try {
    h = await open(file, "r");
  } catch (e) {
    throw new CheckpointError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return await readDirectory(h, file);
  } catch (e) {
    await h.close();
    throw e;
  }
}

async function readDirectory(h: FileHandle, file: string): Promise<ZipArchive> {
  const fail = (problem: string): never => {
    throw new CheckpointError(file, `not a valid zip checkpoint: ${problem}`);
  };
  const st = await h.stat();
  if (!st.isFile()) fail("not a regular file");
  const size = st.size;
  // The end record is 22 bytes plus a comment of up to 65535.
  const tailLength = Math.min(size, 22 + 65535);
  const tail = await readAt(h, file, size - tailLength, tailLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) fail("no end-of-central-directory record (truncated, or not a zip file)");
  let count = tail.readUInt16LE(at + 10);
  let dirSize = tail.readUInt32LE(at + 12);
  let dirOffset = tail.readUInt32LE(at + 16);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    // ZIP64: the locator sits just before the end record and points at the 64-bit record.
    const loc = at - 20;
    if (loc < 0 || tail.readUInt32LE(loc) !== ZIP64_LOCATOR) fail("ZIP64 fields without a ZIP64 locator");
    const recordOffset = Number(tail.readBigUInt64LE(loc + 8));
    if (recordOffset + 56 > size) fail("ZIP64 end record lies beyond the end of the file");
    const rec = await readAt(h, file, recordOffset, 56);
    if (rec.readUInt32LE(0) !== ZIP64_EOCD) fail("bad ZIP64 end record");
    count = Number(rec.readBigUInt64LE(32));
    dirSize = Number(rec.readBigUInt64LE(40));
    dirOffset = Number(rec.readBigUInt64LE(48));
  }
  if (count > MAX_ZIP_ENTRIES) fail(`${count} entries (at most ${MAX_ZIP_ENTRIES})`);
  if (dirOffset + dirSize > size) fail(`central directory (bytes ${dirOffset}–${dirOffset + dirSize}) lies beyond the end of the ${size}-byte file (truncated?)`);
  const dir = await readAt(h, file, dirOffset, dirSize);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > dir.length || dir.readUInt32LE(p) !== CENTRAL) fail(`central directory entry ${i} is damaged`);
    const method = dir.readUInt16LE(p + 10);
    let compressedSize = dir.readUInt32LE(p + 20);
    let entrySize = dir.readUInt32LE(p + 24);
    const nameLength = dir.readUInt16LE(p + 28);
    const extraLength = dir.readUInt16LE(p + 30);
    const commentLength = dir.readUInt16LE(p + 32);
    let headerOffset = dir.readUInt32LE(p + 42);
    if (p + 46 + nameLength + extraLength > dir.length) fail(`central directory entry ${i} runs past the directory`);
    const name = dir.toString("utf8", p + 46, p + 46 + nameLength);
    // ZIP64 extended information: the 64-bit values of the fields set to 0xffffffff, in this order.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = dir.readUInt16LE(e);
      const len = dir.readUInt16LE(e + 2);
      if (id === 1) {
        let q = e + 4;
        const next = (): number => {
          if (q + 8 > e + 4 + len) fail(`entry ${JSON.stringify(name)} has a short ZIP64 field`);
          const v = Number(dir.readBigUInt64LE(q));
          q += 8;
          return v;
        };
        if (entrySize === 0xffffffff) entrySize = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (headerOffset === 0xffffffff) headerOffset = next();
      }
      e += 4 + len;
    }
    if (method !== 0 && method !== 8) fail(`entry ${JSON.stringify(name)} uses compression method ${method} (only stored and deflated are read)`);
    if (headerOffset + 30 + compressedSize > size) fail(`entry ${JSON.stringify(name)} lies beyond the end of the file (truncated?)`);
    entries.set(name, { name, method, compressedSize, size: entrySize, headerOffset });
    p += 46 + nameLength + extraLength + commentLength;
  }

  const dataOffset = async (entry: ZipEntry): Promise<number> => {
    const local = await readAt(h, file, entry.headerOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL) fail(`entry ${JSON.stringify(entry.name)} has no local header at byte ${entry.headerOffset}`);
    const start = entry.headerOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (start + entry.compressedSize > size) fail(`entry ${JSON.stringify(entry.name)} ends past the end of the file (truncated?)`);
    return start;
  };

  return {
    file,
    size,
    entries,
    async read(name, start = 0, length) {
      const entry = entries.get(name);
      if (!entry) return fail(`no entry ${JSON.stringify(name)}`);
      const want = length ?? entry.size - start;
      if (start < 0 || want < 0 || start + want > entry.size) fail(`entry ${JSON.stringify(name)} has ${entry.size} bytes; bytes ${start}–${start + want} asked for`);
      const offset = await dataOffset(entry);
      if (entry.method === 0) {
        if (entry.compressedSize !== entry.size) fail(`stored entry ${JSON.stringify(name)} has sizes ${entry.compressedSize} and ${entry.size}`);
        return readAt(h, file, offset + start, want);
      }
      if (entry.size > MAX_INFLATED_ENTRY_BYTES) fail(`compressed entry ${JSON.stringify(name)} would inflate to ${entry.size} bytes (at most ${MAX_INFLATED_ENTRY_BYTES})`);
      let inflated: Uint8Array;
      try {
        inflated = inflateSync(await readAt(h, file, offset, entry.compressedSize), { out: new Uint8Array(entry.size) });
      } catch (e) {
        return fail(`entry ${JSON.stringify(name)} does not inflate (${(e as Error).message})`);
      }
      return inflated.subarray(start, start + want);
    },
    close: () => h.close(),
  };
}
