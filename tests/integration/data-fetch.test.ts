/**
 * `bnlab data fetch cifar10` against a loopback server: download, MD5, resume, --from, skip when
 * present, offline errors, and the CLI end to end. Nothing leaves 127.0.0.1.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { loadCifar10, locateCifar10 } from "../../lib/data/cifar10";
import { ChecksumError, DownloadError, cifar10PartFile, fetchCifar10 } from "../../lib/data/fetch";
import { closedPort, makeCifarArchive, serveArchive, type ArchiveServer, type TestArchive } from "../unit/data/cifar-archive";

const BIN = fileURLToPath(new URL("../../bin/bnlab.mjs", import.meta.url));
const WRONG_MD5 = "0".repeat(32);

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "bnlab-fetch-"));
  dirs.push(d);
  return d;
};

let archive: TestArchive;
let server: ArchiveServer;

beforeAll(async () => {
  archive = await makeCifarArchive(tmp(), { perFile: 12 });
  server = await serveArchive(archive.bytes);
});

afterEach(() => {
  server.requests.length = 0;
  server.dropAfter(0, 0);
});

afterAll(async () => {
  await server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const finalArchive = (dataDir: string) => join(dataDir, "downloads", "cifar-10-binary.tar.gz");

/** Only the six .bin files plus the archive's other files; no temp folders left in dataDir. */
function expectCleanDataDir(dataDir: string) {
  expect(readdirSync(dataDir).filter((n) => n.startsWith("."))).toEqual([]);
}

