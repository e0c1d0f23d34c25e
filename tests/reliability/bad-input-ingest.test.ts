/**
 * Bad files met by ingest: two runs are indexed, then one of them has a file broken in each way
 * the matrix knows (bad JSON, a future version, a FIFO, a directory or a dangling symlink under a
 * file's name, a truncated or NaN checkpoint…). After every ingest the other run's rows, and
 * everything indexed before from the broken run, must be exactly as they were; the broken run is
 * marked with an error naming the file and the problem.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db/client";
import { resnetSpec } from "../../lib/models/arch";
import { caseCounter, checkpointBytes, initWeights, metricLines, mkfifo, validRunFile, withValue, writeRun } from "./bad-input-support";

const counter = caseCounter("bad-input cases tried (ingest)");
const tmp = mkdtempSync(path.join(tmpdir(), "bnlab-badingest-"));
const runsDir = path.join(tmp, "runs");
mkdirSync(runsDir);
const a = writeRun(runsDir, 0);
const b = writeRun(runsDir, 1);

let db: Db;
let ingest: typeof import("../../lib/db/ingest").ingest;

beforeAll(async () => {
  const client = await import("../../lib/db/client");
  ({ ingest } = await import("../../lib/db/ingest"));
  db = await client.openDb({ DATABASE_URL: `file:${path.join(tmp, "t.db")}` });
  const first = await ingest(db, runsDir);
  expect(first).toMatchObject({ runs: 2, added: 2, broken: [] });
});

afterAll(async () => {
  counter.done();
  await db?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Every row of the index, in a stable order, without the columns a re-ingest legitimately moves. */
async function snapshot() {
  const p = db.prisma;
  const runs = await p.run.findMany({ orderBy: { id: "asc" } });
  return {
    runs: Object.fromEntries(runs.map((r) => [r.id, r])),
    // Without the row id: a re-ingest of a restored file rewrites the same points under new ids.
    metrics: (await p.metricPoint.findMany({ orderBy: [{ runId: "asc" }, { line: "asc" }] })).map(({ id: _id, ...m }) => m),
    checkpoints: await p.checkpoint.findMany({ orderBy: [{ runId: "asc" }, { epoch: "asc" }] }),
    gammas: (await p.gammaSummary.findMany({ orderBy: [{ checkpointId: "asc" }, { layer: "asc" }] })).map(({ id: _id, ...g }) => g),
  };
}
type Snapshot = Awaited<ReturnType<typeof snapshot>>;

const file = (...p: string[]) => path.join(a.dir, ...p);
const restore = new Map<string, Buffer>();
function breakFile(rel: string, how: (f: string) => void): string {
  const f = file(rel);
  if (!restore.has(rel)) restore.set(rel, readFileSync(f));
  rmSync(f, { recursive: true, force: true });
  how(f);
  return f;
}
/** Puts the good files back and re-ingests: the run must be whole again, with what it had before. */
async function restoreAll(): Promise<void> {
  for (const [rel, bytes] of restore) {
    rmSync(file(rel), { recursive: true, force: true });
    writeFileSync(file(rel), bytes);
  }
  restore.clear();
  const r = await ingest(db, runsDir);
  expect(r.broken, "restored, the run is whole again").toEqual([]);
}

/**
 * Ingests with `a` broken, then checks: the ingest finished and indexed both runs; `a` is broken
 * with an error naming `input` and matching `problem`; nothing of `b` changed; of `a`, only its
 * status/error (and the file facts of the broken file) changed.
 */
async function expectContained(before: Snapshot, input: string, problem: RegExp, changedEpoch?: number): Promise<Snapshot> {
  counter.add();
  const r = await ingest(db, runsDir);
  expect(r.runs, "both runs are still seen").toBe(2);
  const broken = r.broken.find((x) => x.id === a.id);
  expect(broken, `run ${a.id} is reported broken`).toBeDefined();
  expect(broken!.error).toContain(input);
  expect(broken!.error).toMatch(problem);
  expect(r.broken.map((x) => x.id)).toEqual([a.id]);
  const after = await snapshot();
  expect(after.runs[b.id], "the other run is untouched").toEqual(before.runs[b.id]);
  expect(after.runs[a.id].status).toBe("broken");
  expect(after.runs[a.id].error).toContain(input);
  const { status: _s, error: _e, runJsonMtime: _m, metricsBytes: _b, indexedAt: _u, ...restAfter } = after.runs[a.id];
  const { status: _s2, error: _e2, runJsonMtime: _m2, metricsBytes: _b2, indexedAt: _u2, ...restBefore } = before.runs[a.id];
  expect(restAfter, "the broken run's indexed facts stay").toEqual(restBefore);
  expect(after.metrics, "metric points stay").toEqual(before.metrics);
  expect(after.gammas, "γ summaries stay").toEqual(before.gammas);
  const untouched = (s: Snapshot) => s.checkpoints.filter((c) => c.runId !== a.id || c.epoch !== changedEpoch);
  expect(untouched(after), "the other checkpoints stay").toEqual(untouched(before));
  return after;
}

