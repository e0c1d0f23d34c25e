import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "tar";
import { describe, expect, it } from "vitest";

import { downloadFile, md5File, parseContentRange, type DownloadProgress } from "../../../lib/data/download";
import { DatasetError } from "../../../lib/data/errors";
import { CIFAR10_MD5, CIFAR10_URL, fetchCifar10, unpackCifar10, validateCifar10Folder } from "../../../lib/data/fetch";
import { makeCifarArchive, serveArchive } from "./cifar-archive";
import { useTempDirs } from "./helpers";

const tmp = useTempDirs();

describe("download helpers", () => {
  it("parses Content-Range", () => {
    expect(parseContentRange("bytes 100-199/200")).toEqual({ start: 100, end: 199, total: 200 });
    expect(parseContentRange("bytes 0-9/*")).toEqual({ start: 0, end: 9, total: null });
    expect(parseContentRange("bytes */200")).toBeNull();
    expect(parseContentRange(null)).toBeNull();
  });

  it("computes a file's MD5", async () => {
    const file = join(tmp(), "f");
    writeFileSync(file, "hello");
    expect(await md5File(file)).toBe(createHash("md5").update("hello").digest("hex"));
  });

  it("knows the official archive", () => {
    expect(CIFAR10_URL).toBe("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");
    expect(CIFAR10_MD5).toBe("c32a1d4ab5d03f1284b67883e8d87530");
  });

  it("refuses an md5 that is not one", async () => {
    await expect(fetchCifar10({ dataDir: tmp(), md5: "abc", from: "/x" })).rejects.toThrow(/not an MD5/);
  });
});

describe("downloadFile", () => {
  it("reports progress up to the total and renames the verified part", async () => {
    const archive = await makeCifarArchive(tmp(), { perFile: 4 });
    const server = await serveArchive(archive.bytes);
    try {
      const dest = join(tmp(), "a.tar.gz");
      const seen: DownloadProgress[] = [];
      const r = await downloadFile({ url: server.url, dest, md5: archive.md5, onProgress: (p) => seen.push(p) });
      expect(r).toEqual({ bytes: archive.bytes.length, resumedFrom: 0 });
      expect(seen.at(-1)).toEqual({ done: archive.bytes.length, total: archive.bytes.length, resumedFrom: 0 });
      expect(seen.every((p, i) => i === 0 || p.done >= seen[i - 1].done)).toBe(true);
      expect(await md5File(dest)).toBe(archive.md5);
      expect(existsSync(`${dest}.part`)).toBe(false);
    } finally {
      await server.close();
    }
  });

  it("takes a part file that is already whole (416) without downloading it again", async () => {
    const archive = await makeCifarArchive(tmp(), { perFile: 2 });
    const server = await serveArchive(archive.bytes);
    try {
      const dest = join(tmp(), "a.tar.gz");
      writeFileSync(`${dest}.part`, archive.bytes);
      const r = await downloadFile({ url: server.url, dest, md5: archive.md5 });
      expect(r.bytes).toBe(0);
      expect(server.requests.map((q) => q.headers.range)).toEqual([`bytes=${archive.bytes.length}-`]);
      expect(await md5File(dest)).toBe(archive.md5);
    } finally {
      await server.close();
    }
  });

  it("starts over when the part file is longer than the server's file", async () => {
    const archive = await makeCifarArchive(tmp(), { perFile: 2 });
    const server = await serveArchive(archive.bytes);
    try {
      const dest = join(tmp(), "a.tar.gz");
      writeFileSync(`${dest}.part`, Buffer.concat([archive.bytes, Buffer.from("extra")]));
      const lines: string[] = [];
      const r = await downloadFile({ url: server.url, dest, md5: archive.md5, log: (l) => lines.push(l) });
      expect(r.bytes).toBe(archive.bytes.length);
      expect(server.requests).toHaveLength(2);
      expect(server.requests[1].headers.range).toBeUndefined();
      expect(lines.join("\n")).toMatch(/starting over/);
    } finally {
      await server.close();
    }
  });
});

describe("unpackCifar10", () => {
  it("unpacks only the dataset folder's regular files, and validates them", async () => {
    const archive = await makeCifarArchive(tmp(), {
      mutate: (folder) => {
        symlinkSync("/etc/passwd", join(folder, "link"));
        writeFileSync(join(folder, "..", "outside.txt"), "not ours");
      },
      extra: ["outside.txt"],
    });
    const dataDir = tmp();
    const dest = await unpackCifar10(archive.file, dataDir);
    expect(dest).toBe(join(dataDir, "cifar-10-batches-bin"));
    expect(readdirSync(dataDir)).toEqual(["cifar-10-batches-bin"]);
    expect(readdirSync(dest).sort()).toEqual(
      ["batches.meta.txt", "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"],
    );
    expect(Object.values(validateCifar10Folder(dest))).toEqual([8, 8, 8, 8, 8, 8]);
  });

  it("leaves nothing under the real name when a file is missing or damaged", async () => {
    const missing = await makeCifarArchive(tmp(), { mutate: (folder) => writeFileSync(join(folder, "test_batch.bin"), "") });
    const dataDir = tmp();
    await expect(unpackCifar10(missing.file, dataDir)).rejects.toThrow(/cifar-10-batches-bin\/test_batch\.bin: holds no records/);
    const truncated = await makeCifarArchive(tmp(), { mutate: (folder) => writeFileSync(join(folder, "data_batch_3.bin"), Buffer.alloc(3000)) });
    await expect(unpackCifar10(truncated.file, dataDir)).rejects.toThrow(/data_batch_3\.bin: size 3000 is not a multiple/);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it("says what is wrong with an archive that is not CIFAR-10", async () => {
    const dataDir = tmp();
    const junk = join(tmp(), "junk.tar.gz");
    writeFileSync(junk, "this is not gzip");
    await expect(unpackCifar10(junk, dataDir)).rejects.toBeInstanceOf(DatasetError);
    await expect(unpackCifar10(junk, dataDir)).rejects.toThrow(/junk\.tar\.gz: cannot unpack/);
    // The right format, but the folder has another name.
    const src = tmp();
    mkdirSync(join(src, "cifar-10-batches-py"));
    writeFileSync(join(src, "cifar-10-batches-py", "data_batch_1"), "pickle");
    const other = join(tmp(), "cifar-10-python.tar.gz");
    await create({ gzip: true, file: other, cwd: src }, ["cifar-10-batches-py"]);
    await expect(unpackCifar10(other, dataDir)).rejects.toThrow(/holds no cifar-10-batches-bin\/ folder/);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it("replaces an existing folder in one rename and cleans leftovers of an interrupted unpack", async () => {
    const archive = await makeCifarArchive(tmp(), { perFile: 3 });
    const dataDir = tmp();
    mkdirSync(join(dataDir, "cifar-10-batches-bin"));
    writeFileSync(join(dataDir, "cifar-10-batches-bin", "stale.txt"), "old");
    mkdirSync(join(dataDir, ".cifar-10-batches-bin.tmp-deadbeef"));
    const r = await fetchCifar10({ dataDir, from: archive.file, md5: archive.md5 });
    expect(r.unpacked).toBe(true);
    expect(readdirSync(dataDir)).toEqual(["cifar-10-batches-bin"]);
    expect(existsSync(join(r.path, "stale.txt"))).toBe(false);
  });
});
