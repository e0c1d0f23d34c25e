/**
 * Test fixtures for `bnlab data fetch`: a small cifar-10-binary.tar.gz in the official layout, and
 * a loopback HTTP server for it that honours Range requests and can misbehave on request.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { create } from "tar";

import { CIFAR10_FILES, encodeCifar10Records } from "../../../lib/data/cifar10";

const PIXELS = 32 * 32 * 3;
export const CIFAR_FILES = [...CIFAR10_FILES.train, ...CIFAR10_FILES.test];

export interface TestArchive {
  file: string;
  bytes: Buffer;
  md5: string;
  /** Records per .bin file. */
  perFile: number;
  /** Labels of the test split, in order. */
  testLabels: number[];
}

/**
 * Writes `<dir>/cifar-10-batches-bin/` (the six .bin files of `perFile` random records each, plus
 * batches.meta.txt) and packs it as `<dir>/<name>`. Random pixels keep gzip from shrinking it, so
 * "half the bytes" is a real cut. `mutate` may change the folder before packing.
 */
export async function makeCifarArchive(
  dir: string,
  opts: { perFile?: number; name?: string; mutate?: (folder: string) => void; extra?: string[] } = {},
): Promise<TestArchive> {
  const perFile = opts.perFile ?? 8;
  const src = join(dir, "src");
  const folder = join(src, "cifar-10-batches-bin");
  mkdirSync(folder, { recursive: true });
  let testLabels: number[] = [];
  CIFAR_FILES.forEach((name, f) => {
    const labels = Array.from({ length: perFile }, (_, i) => (f * perFile + i) % 10);
    if (name === "test_batch.bin") testLabels = labels;
    writeFileSync(join(folder, name), encodeCifar10Records(new Uint8Array(randomBytes(perFile * PIXELS)), labels));
  });
  writeFileSync(join(folder, "batches.meta.txt"), "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n");
  opts.mutate?.(folder);
  const file = join(dir, opts.name ?? "cifar-10-binary.tar.gz");
  await create({ gzip: true, file, cwd: src, portable: true }, ["cifar-10-batches-bin", ...(opts.extra ?? [])]);
  const bytes = readFileSync(file);
  return { file, bytes, md5: createHash("md5").update(bytes).digest("hex"), perFile, testLabels };
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface ArchiveServer {
  url: string;
  port: number;
  requests: SeenRequest[];
  /** Cut the connection after this many body bytes, for the next N requests. */
  dropAfter(bytes: number, times?: number): void;
  /** Send headers and this many bytes, then go silent (until the client gives up). */
  stallAfter(bytes: number): void;
  close(): Promise<void>;
}

/** Serves `body` at `/cifar-10-binary.tar.gz` on 127.0.0.1 (a random port), with Range support. */
export async function serveArchive(body: Buffer, opts: { ranges?: boolean } = {}): Promise<ArchiveServer> {
  const ranges = opts.ranges ?? true;
  const requests: SeenRequest[] = [];
  let drop: { bytes: number; times: number } | null = null;
  let stall: number | null = null;
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    if (req.url !== "/cifar-10-binary.tar.gz") {
      res.writeHead(404).end("not found");
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (ranges && m) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { "content-length": body.length - start, "content-range": `bytes ${start}-${body.length - 1}/${body.length}` });
    } else {
      res.writeHead(200, { "content-length": body.length, "content-type": "application/x-gzip" });
    }
    const rest = body.subarray(start);
    if (stall !== null) {
      const n = stall;
      stall = null;
      res.write(rest.subarray(0, n)); // and nothing more; the client's idle timeout ends it
      return;
    }
    if (drop && drop.times > 0) {
      drop.times--;
      const n = drop.bytes;
      res.write(rest.subarray(0, n), () => {
        // Give the client time to read what it got before the connection goes.
        setTimeout(() => res.socket?.destroy(), 150);
      });
      return;
    }
    res.end(rest);
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/cifar-10-binary.tar.gz`,
    port,
    requests,
    dropAfter(bytes, times = 1) {
      drop = { bytes, times };
    },
    stallAfter(bytes) {
      stall = bytes;
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** A loopback port with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}
