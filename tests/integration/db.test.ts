/** Ingest and queries on SQLite always, and on a throwaway PostgreSQL when Debian's is installed. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, type Db } from "../../lib/db/client";
import { ingest } from "../../lib/db/ingest";
import { migrationFiles } from "../../lib/db/migrate";
import { cached, cachedValue, cachedValues, checkpointFile, completeRunCounts, findingInputs, gammaFractionsBelow001, gammaSummaries, getRun, listRuns, runMetrics } from "../../lib/db/queries";
import { hasPostgres, startPostgres, type PgServer } from "../support/postgres";
import { makeRuns } from "../support/runs";

const fixture = await makeRuns(["bn", "all"]);

function registrySuite(name: string, connect: () => Promise<{ db: Db; done: () => Promise<void> }>) {
  describe(name, () => {
    let db: Db;
    let done: () => Promise<void>;
    let runsDir: string;
    beforeAll(async () => {
      ({ db, done } = await connect());
      runsDir = mkdtempSync(path.join(tmpdir(), "bnlab-ingest-"));
      cpSync(fixture.runsDir, runsDir, { recursive: true, preserveTimestamps: true });
    });
    afterAll(async () => done());

    it("indexes runs, metrics, checkpoints and γ summaries", async () => {
      const r = await ingest(db, runsDir);
      expect(r).toMatchObject({ runs: 2, added: 2, updated: 0, unchanged: 0, broken: [] });
      const { total, rows } = await listRuns(db, { sort: "mode", order: "asc" });
      expect(total).toBe(2);
      expect(rows.map((x) => x.mode)).toEqual(["all", "bn"]);
      const bn = rows.find((x) => x.mode === "bn")!;
      expect(bn).toMatchObject({ status: "complete", dataset: "synthetic", depth: 8, width: 4, epochsDone: 2 });
      expect(bn).not.toHaveProperty("trainable");
      expect(bn.finalTestAccuracy).toBeGreaterThanOrEqual(0);
      expect(bn.paramsTrainable).toBeLessThan(bn.paramsTotal);
      const run = await getRun(db, bn.id);
      expect(run!.checkpoints.map((c) => c.epoch)).toEqual([0, 1, 2]);
      const metrics = await runMetrics(db, bn.id);
      expect(metrics.filter((m) => m.split === "test").map((m) => m.epoch)).toEqual([0, 1, 2]);
      const gammas = await gammaSummaries(db, bn.id, 2);
      expect(gammas.length).toBe(9); // stem + 3 blocks × 2 + 2 shortcut BNs
      expect(gammas.every((g) => g.fractionBelow001 >= 0 && g.fractionBelow001 <= 1)).toBe(true);
      // The findings page's whole-network fractions, final and epoch 0, of every run in one query:
      // the channel-weighted mean of the per-layer summaries.
      const fractions = await gammaFractionsBelow001(db, rows.map((x) => x.id), [0, 2]);
      expect([...fractions.keys()].sort()).toEqual(rows.flatMap((x) => [`${x.id}@0`, `${x.id}@2`]).sort());
      for (const epoch of [0, 2]) {
        const layers = await gammaSummaries(db, bn.id, epoch);
        const want = layers.reduce((s, l) => s + l.fractionBelow001 * l.channels, 0) / layers.reduce((s, l) => s + l.channels, 0);
        expect(fractions.get(`${bn.id}@${epoch}`)).toBeCloseTo(want, 12);
      }
      expect((await gammaFractionsBelow001(db, [bn.id], [1])).size).toBe(1);
      // The findings' inputs in one query: the same fractions aggregated by the database, the
      // training subset read from the stored config, the complete runs counted per dataset.
      expect(await completeRunCounts(db)).toEqual(new Map([["synthetic", 2]]));
      const inputs = await findingInputs(db, "synthetic");
      expect(inputs.map((x) => x.id).sort()).toEqual(rows.map((x) => x.id).sort());
      for (const x of inputs) {
        expect(x).toMatchObject({ dataset: "synthetic", depth: 8, width: 4, epochsDone: 2, trainSubset: 128 });
        expect(x.gammaBelow001).toBeCloseTo(fractions.get(`${x.id}@2`)!, 12);
        expect(x.gammaBelow001Init).toBeCloseTo(fractions.get(`${x.id}@0`)!, 12);
      }
      expect(await findingInputs(db, "mnist")).toEqual([]);
      await cached(db, "h1", "a", { x: 1 }, async () => ({ v: 1 }));
      expect(await cachedValues(db, [{ ckptHash: "h1", analysis: "a", params: { x: 1 } }, { ckptHash: "h1", analysis: "a", params: { x: 2 } }])).toEqual([{ v: 1 }, null]);
      expect((await listRuns(db, { q: "-bn-" })).rows.map((x) => x.mode)).toEqual(["bn"]);
      // the search finds a network by any of its names (ResNet-8 at width 4)
      for (const q of ["ResNet-8", "resnet-8 width 4", "ResNet-8 ×4", "r8 w4"]) expect((await listRuns(db, { q })).total, q).toBe(2);
      for (const q of ["resnet-80", "wrn", "ResNet-20"]) expect((await listRuns(db, { q })).total, q).toBe(0);
      expect((await listRuns(db, { q: "resnet-8", mode: "bn" })).rows.map((x) => x.mode)).toEqual(["bn"]);
      expect((await listRuns(db, { mode: "all", pageSize: 1 })).rows.length).toBe(1);
    });

    it("changes nothing when run twice", async () => {
      const before = await listRuns(db);
      const r = await ingest(db, runsDir);
      expect(r).toMatchObject({ runs: 2, added: 0, updated: 0, unchanged: 2 });
      expect(await listRuns(db)).toEqual(before);
    });

    it("records a corrupted checkpoint as broken, keeps the others and what was indexed", async () => {
      const bn = (await listRuns(db, { mode: "bn" })).rows[0];
      const file = path.join(bn.dir, "ckpt", "ep-2.safetensors");
      writeFileSync(file, readFileSync(file).subarray(0, 200));
      const r = await ingest(db, runsDir);
      expect(r.broken.map((b) => b.id)).toEqual([bn.id]);
      expect(r.broken[0].error).toMatch(/ep-2\.safetensors: not a valid safetensors file/);
      const after = await getRun(db, bn.id);
      expect(after!.status).toBe("broken");
      expect(after!.checkpoints.map((c) => [c.epoch, c.error === null])).toEqual([[0, true], [1, true], [2, false]]);
      expect((await runMetrics(db, bn.id)).length).toBeGreaterThan(0);
      expect((await listRuns(db, { mode: "all" })).rows[0].status).toBe("complete");
      await expect(checkpointFile(db, runsDir, bn.id, 2)).resolves.toBeNull();
      await expect(checkpointFile(db, runsDir, bn.id, 1)).resolves.toMatchObject({ path: path.join(bn.dir, "ckpt", "ep-1.safetensors") });
      await expect(checkpointFile(db, path.join(runsDir, "elsewhere"), bn.id, 1)).rejects.toThrow(/outside the runs root/);
      // A run.json that goes bad keeps the indexed row, marked broken.
      writeFileSync(path.join(bn.dir, "run.json"), "{ not json");
      await ingest(db, runsDir);
      const kept = await getRun(db, bn.id);
      expect(kept).toMatchObject({ status: "broken", dataset: "synthetic", depth: 8 });
      expect(kept!.error).toMatch(/run\.json: not valid JSON/);
    });

    it("caches analysis results by checkpoint hash and parameters", async () => {
      let calls = 0;
      const compute = async () => ({ n: ++calls });
      expect(await cached(db, "h1", "ablation", { t: 0.01, n: 100 }, compute)).toEqual({ value: { n: 1 }, hit: false });
      expect(await cached(db, "h1", "ablation", { n: 100, t: 0.01 }, compute)).toEqual({ value: { n: 1 }, hit: true });
      expect(await cached(db, "h1", "ablation", { t: 0.02, n: 100 }, compute)).toEqual({ value: { n: 2 }, hit: false });
      // A lookup that never computes: the same entry, whatever the key order, and null for a miss.
      expect(await cachedValue(db, "h1", "ablation", { n: 100, t: 0.02 })).toEqual({ n: 2 });
      expect(await cachedValue(db, "h1", "ablation", { t: 0.03, n: 100 })).toBeNull();
      expect(calls).toBe(2);
    });

    it("treats an empty or missing runs directory as no runs", async () => {
      expect(await ingest(db, path.join(runsDir, "does-not-exist"))).toMatchObject({ runs: 0 });
      expect(await ingest(db, mkdtempSync(path.join(tmpdir(), "bnlab-empty-")))).toMatchObject({ runs: 0 });
    });
  });
}

/** A Run row as the first schema stored it, with the comma-joined `trainable` copy of the mode. */
const LEGACY_ROW = {
  id: "legacy-run", dir: "/runs/legacy-run", status: "complete", error: null, dataset: "synthetic", depth: 8, width: 4, mode: "bn+shortcut",
  trainable: "bn,shortcut", seed: 0, bnInit: "uniform", epochs: 2, epochsDone: 2, paramsTotal: 1000, paramsTrainable: 100, backend: "cpu",
  codeVersion: "0", config: "{}", createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z", indexedAt: "2026-01-01T00:00:00.000Z",
  finalTestAccuracy: 0.5, bestTestAccuracy: 0.6, runJsonMtime: 1, metricsBytes: 0,
};
const FIRST_MIGRATION = "0001_init.sql";

