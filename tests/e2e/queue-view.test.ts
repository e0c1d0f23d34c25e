/**
 * The runs page's queue view, against a throwaway PostgreSQL that holds both the index and the
 * pg-boss queue. One run is trained an epoch, indexed as running, and its job claimed by a named
 * worker; two more runs are queued and never started (so they have no run directory and are not
 * in the index). The data function (lib/queue readQueue) and the page must show the queued runs
 * with their config and wait, the running one with its worker and epochs — in the Queue section
 * and in the runs table — and the page must refresh itself when another worker takes a job.
 * Before any queue exists, and with SQLite, there is no section and no error.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunConfig, runId } from "../../lib/run/config";
import { openDb } from "../../lib/db/client";
import { ingest } from "../../lib/db/ingest";
import { initBackend } from "../../lib/engine/backend";
import { CLAIM_SQL } from "../../lib/queue/heartbeat";
import { enqueueRuns, openQueue, readQueue, type Queue, type RunJob } from "../../lib/queue/queue";
import { QUEUE_NAME } from "../../lib/queue/settings";
import { createReporter } from "../../trainer/progress";
import { train } from "../../trainer/train";
import { hasPostgres, startPostgres, type PgServer } from "../support/postgres";
import { tinyConfig } from "../support/runs";
import { ensureBuild, launchBrowser, ROOT, startServer, type Server } from "./support";

const ARTIFACTS = path.join(ROOT, "test-artifacts");
const EPOCHS = 3;
const WORKER_A = "gpu-node-7:4242";
const WORKER_B = "gpu-node-9:77";

describe.skipIf(!hasPostgres)("runs page: the queue view", { timeout: 60_000 }, () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "bnlab-queue-view-"));
  const runsDir = path.join(tmp, "runs");
  let pgServer: PgServer;
  let server: Server;
  let browser: Browser;
  let queue: Queue | undefined;
  const job = (seed: number): RunJob => {
    const config = RunConfig.parse(tinyConfig("bn", seed, EPOCHS));
    return { runId: runId(config), config, runsDir, saveEvery: 1 };
  };
  const [a, b, c] = [job(0), job(1), job(2)];

  beforeAll(async () => {
    pgServer = await startPostgres();
    // Run a: one epoch of three, then marked running as a worker's live ingest leaves it.
    await initBackend({ log: () => {} });
    const stop = new AbortController();
    await train(a.config, {
      runsDir,
      saveEvery: 1,
      signal: stop.signal,
      reporter: createReporter({ quiet: true }),
      onCheckpoint: async (dir) => {
        if ((JSON.parse(readFileSync(path.join(dir, "run.json"), "utf8")) as { epochsDone: number }).epochsDone >= 1) stop.abort();
      },
    });
    const runFile = path.join(runsDir, a.runId, "run.json");
    writeFileSync(runFile, JSON.stringify({ ...JSON.parse(readFileSync(runFile, "utf8")), status: "running" }, null, 2) + "\n");
    const db = await openDb({ DATABASE_URL: pgServer.url });
    await ingest(db, runsDir);
    await db.close();
    ensureBuild();
    server = await startServer({ root: tmp, runsDir, dbFile: path.join(tmp, "unused.db"), ids: {} }, { DATABASE_URL: pgServer.url });
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await queue?.close();
    await browser?.close();
    await server?.stop();
    pgServer?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("shows no queue section and no error without a queue", async () => {
    expect(await readQueue({ limit: 50 }, { DATABASE_URL: `file:${path.join(tmp, "t.db")}` })).toBeNull();
    expect(await readQueue({ limit: 50 }, { DATABASE_URL: pgServer.url })).toBeNull(); // PostgreSQL, but no pg-boss schema
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`data-run-id="${a.runId}"`);
    expect(html).not.toContain('data-testid="queue"');
  });

  it("lists queued and running jobs with worker and progress, and refreshes as workers take jobs", async () => {
    queue = await openQueue(pgServer.url);
    expect(await enqueueRuns(queue, [a])).toEqual([a.runId]);
    const [taken] = await queue.boss.fetch<RunJob>(QUEUE_NAME);
    expect(taken.data.runId).toBe(a.runId);
    expect(await queue.sql(CLAIM_SQL, [QUEUE_NAME, taken.id, WORKER_A, 120])).toHaveLength(1);
    expect((await enqueueRuns(queue, [b, c])).sort()).toEqual([b.runId, c.runId].sort());

    // The data function: the same entries `bnlab queue` prints, with what the page needs.
    const summary = await readQueue({ limit: 50 }, { DATABASE_URL: pgServer.url });
    expect(summary!.counts).toMatchObject({ pending: 2, running: 1 });
    const byRun = new Map(summary!.entries.map((e) => [e.runId, e]));
    expect(byRun.get(a.runId)).toMatchObject({ state: "running", worker: WORKER_A, epochsDone: 1, epochs: EPOCHS, mode: "bn", dataset: "synthetic", depth: 8, width: 4, seed: 0 });
    for (const [j, seed] of [[b, 1], [c, 2]] as const) {
      expect(byRun.get(j.runId)).toMatchObject({ state: "pending", epochsDone: undefined, epochs: EPOCHS, mode: "bn", seed });
      expect(byRun.get(j.runId)!.worker).toBeUndefined();
      expect(byRun.get(j.runId)!.createdOn.getTime()).toBeGreaterThan(Date.now() - 60_000);
    }

    const page: Page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.url}/`);
    const row = (id: string) => page.locator(`[data-testid="queue-table"] tr[data-queue-run="${id}"]`);
    await expect.poll(() => page.locator('[data-testid="queue-table"] tbody tr').count()).toBe(3);
    expect(await page.locator('[data-testid="queue-counts"]').textContent()).toBe("2 queued · 1 running · 0 done · 0 failed");
    // Running: worker and epochs done of all.
    expect(await row(a.runId).getAttribute("data-state")).toBe("running");
    expect(await row(a.runId).locator('[data-testid="queue-worker"]').textContent()).toBe(WORKER_A);
    expect(await row(a.runId).locator('[data-testid="queue-progress"]').textContent()).toBe(`1/${EPOCHS}`);
    // Queued: not in the index, so only here, with config, state and how long it has waited.
    for (const [j, seed] of [[b, 1], [c, 2]] as const) {
      const cells = await row(j.runId).locator("td").allTextContents();
      expect(cells[0]).toBe(j.runId);
      expect(cells.slice(1, 7)).toEqual(["queued", "synthetic", "ResNet-8 (width 4)", "bn", String(seed), "–"]);
      expect(cells[7]).toBe(`0/${EPOCHS}`);
      expect(cells[8]).toMatch(/^waiting (just now|\d+ s)$/);
      expect(await page.locator(`[data-testid="runs-table"] tr[data-run-id="${j.runId}"]`).count()).toBe(0);
    }
    // The runs table names the worker of its running run; the page is live.
    expect(await page.locator(`[data-testid="runs-table"] tr[data-run-id="${a.runId}"] [data-testid="run-worker"]`).textContent()).toBe(`on ${WORKER_A}`);
    expect(await page.locator('[data-testid="auto-refresh"]').count()).toBe(1);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: path.join(ARTIFACTS, "runs-queue-1280.png"), fullPage: true });

    // Another worker takes a queued job: the open page shows it without a reload.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));
    const [next] = await queue.boss.fetch<RunJob>(QUEUE_NAME);
    await queue.sql(CLAIM_SQL, [QUEUE_NAME, next.id, WORKER_B, 120]);
    await expect.poll(() => row(next.data.runId).getAttribute("data-state"), { timeout: 15_000 }).toBe("running");
    expect(await row(next.data.runId).locator('[data-testid="queue-worker"]').textContent()).toBe(WORKER_B);
    expect(await page.locator('[data-testid="queue-counts"]').textContent()).toBe("1 queued · 2 running · 0 done · 0 failed");
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(7); // refreshed, not reloaded
    expect(errors).toEqual([]);
    await page.close();
  });
});
