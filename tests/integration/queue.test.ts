/**
 * Cluster sweeps: a throwaway PostgreSQL, a grid of tiny runs queued with `bnlab sweep --queue`,
 * three `bnlab worker` processes, one of them SIGKILLed mid-run. Every run must end complete
 * exactly once, the killed run must resume from its checkpoint on another worker, and the
 * database must match the run directories.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEMP_INFIX } from "../../lib/checkpoint/atomic";
import { parseMetrics, readRunFile } from "../../lib/run/files";
import { openDb } from "../../lib/db/client";
import { listRuns } from "../../lib/db/queries";
import { hasPostgres, startPostgres, type PgServer } from "../support/postgres";

const BIN = fileURLToPath(new URL("../../bin/bnlab.mjs", import.meta.url));
const RUNS = 6;
const EPOCHS = 4;
/** Every worker spawned, so a failing test leaves none behind. */
const children: ChildProcess[] = [];

interface Proc {
  child: ChildProcess;
  log: string;
  exited: Promise<number | null>;
}

describe.skipIf(!hasPostgres)("cluster sweeps (bnlab sweep --queue, bnlab worker)", () => {
  let server: PgServer;
  let env: NodeJS.ProcessEnv;
  let runsDir: string;
  let sweepFile: string;
  const started = Date.now();

  beforeAll(async () => {
    server = await startPostgres();
    const dir = mkdtempSync(path.join(tmpdir(), "bnlab-queue-"));
    runsDir = path.join(dir, "runs");
    sweepFile = path.join(dir, "grid.json");
    writeFileSync(sweepFile, JSON.stringify({
      name: "queue-test",
      base: {
        data: { dataset: "synthetic", trainSubset: 128, testSubset: 64 },
        model: { depth: 8, width: 4 },
        training: { epochs: EPOCHS, batchSize: 32 },
      },
      grid: { trainable: ["bn"], "training.seed": Array.from({ length: RUNS }, (_, i) => i) },
    }));
    env = {
      ...process.env,
      DATABASE_URL: server.url,
      BNLAB_QUEUE_HEARTBEAT_SECONDS: "0.5",
      BNLAB_QUEUE_EXPIRE_SECONDS: "3",
      BNLAB_QUEUE_MAINTENANCE_SECONDS: "1",
      BNLAB_QUEUE_POLL_SECONDS: "0.5",
    };
  });
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    server?.stop();
  });

  const bnlab = (args: string[], extraEnv: NodeJS.ProcessEnv = env) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: extraEnv, timeout: 60_000 });

  it("refuses to queue without a PostgreSQL DATABASE_URL", () => {
    const r = bnlab(["sweep", sweepFile, "--queue"], { ...env, DATABASE_URL: "" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/needs a shared PostgreSQL: set DATABASE_URL=postgresql:/);
  });

  it("queues a grid once, drains it with 3 workers, and resumes a SIGKILLed worker's run", async () => {
    const first = bnlab(["sweep", sweepFile, "--queue", "--runs-dir", runsDir, "--save-every", "1"]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(`queued ${RUNS} (0 already in the queue)`);
    expect(first.stdout).toMatch(`${RUNS} pending, 0 running, 0 done, 0 failed`);
    const second = bnlab(["sweep", sweepFile, "--queue", "--runs-dir", runsDir, "--save-every", "1"]);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(`queued 0 (${RUNS} already in the queue)`);

    const workers: Proc[] = Array.from({ length: 3 }, () => {
      const child = spawn(process.execPath, [BIN, "worker", "--until-empty"], { env, stdio: ["ignore", "pipe", "pipe"] });
      children.push(child);
      const p: Proc = { child, log: "", exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))) };
      child.stdout!.on("data", (d) => (p.log += d));
      child.stderr!.on("data", (d) => (p.log += d));
      return p;
    });

    // Wait for a run with at least one epoch checkpoint still training, then kill its worker.
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let victim: { proc: Proc; runId: string; at: number } | null = null;
    for (let t = 0; t < 600 && !victim; t++) {
      await sleep(100);
      for (const id of existsSync(runsDir) ? readdirSync(runsDir) : []) {
        const runJson = path.join(runsDir, id, "run.json");
        if (!existsSync(path.join(runsDir, id, "ckpt", "ep-1.safetensors")) || !existsSync(runJson)) continue;
        const run = JSON.parse(readFileSync(runJson, "utf8")) as { status: string; epochsDone: number };
        if (run.status !== "running" || run.epochsDone >= EPOCHS - 1) continue;
        const owner = workers.find((w) => w.log.includes(`run ${id} (attempt`) && w.child.exitCode === null);
        if (!owner) continue;
        owner.child.kill("SIGKILL");
        victim = { proc: owner, runId: id, at: Date.now() };
        break;
      }
    }
    expect(victim, "no run reached an epoch checkpoint while still training").not.toBeNull();
    const { runId, proc: killed } = victim!;
    await killed.exited;

    // Another worker takes the job once its lease lapses, and resumes from the checkpoint.
    let tookOver = 0;
    for (let t = 0; t < 600 && !tookOver; t++) {
      if (workers.some((w) => w !== killed && new RegExp(`resuming ${runId} from ckpt/ep-\\d+`).test(w.log))) tookOver = Date.now();
      else await sleep(100);
    }
    expect(tookOver, `no worker resumed ${runId}:\n${workers.map((w) => w.log).join("\n----\n")}`).toBeGreaterThan(0);
    const codes = await Promise.all(workers.filter((w) => w !== killed).map((w) => w.exited));
    expect(codes, workers.map((w) => w.log).join("\n----\n")).toEqual([0, 0]);

    // Every run complete, with each (epoch, split) once and no gap.
    const ids = readdirSync(runsDir).filter((f) => existsSync(path.join(runsDir, f, "run.json")));
    expect(ids.length).toBe(RUNS);
    for (const id of ids) {
      const run = await readRunFile(path.join(runsDir, id, "run.json"));
      expect(run.status, id).toBe("complete");
      expect(run.epochsDone).toBe(EPOCHS);
      const file = path.join(runsDir, id, "metrics.jsonl");
      const metrics = parseMetrics(readFileSync(file, "utf8"), file);
      const keys = metrics.map((m) => `${m.epoch}/${m.split}`);
      expect(new Set(keys).size, `${id}: duplicated metric lines`).toBe(keys.length);
      expect(metrics.filter((m) => m.split === "test").map((m) => m.epoch)).toEqual([0, 1, 2, 3, 4]);
      expect(metrics.filter((m) => m.split === "train").map((m) => m.epoch)).toEqual([1, 2, 3, 4]);
      for (const d of [path.join(runsDir, id), path.join(runsDir, id, "ckpt")]) {
        expect(readdirSync(d).filter((f) => f.includes(TEMP_INFIX))).toEqual([]);
      }
    }
    // The killed run was resumed, not retrained: only one worker ever started it fresh.
    const fresh = workers.filter((w) => w.log.includes(`training ${runId}:`) && !w.log.includes(`resuming ${runId}`));
    expect(fresh.length).toBe(1);
    expect(fresh[0]).toBe(killed);

    // The queue: one completed job per run, and `bnlab queue` says so.
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const jobs = (await client.query<{ key: string; state: string; n: number }>(
      "SELECT singleton_key AS key, state::text, count(*)::int AS n FROM pgboss.job WHERE name = 'bnlab-runs' GROUP BY 1, 2",
    )).rows;
    await client.end();
    expect(jobs.filter((j) => j.state === "completed").map((j) => [j.key, j.n]).sort()).toEqual(ids.map((id) => [id, 1]).sort());
    expect(jobs.filter((j) => j.state !== "completed")).toEqual([]);
    const status = bnlab(["queue"]);
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).toMatch(`0 pending, 0 running, ${RUNS} done, 0 failed`);

    // The database index matches the run directories.
    const db = await openDb({ DATABASE_URL: server.url });
    try {
      const { rows } = await listRuns(db, { pageSize: 100 });
      expect(rows.map((r) => [r.id, r.status, r.epochsDone]).sort()).toEqual(ids.map((id) => [id, "complete", EPOCHS]).sort());
    } finally {
      await db.close();
    }

    const wait = ((tookOver - victim!.at) / 1000).toFixed(1);
    console.log(`queue test: ${((Date.now() - started) / 1000).toFixed(1)} s; killed worker's run ${runId} resumed ${wait} s after the SIGKILL`);
  }, 180_000);

  it("a worker stopped by SIGTERM checkpoints and returns its job, which the next worker resumes", async () => {
    const file = path.join(path.dirname(sweepFile), "one.json");
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(sweepFile, "utf8")), name: "sigterm", grid: { trainable: ["bn"], "training.seed": [100] } }));
    const queued = bnlab(["sweep", file, "--queue", "--runs-dir", runsDir, "--save-every", "1"]);
    expect(queued.stdout).toMatch("queued 1 (0 already in the queue)");
    const runId = /pending\s+(\S+-s100)/.exec(queued.stdout)![1];
    const start = (args: string[]) => {
      const child = spawn(process.execPath, [BIN, "worker", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
      children.push(child);
      let log = "";
      child.stdout!.on("data", (d) => (log += d));
      child.stderr!.on("data", (d) => (log += d));
      return { child, log: () => log, exited: new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code))) };
    };
    const w = start([]);
    for (let t = 0; t < 600 && !existsSync(path.join(runsDir, runId, "ckpt", "ep-1.safetensors")); t++) await new Promise((r) => setTimeout(r, 100));
    w.child.kill("SIGTERM");
    expect(await w.exited, w.log()).toBe(130);
    expect(w.log()).toMatch(`run ${runId} released back to the queue`);
    const run = await readRunFile(path.join(runsDir, runId, "run.json"));
    expect(run.status).toBe("interrupted");
    expect(bnlab(["queue"]).stdout).toMatch(new RegExp(`pending\\s+${runId}`));

    const next = start(["--until-empty"]);
    expect(await next.exited, next.log()).toBe(0);
    expect(next.log()).toMatch(new RegExp(`resuming ${runId} from ckpt/`));
    expect((await readRunFile(path.join(runsDir, runId, "run.json"))).status).toBe("complete");
    expect(bnlab(["queue"]).stdout).toMatch(`0 pending, 0 running, ${RUNS + 1} done, 0 failed`);
  }, 120_000);

  it("a frozen worker whose lease lapses keeps the run locked until it wakes, sees the loss and lets go; the next worker resumes", async () => {
    const file = path.join(path.dirname(sweepFile), "frozen.json");
    // Long enough that A, once woken, is still training when its heartbeat finds the job gone.
    const epochs = 10;
    const grid = JSON.parse(readFileSync(sweepFile, "utf8"));
    writeFileSync(file, JSON.stringify({ ...grid, name: "frozen", base: { ...grid.base, training: { ...grid.base.training, epochs } }, grid: { trainable: ["bn"], "training.seed": [200] } }));
    const queued = bnlab(["sweep", file, "--queue", "--runs-dir", runsDir, "--save-every", "1"]);
    const runId = /pending\s+(\S+-s200)/.exec(queued.stdout)![1];
    const start = () => {
      const child = spawn(process.execPath, [BIN, "worker", "--until-empty"], { env, stdio: ["ignore", "pipe", "pipe"] });
      children.push(child);
      let log = "";
      child.stdout!.on("data", (d) => (log += d));
      child.stderr!.on("data", (d) => (log += d));
      return { child, log: () => log, exited: new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code))) };
    };
    const until = async (what: string, ok: () => boolean) => {
      for (let t = 0; t < 600 && !ok(); t++) await new Promise((r) => setTimeout(r, 100));
      expect(ok(), what).toBe(true);
    };
    // A trains, then freezes (SIGSTOP: a machine that hangs or loses its network, not one that dies).
    const a = start();
    await until("A wrote epoch 1", () => existsSync(path.join(runsDir, runId, "ckpt", "ep-1.safetensors")));
    a.child.kill("SIGSTOP");
    // B takes the job once the lease lapses, but must wait: A's session still holds the run lock.
    const b = start();
    await until(`B waits for the lock:\n${b.log()}`, () => b.log().includes(`run ${runId} is still locked by another worker`));
    expect(b.log()).not.toMatch(`run ${runId} (attempt`);
    // A wakes: its heartbeat finds the job taken, it stops the run and lets go; B resumes it.
    a.child.kill("SIGCONT");
    expect(await a.exited, a.log()).toBe(0);
    expect(a.log()).toMatch(`(${runId}): lease lost`);
    expect(await b.exited, b.log()).toBe(0);
    expect(b.log()).toMatch(new RegExp(`resuming ${runId} from ckpt/`));
    const run = await readRunFile(path.join(runsDir, runId, "run.json"));
    expect(run.status).toBe("complete");
    const metricsFile = path.join(runsDir, runId, "metrics.jsonl");
    const keys = parseMetrics(readFileSync(metricsFile, "utf8"), metricsFile).map((m) => `${m.epoch}/${m.split}`);
    expect(keys).toEqual(["0/test", ...Array.from({ length: epochs }, (_, i) => [`${i + 1}/train`, `${i + 1}/test`]).flat()]);
    const status = bnlab(["queue"]).stdout;
    expect(status).toMatch(/: 0 pending, 0 running, \d+ done, 0 failed/);
    expect(status).toMatch(new RegExp(`done\\s+${runId}\\s+${epochs}/${epochs} epochs`));
  }, 120_000);
});
