/**
 * Queue operations on a throwaway PostgreSQL, through the CLI as people use it:
 * - `bnlab queue retry`: a queued run whose dataset is missing fails (no retries left), shows as
 *   failed with the error; once the data is there, `retry` puts it back and a worker trains it.
 * - `bnlab worker --concurrency 2`: one worker process takes two jobs at once and completes both.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CIFAR10_FILES, encodeCifar10Records } from "../../lib/data/cifar10";
import { readRunFile } from "../../lib/run/files";
import { hasPostgres, startPostgres, type PgServer } from "../support/postgres";

const BIN = fileURLToPath(new URL("../../bin/bnlab.mjs", import.meta.url));

describe.skipIf(!hasPostgres)("queue operations (bnlab queue retry, bnlab worker --concurrency)", () => {
  let server: PgServer;
  let env: NodeJS.ProcessEnv;
  const dir = mkdtempSync(path.join(tmpdir(), "bnlab-queue-ops-"));
  const runsDir = path.join(dir, "runs");
  const dataDir = path.join(dir, "data");

  beforeAll(async () => {
    server = await startPostgres();
    mkdirSync(dataDir);
    env = {
      ...process.env,
      DATABASE_URL: server.url,
      BNLAB_QUEUE_POLL_SECONDS: "0.5",
      // A job that errors is failed at once, so `retry` is the only way back.
      BNLAB_QUEUE_RETRY_LIMIT: "0",
    };
  });
  afterAll(() => {
    server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const bnlab = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env, timeout: 60_000 });
  /** A worker run to the end (`--until-empty`), its output collected in order. */
  const worker = (args: string[]) =>
    new Promise<{ code: number | null; log: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, "worker", "--until-empty", "--data-dir", dataDir, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
      let log = "";
      child.stdout.on("data", (d) => (log += d));
      child.stderr.on("data", (d) => (log += d));
      child.on("exit", (code) => resolve({ code, log }));
    });
  const queueSweep = (name: string, dataset: string, seeds: number[], epochs: number) => {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({
      name,
      base: { data: { dataset, trainSubset: 64, testSubset: 32 }, model: { depth: 8, width: 4 }, training: { epochs, batchSize: 32 } },
      grid: { trainable: ["bn"], "training.seed": seeds },
    }));
    const r = bnlab(["sweep", file, "--queue", "--runs-dir", runsDir, "--save-every", "1"]);
    expect(r.status, r.stderr).toBe(0);
    return [...r.stdout.matchAll(/pending\s+(\S+)/g)].map((m) => m[1]);
  };

  it("retry puts a failed run back, and it trains once its data is there", async () => {
    const [id] = queueSweep("retry", "cifar10", [0], 1);
    expect(id).toMatch(/^cifar10-/);
    const failed = await worker([]);
    expect(failed.code, failed.log).toBe(0);
    expect(failed.log).toMatch(`run ${id} failed:`);
    const status = bnlab(["queue"]);
    expect(status.stdout).toMatch("0 pending, 0 running, 0 done, 1 failed");
    expect(status.stdout).toMatch(new RegExp(`failed\\s+${id}\\s+0/1 epochs\\s+.*CIFAR-10`));

    // The fix: the six batch files, a few random records each.
    const folder = path.join(dataDir, "cifar-10-batches-bin");
    mkdirSync(folder);
    for (const f of [...CIFAR10_FILES.train, ...CIFAR10_FILES.test]) {
      const n = 16;
      writeFileSync(path.join(folder, f), encodeCifar10Records(new Uint8Array(n * 3072).map((_, i) => (i * 37) % 256), Array.from({ length: n }, (_, i) => i % 10)));
    }
    const retried = bnlab(["queue", "retry", id]);
    expect(retried.status, retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(`retrying 1 run(s): ${id}`);
    expect(retried.stdout).toMatch(new RegExp(`pending\\s+${id}`));
    expect(bnlab(["queue", "retry", id]).status).toBe(1); // no longer failed

    const trained = await worker([]);
    expect(trained.code, trained.log).toBe(0);
    expect(trained.log).toMatch(`run ${id} complete`);
    expect((await readRunFile(path.join(runsDir, id, "run.json"))).status).toBe("complete");
    expect(bnlab(["queue"]).stdout).toMatch("0 pending, 0 running, 1 done, 0 failed");
  }, 60_000);

  it("a worker with --concurrency 2 trains two runs at once", async () => {
    const ids = queueSweep("pair", "synthetic", [1, 2], 2);
    expect(ids).toHaveLength(2);
    const { code, log } = await worker(["--concurrency", "2"]);
    expect(code, log).toBe(0);
    expect(log).toMatch("2 slot(s)");
    const taken = ids.map((id) => log.search(new RegExp(`run ${id} \\(attempt 1\\) taken by \\S+`)));
    const completed = ids.map((id) => log.indexOf(`run ${id} complete`));
    expect(Math.min(...taken), log).toBeGreaterThanOrEqual(0);
    // Both taken before either finished: trained side by side, not one after the other.
    expect(Math.max(...taken), log).toBeLessThan(Math.min(...completed));
    expect(new Set(ids.map((id) => new RegExp(`run ${id} \\(attempt 1\\) taken by (\\S+)`).exec(log)![1])).size).toBe(1);
    for (const id of ids) expect((await readRunFile(path.join(runsDir, id, "run.json"))).status).toBe("complete");
    expect(log).toMatch("worker done: 2 complete, 0 failed");
    expect(bnlab(["queue"]).stdout).toMatch("0 pending, 0 running, 3 done, 0 failed");
  }, 60_000);
});