describe("fetchCifar10 over HTTP", () => {
  it("downloads, checks the MD5, unpacks, and the reader loads it", async () => {
    const dataDir = tmp();
    const r = await fetchCifar10({ dataDir, url: server.url, md5: archive.md5 });
    expect(r).toMatchObject({ path: join(dataDir, "cifar-10-batches-bin"), downloaded: true, bytes: archive.bytes.length, unpacked: true });
    expect(statSync(finalArchive(dataDir)).size).toBe(archive.bytes.length);
    expect(existsSync(cifar10PartFile(dataDir))).toBe(false);
    expect(existsSync(join(r.path, "batches.meta.txt"))).toBe(true);
    expect(locateCifar10(dataDir)).toBe(r.path);
    const test = loadCifar10("test", dataDir);
    expect(test.count).toBe(archive.perFile);
    expect(Array.from(test.labels)).toEqual(archive.testLabels);
    expect(loadCifar10("train", dataDir).count).toBe(5 * archive.perFile);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].headers.range).toBeUndefined();
    expectCleanDataDir(dataDir);
  });

  it("rejects a wrong MD5, says expected vs got, and keeps no file", async () => {
    const dataDir = tmp();
    const err = await fetchCifar10({ dataDir, url: server.url, md5: WRONG_MD5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumError);
    expect((err as Error).message).toContain(`expected ${WRONG_MD5}, got ${archive.md5}`);
    expect((err as Error).message).toMatch(/deleted/);
    expect(existsSync(finalArchive(dataDir))).toBe(false);
    expect(existsSync(cifar10PartFile(dataDir))).toBe(false);
    expect(existsSync(join(dataDir, "cifar-10-batches-bin"))).toBe(false);
  });

  it("resumes a part file with a Range request", async () => {
    const dataDir = tmp();
    const half = Math.floor(archive.bytes.length / 2);
    mkdirSync(join(dataDir, "downloads"), { recursive: true });
    writeFileSync(cifar10PartFile(dataDir), archive.bytes.subarray(0, half));
    const r = await fetchCifar10({ dataDir, url: server.url, md5: archive.md5 });
    expect(r.downloaded).toBe(true);
    expect(r.bytes).toBe(archive.bytes.length - half);
    expect(server.requests.map((q) => q.headers.range)).toEqual([`bytes=${half}-`]);
    expect(loadCifar10("test", dataDir).count).toBe(archive.perFile);
  });

  it("resumes after the server drops the connection half way", async () => {
    const dataDir = tmp();
    const half = Math.floor(archive.bytes.length / 2);
    server.dropAfter(half);
    const first = await fetchCifar10({ dataDir, url: server.url, md5: archive.md5 }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(DownloadError);
    expect((first as Error).message).toMatch(/interrupted .*run the same command again to resume/);
    const kept = statSync(cifar10PartFile(dataDir)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(half);
    expect(existsSync(join(dataDir, "cifar-10-batches-bin"))).toBe(false);

    const second = await fetchCifar10({ dataDir, url: server.url, md5: archive.md5 });
    expect(second.bytes).toBe(archive.bytes.length - kept);
    expect(server.requests.map((q) => q.headers.range)).toEqual([undefined, `bytes=${kept}-`]);
    expect(loadCifar10("train", dataDir).count).toBe(5 * archive.perFile);
  });

  it("starts over when the server ignores Range (200)", async () => {
    const plain = await serveArchive(archive.bytes, { ranges: false });
    try {
      const dataDir = tmp();
      mkdirSync(join(dataDir, "downloads"), { recursive: true });
      writeFileSync(cifar10PartFile(dataDir), Buffer.from("garbage that is not a prefix"));
      const r = await fetchCifar10({ dataDir, url: plain.url, md5: archive.md5 });
      expect(r.bytes).toBe(archive.bytes.length);
      expect(statSync(finalArchive(dataDir)).size).toBe(archive.bytes.length);
    } finally {
      await plain.close();
    }
  });

  it("does nothing when the dataset is already there, and --force unpacks the verified download again", async () => {
    const dataDir = tmp();
    await fetchCifar10({ dataDir, url: server.url, md5: archive.md5 });
    server.requests.length = 0;
    const again = await fetchCifar10({ dataDir, url: server.url, md5: archive.md5 });
    expect(again).toMatchObject({ downloaded: false, unpacked: false, bytes: 0, path: join(dataDir, "cifar-10-batches-bin") });
    const forced = await fetchCifar10({ dataDir, url: server.url, md5: archive.md5, force: true });
    expect(forced).toMatchObject({ downloaded: false, unpacked: true, archive: finalArchive(dataDir) });
    expect(server.requests, "no request when present or already downloaded").toEqual([]);
    expectCleanDataDir(dataDir);
  });

  it("replaces a damaged folder, reusing the verified download", async () => {
    const dataDir = tmp();
    await fetchCifar10({ dataDir, url: server.url, md5: archive.md5 });
    server.requests.length = 0;
    writeFileSync(join(dataDir, "cifar-10-batches-bin", "test_batch.bin"), Buffer.alloc(100));
    const lines: string[] = [];
    const r = await fetchCifar10({ dataDir, url: server.url, md5: archive.md5, log: (l) => lines.push(l) });
    expect(r.unpacked).toBe(true);
    expect(lines.join("\n")).toMatch(/incomplete or damaged/);
    expect(server.requests).toEqual([]);
    expect(loadCifar10("test", dataDir).count).toBe(archive.perFile);
  });

  it("says which URL failed and suggests --from when nothing listens", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/cifar-10-binary.tar.gz`;
    const dataDir = tmp();
    const err = await fetchCifar10({ dataDir, url, md5: archive.md5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    const message = (err as Error).message;
    expect(message).toContain(url);
    expect(message).toMatch(/ECONNREFUSED/);
    expect(message).toMatch(/--from/);
    expect(message).not.toContain("\n");
  });

  it("reports an HTTP error status", async () => {
    const err = await fetchCifar10({ dataDir: tmp(), url: server.url.replace(/[^/]+$/, "nope.tar.gz"), md5: archive.md5 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/HTTP 404.*--from/);
  });

  it("gives up on a stalled server after the idle timeout, keeping what arrived", async () => {
    const dataDir = tmp();
    server.stallAfter(1000);
    const err = await fetchCifar10({ dataDir, url: server.url, md5: archive.md5, idleTimeoutMs: 300 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/no data for 0\.3 s/);
    const r = await fetchCifar10({ dataDir, url: server.url, md5: archive.md5 });
    expect(r.unpacked).toBe(true);
  });
});

describe("fetchCifar10 --from", () => {
  it("unpacks a local copy after checking its MD5, without the network", async () => {
    const dataDir = tmp();
    const r = await fetchCifar10({ dataDir, from: archive.file, md5: archive.md5, url: `http://127.0.0.1:${await closedPort()}/x` });
    expect(r).toMatchObject({ downloaded: false, bytes: 0, unpacked: true, archive: archive.file });
    expect(loadCifar10("test", dataDir).count).toBe(archive.perFile);
    expect(existsSync(join(dataDir, "downloads"))).toBe(false);
  });

  it("refuses a copy with the wrong MD5 but keeps the user's file; --no-verify (verify: false) skips the check", async () => {
    const dataDir = tmp();
    await expect(fetchCifar10({ dataDir, from: archive.file, md5: WRONG_MD5 })).rejects.toThrow(`expected ${WRONG_MD5}, got ${archive.md5}`);
    expect(existsSync(archive.file)).toBe(true);
    expect(existsSync(join(dataDir, "cifar-10-batches-bin"))).toBe(false);
    const r = await fetchCifar10({ dataDir, from: archive.file, md5: WRONG_MD5, verify: false });
    expect(r.unpacked).toBe(true);
  });

  it("names a missing file", async () => {
    await expect(fetchCifar10({ dataDir: tmp(), from: "/nonexistent/cifar.tar.gz" })).rejects.toThrow("/nonexistent/cifar.tar.gz: file not found");
  });
});