/** An index made before the mode was stored once migrates on open and keeps its runs. */
async function expectLegacyIndexMigrates(db: Db): Promise<void> {
  const run = await getRun(db, LEGACY_ROW.id);
  expect(run).toMatchObject({ mode: "bn+shortcut", paramsTrainable: 100, status: "complete" });
  expect(run).not.toHaveProperty("trainable");
}

describe("an index from the first schema", () => {
  it("migrates on SQLite", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "bnlab-legacy-")), "old.db");
    const old = new Database(file);
    old.exec(migrationFiles("sqlite").find((m) => m.name === FIRST_MIGRATION)!.sql);
    old.exec(`CREATE TABLE "_bnlab_migrations" ("name" TEXT PRIMARY KEY, "appliedAt" TEXT NOT NULL)`);
    old.prepare(`INSERT INTO "_bnlab_migrations" VALUES (?, ?)`).run(FIRST_MIGRATION, LEGACY_ROW.createdAt);
    const cols = Object.keys(LEGACY_ROW);
    // Prisma stores SQLite DateTimes as epoch milliseconds.
    const values = Object.entries(LEGACY_ROW).map(([k, v]) => (k.endsWith("At") ? Date.parse(v as string) : v));
    old.prepare(`INSERT INTO "Run" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`).run(...values);
    old.close();
    const db = await openDb({ DATABASE_URL: `file:${file}` });
    try {
      await expectLegacyIndexMigrates(db);
    } finally {
      await db.close();
    }
    const migrated = new Database(file, { readonly: true });
    expect(Object.keys(migrated.prepare(`SELECT * FROM "Run"`).get() as object)).not.toContain("trainable");
    migrated.close();
  });

  it.skipIf(!hasPostgres)("migrates on PostgreSQL", async () => {
    const server = await startPostgres();
    try {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      await client.query(migrationFiles("postgresql").find((m) => m.name === FIRST_MIGRATION)!.sql);
      await client.query(`CREATE TABLE "_bnlab_migrations" ("name" TEXT PRIMARY KEY, "appliedAt" TEXT NOT NULL)`);
      await client.query(`INSERT INTO "_bnlab_migrations" VALUES ($1, $2)`, [FIRST_MIGRATION, LEGACY_ROW.createdAt]);
      const cols = Object.keys(LEGACY_ROW);
      await client.query(`INSERT INTO "Run" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(", ")})`, Object.values(LEGACY_ROW));
      await client.end();
      const db = await openDb({ DATABASE_URL: server.url });
      try {
        await expectLegacyIndexMigrates(db);
      } finally {
        await db.close();
      }
    } finally {
      server.stop();
    }
  });
});

registrySuite("registry on SQLite", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "bnlab-sqlite-"));
  const db = await openDb({ DATABASE_URL: `file:${path.join(dir, "test.db")}` });
  return { db, done: () => db.close() };
});

describe.skipIf(!hasPostgres)("PostgreSQL", () => {
  let server: PgServer;
  registrySuite("registry on PostgreSQL", async () => {
    server = await startPostgres();
    const db = await openDb({ DATABASE_URL: server.url });
    return {
      db,
      done: async () => {
        await db.close();
        server.stop();
      },
    };
  });
});
