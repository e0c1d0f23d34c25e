/**
 * The dashboard's Import: one checkpoint file sent as the request body, streamed to disk under
 * the data folder (size-capped), imported by the same path as `bnlab import`, then indexed.
 *
 * The file is kept at `<data>/imports/<content hash>/<name>`: the run's source path, so uploading
 * the same bytes under the same name again finds the same run unchanged. A refused file is
 * removed again, and the import itself writes nothing into the runs root unless it succeeds.
 *
 * The route answers only a same-origin browser request (or a client with no Origin, such as curl),
 * sent as `application/octet-stream`: a page elsewhere cannot post a file here, neither with a
 * form (which cannot send that type) nor with fetch (the preflight is not answered).
 */
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, rename, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { Db } from "../db/client";
import { ingest } from "../db/ingest";
import { isDatasetName } from "../data/registry";
import { importPath } from "../import/import";
import { architectureName } from "../models/recognise";
import { ApiError, badRequest } from "./errors";
import { fileSize } from "./format";

export const UPLOAD_EXTENSIONS = [".pt", ".pth", ".safetensors"] as const;

/** The most a checkpoint reader takes (2 GiB); `BNLAB_IMPORT_MAX_BYTES` lowers it. */
export const MAX_UPLOAD_BYTES = 2 * 2 ** 30;

export function uploadLimit(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.BNLAB_IMPORT_MAX_BYTES);
  return Number.isInteger(v) && v > 0 ? Math.min(v, MAX_UPLOAD_BYTES) : MAX_UPLOAD_BYTES;
}

/** The uploaded file's name as the browser gives it: a plain file name with a checkpoint's extension. */
export function uploadFileName(raw: string | null): string {
  const name = (raw ?? "").trim();
  if (!name) throw badRequest("name the file: ?name=<file>.pth");
  if (name.length > 200 || /[/\\\0]/.test(name) || name === "." || name === ".." || name.startsWith(".")) {
    throw badRequest(`"${name.slice(0, 80)}" is not a plain file name`);
  }
  const ext = UPLOAD_EXTENSIONS.find((e) => name.toLowerCase().endsWith(e));
  if (!ext) throw badRequest(`${name}: not a checkpoint file; the dashboard imports ${UPLOAD_EXTENSIONS.join(", ")} files (an open_lth run folder: npx bnlab import)`);
  return name;
}

/** A browser's cross-site request names another origin; one without Origin comes from a non-browser client. */
export function checkSameOrigin(request: Request): void {
  const origin = request.headers.get("origin");
  const host = request.headers.get("host");
  if (origin === null) return;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    originHost = "";
  }
  if (!host || originHost !== host) throw new ApiError(403, "imports are taken only from this dashboard's own pages");
}

interface Received {
  file: string;
  bytes: number;
  sha256: string;
}

/** Streams the body into `file`, hashing it; over `limit` bytes it stops, removes the file and answers 413. */
async function receive(body: ReadableStream<Uint8Array>, file: string, name: string, limit: number): Promise<Received> {
  const hash = createHash("sha256");
  let bytes = 0;
  const tooBig = () => new ApiError(413, `${name} is larger than the import limit of ${fileSize(limit)}; import it with npx bnlab import instead`);
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > limit) return done(tooBig());
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), meter, createWriteStream(file, { flags: "wx" }));
  } catch (e) {
    await rm(file, { force: true });
    if (e instanceof ApiError) throw e;
    throw new ApiError(400, `${name}: the upload did not arrive whole (${(e as Error).message})`);
  }
  if (bytes === 0) {
    await rm(file, { force: true });
    throw badRequest(`${name} is empty`);
  }
  return { file, bytes, sha256: hash.digest("hex") };
}

export interface UploadOptions {
  db: Db;
  dataDir: string;
  runsDir: string;
  codeVersion: string;
}

export interface UploadResult {
  id: string;
  change: "added" | "updated" | "unchanged";
  name: string;
  architecture: string;
  bnChannels: number;
  forwardUnavailable: string | null;
}

/**
 * Receives, imports and indexes one uploaded checkpoint. `?name=` is the file's name,
 * `?dataset=` optionally the dataset it was trained on (test accuracy at import, when bnlab runs it).
 */
export async function importUpload(request: Request, opts: UploadOptions): Promise<UploadResult> {
  checkSameOrigin(request);
  const url = new URL(request.url);
  const name = uploadFileName(url.searchParams.get("name"));
  const dataset = url.searchParams.get("dataset") || undefined;
  if (dataset !== undefined && !isDatasetName(dataset)) throw badRequest(`dataset: unknown dataset "${dataset.slice(0, 40)}"`);
  const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/octet-stream") throw new ApiError(415, `send ${name} as the request body with content-type application/octet-stream`);
  const limit = uploadLimit();
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) throw new ApiError(413, `${name} is ${fileSize(declared)}, over the import limit of ${fileSize(limit)}; import it with npx bnlab import instead`);
  if (!request.body) throw badRequest(`${name} is empty`);

  const imports = path.join(opts.dataDir, "imports");
  await mkdir(imports, { recursive: true });
  const staging = path.join(imports, `.upload-${randomBytes(6).toString("hex")}`);
  await mkdir(staging);
  let kept: { file: string; dir: string; existed: boolean };
  try {
    const got = await receive(request.body, path.join(staging, name), name, limit);
    const dir = path.join(imports, got.sha256.slice(0, 16));
    const file = path.join(dir, name);
    const existed = existsSync(file);
    if (!existed) {
      await mkdir(dir, { recursive: true });
      await rename(got.file, file);
    }
    kept = { file, dir, existed };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }

  const stem = name.replace(/\.(pt|pth|safetensors)$/i, "");
  let imported;
  try {
    [imported] = await importPath(kept.file, { runsDir: opts.runsDir, name: stem, dataset, dataDir: opts.dataDir, codeVersion: opts.codeVersion });
  } catch (e) {
    if (!kept.existed) {
      await rm(kept.file, { force: true });
      await rmdir(kept.dir).catch(() => {});
    }
    // The reader names the file by its path on the server; the person knows it by its name.
    const message = ((e as Error).message ?? String(e)).split(kept.file).join(name);
    throw new ApiError(422, message.startsWith(name) ? message : `${name}: ${message}`);
  }
  const report = await ingest(opts.db, opts.runsDir, { only: [imported.id] });
  const broken = report.broken.find((b) => b.id === imported.id);
  if (broken) throw new ApiError(500, `${name} was imported as ${imported.id} but could not be indexed: ${broken.error}`);
  return {
    id: imported.id,
    change: imported.change,
    name: imported.run.name,
    architecture: architectureName(imported.run.architecture),
    bnChannels: imported.run.parameters.bnChannels,
    forwardUnavailable: imported.run.forwardUnavailable,
  };
}
