/**
 * The queue's summary for the runs page and `bnlab queue` on a long queue: the counts grouped by
 * the database equal those of every entry, and the jobs listed are the running ones, the oldest
 * pending and failed ones, the latest done ones and those of the runs asked for — the same
 * entries `queueEntries` gives for them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueRuns, formatQueueSummary, openQueue, queueEntries, queueSummary, type JobState, type Queue, type RunJob } from "../../lib/queue/queue";
import { QUEUE_NAME } from "../../lib/queue/settings";
import { RunConfig, runId } from "../../lib/run/config";
import { hasPostgres, startPostgres, type PgServer } from "../support/postgres";
import { tinyConfig } from "../support/runs";

const JOBS = 90;
const LIMIT = 7;

describe.skipIf(!hasPostgres)("queue summary", () => {
  let pg: PgServer;
  let queue: Queue;
  const runsDir = mkdtempSync(path.join(tmpdir(), "bnlab-queue-summary-"));
  const jobs: RunJob[] = Array.from({ length: JOBS }, (_, seed) => {
    const config = RunConfig.parse(tinyConfig("bn", seed, 1));
    return { runId: runId(config), config, runsDir };
  });

  beforeAll(async () => {
    pg = await startPostgres();
    queue = await openQueue(pg.url);
    // One at a time, so that the jobs' creation times order them.
    for (const j of jobs) await enqueueRuns(queue, [j]);
    // Workers take 20 jobs: 3 keep running, 12 complete, 5 fail for good.
    const taken = await queue.boss.fetch<RunJob>(QUEUE_NAME, { batchSize: 20 });
    expect(taken).toHaveLength(20);
    for (const t of taken.slice(3, 15)) await queue.boss.complete(QUEUE_NAME, t.id, { ok: true });
    await queue.sql(`UPDATE pgboss.job SET retry_limit = 0 WHERE id = ANY($1::uuid[])`, [taken.slice(15).map((t) => t.id)]);
    for (const t of taken.slice(15)) await queue.boss.fail(QUEUE_NAME, t.id, { message: `broke ${t.data.runId}` });
  }, 120_000);

  afterAll(async () => {
    await queue?.close();
    pg?.stop();
    rmSync(runsDir, { recursive: true, force: true });
  });

  it("counts every run's latest job in the database and lists only the jobs shown", async () => {
    const all = await queueEntries(queue);
    const counts: Record<JobState, number> = { pending: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
    for (const e of all) counts[e.state]++;
    expect(counts).toEqual({ pending: JOBS - 20, running: 3, done: 12, failed: 5, cancelled: 0 });

    const asked = all.filter((e) => e.state === "pending").at(-1)!.runId; // the newest pending: beyond the limit
    const summary = await queueSummary(queue, { limit: LIMIT, runIds: [asked] });
    expect(summary.counts).toEqual(counts);

    const byAge = (s: JobState, newest = false) =>
      all
        .filter((e) => e.state === s)
        .sort((a, b) => (newest ? -1 : 1) * (a.createdOn.getTime() - b.createdOn.getTime()) || a.runId.localeCompare(b.runId))
        .slice(0, LIMIT)
        .map((e) => e.runId);
    const want = new Set([...all.filter((e) => e.state === "running").map((e) => e.runId), ...byAge("pending"), ...byAge("failed"), ...byAge("done", true)]);
    expect(summary.entries.map((e) => e.runId).sort()).toEqual([...want].sort());
    expect(want.has(asked)).toBe(false);
    const entry = new Map(all.map((e) => [e.runId, e]));
    for (const e of summary.entries) expect(e).toEqual(entry.get(e.runId));
    // The run asked for comes back apart, not listed; a listed one asked for is in both.
    const listed = summary.entries[0].runId;
    const both = await queueSummary(queue, { limit: LIMIT, runIds: [asked, listed] });
    expect(summary.runs).toEqual([entry.get(asked)]);
    expect(both.runs.map((e) => e.runId).sort()).toEqual([asked, listed].sort());
    expect(both.entries).toEqual(summary.entries);

    const text = formatQueueSummary(summary, LIMIT);
    expect(text.split("\n")[0]).toBe(`queue ${QUEUE_NAME}: ${JOBS - 20} pending, 3 running, 12 done, 5 failed`);
    expect(text).toContain(`… and ${JOBS - 20 - LIMIT} more pending`);
    expect(text).toContain(`… and ${12 - LIMIT} more done`);
    expect(text).not.toContain("more failed");
    expect(text).toMatch(/failed\s+\S+\s+0\/1 epochs\s+broke /);
  });
});
