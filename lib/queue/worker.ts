/**
 * A queue worker: takes one job at a time per slot, holds the run's lock, keeps the job's lease
 * alive from a heartbeat thread, and hands the run to `runJob` (the trainer, which resumes from
 * the run's last complete checkpoint by itself).
 *
 * Two guarantees, and what gives them:
 * - A dead worker's job is retried: its heartbeat stops, the lease lapses after
 *   BNLAB_QUEUE_EXPIRE_SECONDS, pg-boss's maintenance (run by every live worker) puts the job
 *   back, and another worker takes it.
 * - Never two workers on one run: before training, a worker takes a PostgreSQL advisory lock
 *   keyed by the run id on a dedicated connection, held until the run stops. PostgreSQL drops it
 *   when the connection goes (a killed worker's included). A live worker whose lease lapsed
 *   (a network cut) still holds it, so the next worker waits; the first one's heartbeat then
 *   finds the job no longer its own, stops its run after the current step, checkpoints and
 *   lets go of the lock.
 */
import { hostname } from "node:os";
import pg from "pg";
import { startHeartbeat, CLAIM_SQL } from "./heartbeat";
import { SCHEMA, type Queue, type RunJob } from "./queue";
import { QUEUE_NAME } from "./settings";

export type RunOutcome = "complete" | "interrupted";

export interface WorkerOptions {
  url: string;
  queue: Queue;
  /** Jobs trained at once by this process [1]. */
  concurrency?: number;
  /** Exit once no job is waiting or running anywhere. */
  untilEmpty?: boolean;
  /** Stop: in-flight runs checkpoint at the end of their step and their jobs go back to the queue. */
  signal?: AbortSignal;
  runJob(job: RunJob, ctx: { signal: AbortSignal; jobId: string; attempt: number }): Promise<RunOutcome>;
  log(line: string): void;
  workerId?: string;
}

export interface WorkerReport {
  completed: number;
  failed: number;
  released: number;
  lost: number;
}

export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}`;
}

const FENCE = `name = $1 AND id = $2 AND state = 'active' AND started_on = $3::timestamptz`;

export async function runWorker(opts: WorkerOptions): Promise<WorkerReport> {
  const { queue, log } = opts;
  const settings = queue.settings;
  const worker = opts.workerId ?? defaultWorkerId();
  const report: WorkerReport = { completed: 0, failed: 0, released: 0, lost: 0 };
  const stopped = () => opts.signal?.aborted ?? false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        opts.signal?.removeEventListener("abort", done);
        resolve();
      }
      opts.signal?.addEventListener("abort", done, { once: true });
    });

  const outstanding = async () =>
    Number((await queue.sql<{ n: string }>(`SELECT count(*) AS n FROM ${SCHEMA}.job WHERE name = $1 AND state IN ('created', 'retry', 'active')`, [QUEUE_NAME]))[0].n);

  async function handle(job: PgJob): Promise<void> {
    const claimed = await queue.sql<{ token: string }>(CLAIM_SQL, [QUEUE_NAME, job.id, worker, settings.expireSeconds]);
    if (claimed.length === 0) return;
    const token = claimed[0].token;
    const data = job.data;
    const attempt = job.retryCount + 1;
    const controller = new AbortController();
    let lostWhy: string | null = null;
    const lock = new pg.Client({ connectionString: opts.url, application_name: `bnlab-run-lock ${worker}` });
    let locked = false;
    // Stopping while waiting for the run lock closes that connection, which cancels the wait.
    const onStop = () => {
      controller.abort();
      if (!locked) lock.end().catch(() => {});
    };
    const heartbeat = startHeartbeat({
      url: opts.url, jobId: job.id, worker, token, intervalSeconds: settings.heartbeatSeconds, expireSeconds: settings.expireSeconds,
      onLost: (why) => {
        lostWhy = why;
        log(`job ${job.id} (${data.runId}): lease lost — ${why}; stopping the run after its current step (it checkpoints first)`);
        onStop();
      },
    });
    opts.signal?.addEventListener("abort", onStop, { once: true });
    try {
      await lock.connect();
      const key = [`bnlab-run:${data.runId}`];
      const got = (await lock.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok", key)).rows[0].ok;
      if (!got) {
        log(`run ${data.runId} is still locked by another worker; waiting for it to stop`);
        await lock.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", key);
      }
      locked = true;
      if (controller.signal.aborted) throw new Released();
      log(`job ${job.id}: run ${data.runId} (attempt ${attempt}) taken by ${worker}`);
      const outcome = await opts.runJob(data, { signal: controller.signal, jobId: job.id, attempt });
      if (outcome === "complete") {
        const rows = await queue.sql(
          `UPDATE ${SCHEMA}.job SET state = 'completed', completed_on = now(), output = jsonb_build_object('worker', $4::text, 'status', 'complete') WHERE ${FENCE} RETURNING id`,
          [QUEUE_NAME, job.id, token, worker],
        );
        if (rows.length) report.completed++;
        log(`job ${job.id}: run ${data.runId} complete`);
      } else {
        throw new Released();
      }
    } catch (e) {
      if (lostWhy) {
        report.lost++;
      } else if (e instanceof Released || stopped()) {
        const rows = await queue.sql(
          `UPDATE ${SCHEMA}.job SET state = 'created', started_on = NULL, expire_in = make_interval(secs => $4), output = jsonb_build_object('message', $5::text) WHERE ${FENCE} RETURNING id`,
          [QUEUE_NAME, job.id, token, settings.expireSeconds, `released by ${worker} when it stopped`],
        );
        if (rows.length) report.released++;
        log(`job ${job.id}: run ${data.runId} released back to the queue`);
      } else {
        const message = (e as Error).message;
        const ours = await queue.sql(`SELECT id FROM ${SCHEMA}.job WHERE ${FENCE}`, [QUEUE_NAME, job.id, token]);
        if (ours.length) await queue.boss.fail(QUEUE_NAME, job.id, { message, worker });
        report.failed++;
        log(`job ${job.id}: run ${data.runId} failed: ${message}`);
      }
    } finally {
      opts.signal?.removeEventListener("abort", onStop);
      await heartbeat.stop();
      await lock.end().catch(() => {}); // closing the session releases the advisory lock
    }
  }

  async function slot(): Promise<void> {
    while (!stopped()) {
      const [job] = await queue.boss.fetch<RunJob>(QUEUE_NAME, { includeMetadata: true, batchSize: 1 });
      if (job) {
        await handle(job as PgJob);
        continue;
      }
      if (opts.untilEmpty && (await outstanding()) === 0) return;
      await sleep(settings.pollSeconds * 1000);
    }
  }

  log(`worker ${worker}: ${opts.concurrency ?? 1} slot(s); lease ${settings.expireSeconds}s renewed every ${settings.heartbeatSeconds}s`);
  await Promise.all(Array.from({ length: opts.concurrency ?? 1 }, () => slot()));
  return report;
}

class Released extends Error {}

interface PgJob {
  id: string;
  data: RunJob;
  retryCount: number;
}
