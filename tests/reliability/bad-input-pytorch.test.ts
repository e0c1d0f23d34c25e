/**
 * The bad-input matrix for the PyTorch checkpoint reader and `bnlab import`: truncated archives,
 * storages of the wrong size, views reaching past their storage, unknown dtypes, recursive and
 * deeply nested pickles, huge sizes, legacy and big-endian files, code-running pickles. Each is a
 * CheckpointError naming the file and the problem — never a bare TypeError, a hang or a huge
 * allocation — and importing it changes nothing: no folder in the runs root, no row in the index.
 * Property cases mutate a good checkpoint's bytes at random.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckpointError } from "../../lib/checkpoint/errors";
import { readPytorchCheckpoint } from "../../lib/checkpoint/pytorch";
import type { Db } from "../../lib/db/client";
import { hasTorch, runPython } from "../support/torch";
import { caseCounter } from "./bad-input-support";

const counter = caseCounter("bad-input cases tried (PyTorch checkpoints)");
const properties = caseCounter("bad-input property inputs tried (PyTorch checkpoints)");

const CASES: [file: string, problem: RegExp][] = [
  ["truncated.pth", /not a valid zip checkpoint: no end-of-central-directory record/],
  ["not-a-checkpoint.pth", /is not a PyTorch checkpoint/],
  ["wrong-storage-size.pth", /storage 0 should hold 8 × 4 bytes \(FloatStorage\) but its entry has 24/],
  ["offset-beyond.pth", /reaches element 6 of a storage .* of 6 elements/],
  ["stride-beyond.pth", /reaches element 7 of a storage .* of 6 elements/],
  ["unknown-dtype.pth", /storage type torch\.ComplexFloatStorage has a dtype bnlab does not read/],
  ["huge-size.pth", /has more than 268435456 elements/],
  ["missing-storage.pth", /storage 9 has no entry archive\/data\/9/],
  ["recursive.pth", /holds no state dict/],
  ["deep.pth", /holds no state dict/],
  ["no-state-dict.pth", /holds no state dict.*a list/],
  ["legacy.pth", /legacy PyTorch checkpoint/],
  ["big-endian.pth", /big-endian/],
  ["malicious.pth", /refused: the pickle names the global "posix\.system"/],
  ["malicious-eval.pth", /refused: the pickle names the global "__builtin__\.eval"/],
];

describe.skipIf(!hasTorch)("bad PyTorch checkpoints", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "bnlab-badpth-"));
  const src = path.join(tmp, "src");
  const data = path.join(tmp, "data");
  const runsDir = path.join(data, "runs");
  const marker = path.join(tmp, "marker");
  let db: Db;
  let ingest: typeof import("../../lib/db/ingest").ingest;
  let importPath: typeof import("../../lib/import/import").importPath;

  beforeAll(async () => {
    mkdirSync(src);
    mkdirSync(runsDir, { recursive: true });
    runPython(path.resolve("tests/support/pytorch_checkpoints.py"), [src, marker]);
    ({ ingest } = await import("../../lib/db/ingest"));
    ({ importPath } = await import("../../lib/import/import"));
    db = await (await import("../../lib/db/client")).openDb({ DATABASE_URL: `file:${path.join(data, "t.db")}` });
    // One good run already imported and indexed: it must stay exactly as it is.
    await importPath(path.join(src, "plain.pth"), { runsDir, codeVersion: "test", dataDir: data });
    expect((await ingest(db, runsDir)).broken).toEqual([]);
  }, 120_000);
  afterAll(async () => {
    counter.done();
    properties.done();
    await db?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** The runs root (every file's bytes) and every row of the index. */
  async function stored() {
    const files: Record<string, string> = {};
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const f = path.join(d, e.name);
        if (e.isDirectory()) walk(f);
        else files[path.relative(runsDir, f)] = readFileSync(f).toString("base64");
      }
    };
    walk(runsDir);
    const p = db.prisma;
    return { files, runs: await p.run.findMany(), checkpoints: await p.checkpoint.findMany(), gammas: await p.gammaSummary.findMany() };
  }

  it.each(CASES)("%s: a clear error naming the file, and nothing stored changes", async (name, problem) => {
    counter.add();
    const file = path.join(src, name);
    const error = await readPytorchCheckpoint(file).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message.startsWith(`${file}: `)).toBe(true);
    expect((error as Error).message).toMatch(problem);
    const before = await stored();
    await expect(importPath(file, { runsDir, codeVersion: "test", dataDir: data })).rejects.toThrow(problem);
    await ingest(db, runsDir);
    expect(await stored()).toEqual(before);
    expect(existsSync(marker), "no code from the pickle ran").toBe(false);
  });

  it("random byte changes to a good checkpoint: read, or a CheckpointError naming the file", async () => {
    const good = readFileSync(path.join(src, "plain.pth"));
    const file = path.join(tmp, "mutated.pth");
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), async (edits) => {
        properties.add();
        const bytes = Buffer.from(good);
        for (const [at, v] of edits) bytes[at] = v;
        writeFileSync(file, bytes);
        await readPytorchCheckpoint(file).catch((e: unknown) => {
          expect(e).toBeInstanceOf(CheckpointError);
          expect((e as Error).message.startsWith(`${file}: `)).toBe(true);
        });
      }),
      { numRuns: 300, seed: 15 },
    );
  });
});
