/**
 * Concurrency at the database: `bnlab ingest` while a trainer indexes its own run, and two
 * ingests at once, on SQLite always and on a throwaway PostgreSQL where Debian's is installed.
 * No lock error may reach the user, every process finishes, and the index equals the disk.
 */
import { cpSync, mkdtempSync, readdirSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, type Db } from "../../lib/db/client";
import { hasPostgres, startPostgres, type PgServer } from "../support/postgres";
import { report } from "./report";
import { bnlab, childEnv, indexMismatches, trainArgs, TROUBLE, type Exit } from "./runs-index";

const COPIES = 12; // finished runs beside the live one, so each ingest has real work to overlap
const ROUNDS = 2;

/** A runs folder with COPIES finished tiny runs (one trained, then copied under other ids). */
async function finishedRuns(): Promise<string> {
  const seed = mkdtempSync(path.join(tmpdir(), "bnlab-conc-seed-"));
  const r = await bnlab(trainArgs(seed, { epochs: 3 }), childEnv(undefined)).exited;
  expect(r.code, r.stderr).toBe(0);
  const runDir = r.stdout.trim().split("\n").at(-1)!;
  const runs = mkdtempSync(path.join(tmpdir(), "bnlab-conc-"));
  for (let i = 0; i < COPIES; i++) cpSync(runDir, path.join(runs, `copy-${i}`), { recursive: true });
  return runs;
}

/** A fresh runs folder holding the template's runs under ids of its own (one database serves several tests). */
function copyRuns(template: string, prefix: string): string {
  const runs = mkdtempSync(path.join(tmpdir(), `bnlab-conc-${prefix}-`));
  for (const id of readdirSync(template)) cpSync(path.join(template, id), path.join(runs, `${prefix}-${id}`), { recursive: true });
  return runs;
}

function expectClean(r: Exit, what: string) {
  expect(r.code, `${what} failed:\n${r.stderr}`).toBe(0);
  expect(r.stderr + r.stdout, `${what} printed trouble`).not.toMatch(TROUBLE);
}

// Made once, shared by the SQLite and PostgreSQL suites.
let template: Promise<string> | undefined;

function concurrencySuite(name: string, database: () => Promise<{ url: string; stop: () => void }>) {
  describe(name, () => {
    let url: string;
    let stop: () => void;
    const opened: Db[] = [];
    const open = async (): Promise<Db> => {
      const db = await openDb({ DATABASE_URL: url });
      opened.push(db);
      return db;
    };
    beforeAll(async () => {
      ({ url, stop } = await database());
      template ??= finishedRuns();
    });
    afterAll(async () => {
      for (const db of opened) await db.close();
      stop();
    });

    it("two ingests at once on an empty index: both finish cleanly and the index is exact", async () => {
      const runs = copyRuns(await template!, "two");
      const env = childEnv(url);
      // Round 1 adds every run, the next ones rewrite each run's rows (run.json touched), both
      // processes walking the runs in the same order, so they meet on the same run.
      for (let round = 1; round <= ROUNDS; round++) {
        if (round > 1) for (const id of readdirSync(runs)) utimesSync(path.join(runs, id, "run.json"), new Date(), new Date(Date.now() + round * 1000));
        const [a, b] = await Promise.all([bnlab(["ingest", runs], env).exited, bnlab(["ingest", runs], env).exited]);
        expectClean(a, `first ingest of round ${round}`);
        expectClean(b, `second ingest of round ${round}`);
        expect(await indexMismatches(await open(), [runs]), `after round ${round}`).toEqual([]);
      }
      report(`${name}: pairs of concurrent ingests, all clean`, ROUNDS);
    });

    it("ingests repeatedly while a trainer writes and indexes its own run; the index ends exact without a final ingest", async () => {
      const runs = copyRuns(await template!, "live");
      const env = childEnv(url);
      // A few seconds of checkpoints and live ingests to overlap with.
      const trainer = bnlab(trainArgs(runs, { epochs: 5, trainSubset: 256 }), env);
      let trainerDone = false;
      void trainer.exited.then(() => (trainerDone = true));
      const ingests: Exit[] = [];
      let overlapping = 0;
      // Two loops, so ingests also overlap each other, not only the trainer. Each ingest starts
      // while the trainer runs; those also done before it ends are counted (a figure, not a test).
      const loop = async () => {
        while (!trainerDone) {
          const r = await bnlab(["ingest", runs], env).exited;
          ingests.push(r);
          if (!trainerDone) overlapping++;
        }
      };
      await Promise.all([loop(), loop()]);
      const t = await trainer.exited;
      expectClean(t, "trainer");
      ingests.forEach((r, i) => expectClean(r, `ingest ${i + 1}`));
      expect(ingests.length, "no ingest ran while the trainer was training").toBeGreaterThanOrEqual(2);
      // The trainer's last live ingest came after its last write; no slower ingest may have overwritten it.
      expect(await indexMismatches(await open(), [runs])).toEqual([]);
      report(`${name}: ingests started while training (all clean)`, ingests.length);
      report(`${name}: ingests that also finished while training`, overlapping);
    });
  });
}

concurrencySuite("SQLite", async () => ({ url: `file:${path.join(mkdtempSync(path.join(tmpdir(), "bnlab-conc-db-")), "index.db")}`, stop: () => {} }));

describe.skipIf(!hasPostgres)("PostgreSQL", () => {
  let server: PgServer | undefined;
  concurrencySuite("PostgreSQL", async () => {
    server = await startPostgres();
    return { url: server.url, stop: () => server?.stop() };
  });
});
