/**
 * A resumable HTTP download with an MD5 check, for dataset archives.
 *
 * Bytes stream into `<dest>.part`. When a part file exists, the request asks for the rest
 * (`Range: bytes=<size>-`) and appends when the server answers 206; a 200 starts over. Only a
 * file whose MD5 matches is renamed to `dest`, so `dest` existing means "complete and verified".
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";

/** The download could not happen or did not finish (network, HTTP status, stall). */
export class DownloadError extends Error {
  override name = "DownloadError";
  readonly url: string;
  /** True when part of the file arrived and calling again resumes it. */
  readonly interrupted: boolean;

  constructor(url: string, message: string, interrupted = false) {
    super(message);
    this.url = url;
    this.interrupted = interrupted;
  }
}

/** A file whose MD5 is not the expected one; the message says expected vs got. */
export class ChecksumError extends Error {
  override name = "ChecksumError";
  readonly file: string;
  readonly expected: string;
  readonly actual: string;

  constructor(file: string, expected: string, actual: string, note = "") {
    super(`${file}: MD5 mismatch (expected ${expected}, got ${actual})${note}`);
    this.file = file;
    this.expected = expected;
    this.actual = actual;
  }
}

export interface DownloadProgress {
  /** Bytes of the file on disk so far (including a resumed part). */
  done: number;
  /** The file's full size, or null when the server does not say. */
  total: number | null;
  /** Bytes already on disk when this transfer started (0 unless resumed). */
  resumedFrom: number;
}

export interface DownloadArgs {
  url: string;
  /** The final path; the transfer goes to `<dest>.part`. */
  dest: string;
  /** Expected MD5, lowercase hex. */
  md5: string;
  onProgress?: (p: DownloadProgress) => void;
  /** Notes worth telling a person (resuming, starting over). */
  log?: (line: string) => void;
  /** Abort when no byte arrives for this long (default 60 s). */
  idleTimeoutMs?: number;
}

export interface DownloadResult {
  /** Bytes received over the network by this call. */
  bytes: number;
  /** Bytes of an earlier part file that this call resumed from (0 when it started fresh). */
  resumedFrom: number;
}

export const MD5_PATTERN = /^[0-9a-f]{32}$/;

/** The MD5 of a file, lowercase hex, read as a stream. */
export async function md5File(file: string): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** `bytes <start>-<end>/<total|*>` → numbers (total null for `*`); null when it does not parse. */
export function parseContentRange(header: string | null): { start: number; end: number; total: number | null } | null {
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(header?.trim() ?? "");
  if (!m) return null;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === "*" ? null : Number(m[3]) };
}

/** The size of a file, 0 when it does not exist. */
async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/** "connect ECONNREFUSED 127.0.0.1:9" out of undici's "fetch failed" and its cause chain. */
function describe(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 4; depth++) {
    if (e.message && e.message !== "fetch failed") parts.push(e.message);
    e = (e as Error & { cause?: unknown }).cause;
  }
  return parts.length > 0 ? parts[parts.length - 1] : String(err);
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/**
 * Downloads `url` to `dest` through `<dest>.part`, resuming a part file left by an interrupted
 * call, and renames it to `dest` only when its MD5 is `md5`. A wrong MD5 deletes the part file.
 * An interrupted transfer keeps the part file, so calling again resumes it.
 */
export async function downloadFile(args: DownloadArgs): Promise<DownloadResult> {
  const { url, dest, md5 } = args;
  const part = `${dest}.part`;
  const log = args.log ?? (() => {});
  const idleMs = args.idleTimeoutMs ?? 60_000;
  await mkdir(dirname(dest), { recursive: true });

  let received = 0;
  let resumedFrom = 0;
  let complete = false;
  // At most two requests: a Range request the server refuses (416) is retried once from zero.
  for (let attempt = 0; attempt < 2; attempt++) {
    const have = await sizeOf(part);
    const controller = new AbortController();
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, idleMs);
    };
    const failed = (what: string, err: unknown, interrupted = false): DownloadError => {
      const why = stalled ? `no data for ${idleMs / 1000} s` : describe(err);
      return new DownloadError(url, `${what}: ${why}${interrupted ? "; run the same command again to resume" : ""}`, interrupted);
    };

    const headers: Record<string, string> = { "accept-encoding": "identity" };
    if (have > 0) headers.range = `bytes=${have}-`;
    let res: Response;
    arm();
    try {
      res = await fetch(url, { headers, signal: controller.signal, redirect: "follow" });
    } catch (err) {
      clearTimeout(timer);
      throw failed(`cannot download ${url}`, err);
    }

    let start: number;
    let total: number | null;
    if (res.status === 206) {
      const range = parseContentRange(res.headers.get("content-range"));
      if (!range || range.start !== have) {
        // A range we did not ask for: the part file cannot be trusted to line up. Start over.
        clearTimeout(timer);
        await res.body?.cancel().catch(() => {});
        log(`${url}: the server answered a different range (${res.headers.get("content-range") ?? "none"}); starting over`);
        await rm(part, { force: true });
        continue;
      }
      start = have;
      total = range.total;
      if (have > 0) log(`resuming ${url} at ${mb(have)}`);
    } else if (res.status === 200) {
      if (have > 0) log(`${url}: the server does not resume downloads; starting over`);
      start = 0;
      const length = Number(res.headers.get("content-length"));
      total = res.headers.has("content-length") && Number.isFinite(length) ? length : null;
    } else if (res.status === 416 && have > 0) {
      clearTimeout(timer);
      await res.body?.cancel().catch(() => {});
      const total = /\/(\d+)\s*$/.exec(res.headers.get("content-range") ?? "")?.[1];
      if (Number(total) === have) {
        complete = true; // the part file is already the whole file
        break;
      }
      log(`${url}: the part file (${mb(have)}) does not fit the server's file; starting over`);
      await rm(part, { force: true });
      continue;
    } else {
      clearTimeout(timer);
      await res.body?.cancel().catch(() => {});
      throw new DownloadError(url, `cannot download ${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`);
    }
    resumedFrom = start;

    // Every chunk is written before the next is read, so an interruption leaves a clean prefix.
    const handle = await open(part, start > 0 ? "a" : "w");
    let done = start;
    try {
      args.onProgress?.({ done, total, resumedFrom });
      if (res.body) {
        const reader = res.body.getReader();
        for (;;) {
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await reader.read();
          } catch (err) {
            throw failed(
              `download of ${url} interrupted at ${mb(done)}${total !== null ? ` of ${mb(total)}` : ""}`,
              err,
              true,
            );
          }
          if (chunk.done) break;
          arm();
          await handle.write(chunk.value);
          done += chunk.value.length;
          received += chunk.value.length;
          args.onProgress?.({ done, total, resumedFrom });
        }
      }
    } finally {
      clearTimeout(timer);
      await handle.close();
    }
    if (total !== null && done !== total) {
      throw new DownloadError(url, `download of ${url} ended at ${mb(done)} of ${mb(total)}; run the same command again to resume`, true);
    }
    complete = true;
    break;
  }
  if (!complete) throw new DownloadError(url, `cannot download ${url}: the server keeps answering a range that does not fit the part file`);

  const actual = await md5File(part);
  if (actual !== md5) {
    await rm(part, { force: true });
    throw new ChecksumError(url, md5, actual, `; deleted the download (${part})`);
  }
  await rename(part, dest);
  return { bytes: received, resumedFrom };
}