describe("ingest of a run whose files go bad", () => {
  let good: Snapshot;
  beforeAll(async () => {
    good = await snapshot();
    expect(good.metrics.length).toBe(6);
    expect(good.checkpoints.length).toBe(4);
    expect(good.gammas.length).toBeGreaterThan(0);
  });

  const runJsonCases: [string, (f: string) => void, RegExp][] = [
    ["not JSON", (f) => writeFileSync(f, "{ not json"), /not valid JSON/],
    ["zero-length", (f) => writeFileSync(f, ""), /not valid JSON/],
    ["a future format version", (f) => writeFileSync(f, JSON.stringify({ ...validRunFile(0), formatVersion: 7 })), /format version 7 is newer than this bnlab understands/],
    ["invalid UTF-8", (f) => writeFileSync(f, Buffer.concat([Buffer.from('{"id": "'), Buffer.from([0xff]), Buffer.from('"}')])), /not valid UTF-8 text \(bad byte at offset 8\)/],
    ["a FIFO (reading it would block forever)", (f) => mkfifo(f), /not a regular file/],
    ["a directory", (f) => mkdirSync(f), /a directory/],
    ["a depth that would never finish building", (f) => writeFileSync(f, JSON.stringify({ ...validRunFile(0), config: { ...validRunFile(0).config, model: { depth: 6_000_000_002, width: 4, bnInit: "uniform" } } })), /config\.model\.depth/],
  ];
  for (const [name, how, problem] of runJsonCases) {
    it(`keeps everything when run.json becomes ${name}`, async () => {
      const f = breakFile("run.json", how);
      await expectContained(good, f, problem);
      await restoreAll();
    });
  }

  const metricsCases: [string, (f: string) => void, RegExp][] = [
    ["a bad line", (f) => writeFileSync(f, metricLines() + "{oops\n"), /line 4 is not valid JSON/],
    ["invalid UTF-8", (f) => writeFileSync(f, Buffer.concat([Buffer.from(metricLines()), Buffer.from([0xc3, 0x28, 0x0a])])), /not valid UTF-8/],
    ["a directory (ingest used to stop at it)", (f) => mkdirSync(f), /a directory/],
    ["a FIFO", (f) => mkfifo(f), /not a regular file/],
  ];
  for (const [name, how, problem] of metricsCases) {
    it(`keeps everything when metrics.jsonl becomes ${name}`, async () => {
      const f = breakFile("metrics.jsonl", how);
      await expectContained(good, f, problem);
      await restoreAll();
    });
  }

  it("keeps the γ summary of a checkpoint that is truncated, and marks it", async () => {
    const f = breakFile("ckpt/ep-1.safetensors", (f) => writeFileSync(f, checkpointBytes().subarray(0, 100)));
    const after = await expectContained(good, f, /not a valid safetensors file/, 1);
    const ck = after.checkpoints.find((c) => c.runId === a.id && c.epoch === 1)!;
    expect(ck.error).toMatch(/not a valid safetensors file/);
    await restoreAll();
  });

  it("keeps everything when a checkpoint becomes a directory, a FIFO or a zero-length file", async () => {
    for (const [how, problem] of [
      [(f: string) => mkdirSync(f), /a directory/],
      [(f: string) => mkfifo(f), /not a regular file/],
      [(f: string) => writeFileSync(f, ""), /shorter than the 8-byte header/],
    ] as const) {
      const f = breakFile("ckpt/ep-1.safetensors", how);
      await expectContained(good, f, problem, 1);
      await restoreAll();
    }
  });

  it("flags new checkpoints that are NaN, of another architecture or dangling symlinks, keeping the rest", async () => {
    const cases: [string, (f: string) => void, RegExp][] = [
      ["ckpt/ep-2.safetensors", (f) => writeFileSync(f, checkpointBytes(withValue(initWeights(), "blocks.0.conv1.weight", 3, NaN))), /unusable weights: blocks\.0\.conv1\.weight has 1 non-finite value/],
      ["ckpt/ep-3.safetensors", (f) => writeFileSync(f, checkpointBytes(withValue(initWeights(), "bn.running_var", 0, -2))), /bn\.running_var has 1 non-finite or negative value/],
      ["ckpt/ep-4.safetensors", (f) => writeFileSync(f, checkpointBytes(initialWide())), /does not match resnet-8 width 4/],
      ["ckpt/ep-5.safetensors", (f) => symlinkSync(path.join(tmp, "nowhere"), f), /cannot read \(ENOENT\)/],
    ];
    for (const [rel, how, problem] of cases) {
      const f = file(rel);
      how(f);
      const before = await snapshot();
      counter.add();
      const r = await ingest(db, runsDir);
      expect(r.broken.find((x) => x.id === a.id)?.error).toMatch(problem);
      expect(r.broken.find((x) => x.id === a.id)?.error).toContain(f);
      const after = await snapshot();
      expect(after.runs[b.id]).toEqual(before.runs[b.id]);
      expect(after.metrics).toEqual(before.metrics);
      const old = (s: Snapshot) => s.checkpoints.filter((c) => c.epoch <= 1);
      expect(old(after)).toEqual(old(before));
      rmSync(f, { force: true });
    }
    // With the bad files gone, the run is whole again.
    await restoreAll();
    expect((await snapshot()).runs[a.id].status).toBe("complete");
  });

  it("keeps everything when ckpt/ is a file instead of a folder", async () => {
    const dir = file("ckpt");
    const moved = path.join(tmp, "ckpt-aside");
    rmSync(moved, { recursive: true, force: true });
    // Renaming keeps the files' mtimes, so the restored checkpoints count as unchanged.
    const { renameSync } = await import("node:fs");
    renameSync(dir, moved);
    writeFileSync(dir, "not a folder");
    counter.add();
    const before = await snapshot();
    const r = await ingest(db, runsDir);
    expect(r.broken.find((x) => x.id === a.id)?.error).toMatch(/ckpt: cannot list \(ENOTDIR\)/);
    const after = await snapshot();
    expect(after.runs[b.id]).toEqual(before.runs[b.id]);
    expect(after.metrics).toEqual(before.metrics);
    rmSync(dir);
    renameSync(moved, dir);
    await restoreAll();
    expect(await snapshot()).toEqual({ ...after, runs: { ...after.runs, [a.id]: (await snapshot()).runs[a.id] } });
  });
});

function initialWide() {
  return initWeights(0, resnetSpec({ depth: 8, width: 8 }));
}