/** The CLI in a child process; async, since the server answers from this process's event loop. */
function bnlabAsync(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, BNLAB_DATA_DIR: tmp() } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill(), 120_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      ok({ code, out, err });
    });
  });
}

function bnlab(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 120_000, env: { ...process.env, BNLAB_DATA_DIR: tmp() } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("bnlab data fetch cifar10", () => {
  it("downloads, after which `bnlab data list` shows cifar10 available", async () => {
    const dataDir = tmp();
    const before = bnlab(["data", "list", "--data-dir", dataDir]);
    expect(before.out).toMatch(/cifar10\s+missing/);
    const r = await bnlabAsync(["data", "fetch", "cifar10", "--url", server.url, "--md5", archive.md5, "--data-dir", dataDir]);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/cifar10 ready in .*cifar-10-batches-bin \(downloaded/);
    const after = bnlab(["data", "list", "--data-dir", dataDir]);
    expect(after.code).toBe(0);
    expect(after.out).toMatch(new RegExp(`cifar10\\s+available\\s+${join(dataDir, "cifar-10-batches-bin").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));

    server.requests.length = 0;
    const again = await bnlabAsync(["data", "fetch", "cifar10", "--url", server.url, "--md5", archive.md5, "--data-dir", dataDir]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/already present/);
    expect(server.requests).toEqual([]);
  });

  it("unpacks --from, and errors in one line", async () => {
    const dataDir = tmp();
    const r = bnlab(["data", "fetch", "cifar10", "--from", archive.file, "--md5", archive.md5, "--data-dir", dataDir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/cifar10 ready .*from /);

    const port = await closedPort();
    const offline = bnlab(["data", "fetch", "cifar10", "--url", `http://127.0.0.1:${port}/c.tar.gz`, "--data-dir", tmp()]);
    expect(offline.code).toBe(1);
    expect(offline.err, "no stack trace").not.toMatch(/\n\s+at /);
    const lastLine = offline.err.trim().split("\n").at(-1);
    expect(lastLine).toMatch(new RegExp(`^bnlab data: cannot download http://127\\.0\\.0\\.1:${port}/c\\.tar\\.gz: .*ECONNREFUSED.*--from`));

    const bad = bnlab(["data", "fetch", "cifar10", "--from", archive.file, "--md5", WRONG_MD5, "--data-dir", tmp()]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(`expected ${WRONG_MD5}, got ${archive.md5}`);

    expect(bnlab(["data", "fetch", "mnist"]).err).toMatch(/only cifar10/);
    expect(bnlab(["data", "fetch", "cifar10", "--no-verify"]).err).toMatch(/--no-verify only applies to --from/);
  });
});
