/**
 * The run queue: pg-boss (v10) in the PostgreSQL that DATABASE_URL names, one job per run.
 * Job data is {runId, config, runsDir, saveEvery}; runsDir is the shared runs root that every
 * worker mounts. While a worker holds a job, the job's `output` column carries
 * {worker, heartbeatOn}; once done it carries the result, or the error when the job failed.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import PgBoss from "pg-boss";
import type { RunConfig } from "../run/config";
import { databaseUrl } from "../db/url";
import { modeName } from "../run/modes";
import { QUEUE_NAME, queueSettings, type QueueSettings } from "./settings";

export interface RunJob {
  runId: string;
  config: RunConfig;
  runsDir: string;
  saveEvery?: number;
}

export const SCHEMA = "pgboss";

/** The PostgreSQL URL from DATABASE_URL, or a clear error: the queue needs a shared PostgreSQL. */
export function queueUrl(env: Record<string, string | undefined> = process.env): string {
  const url = env.DATABASE_URL?.trim();
  if (!url || !/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(
      `the run queue needs a shared PostgreSQL: set DATABASE_URL=postgresql://user@host:5432/db${url ? ` (it is "${url}")` : ""}`,
    );
  }
  return url;
}

/** Runs SQL on the queue's database: an open Queue, or the dashboard's read-only pool. */
export interface SqlSource {
  sql<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
}

export interface Queue extends SqlSource {
  boss: PgBoss;
  settings: QueueSettings;
  close(): Promise<void>;
}

/** Starts pg-boss (creating its schema and our queue if needed). `supervise` runs the expiry maintenance. */
export async function openQueue(url = queueUrl(), opts: { supervise?: boolean; settings?: QueueSettings } = {}): Promise<Queue> {
  const settings = opts.settings ?? queueSettings();
  const boss = new PgBoss({
    connectionString: url,
    schema: SCHEMA,
    max: 4,
    supervise: Boolean(opts.supervise),
    schedule: false,
    migrate: true,
    maintenanceIntervalSeconds: settings.maintenanceSeconds,
    application_name: "bnlab-queue",
  });
  let lastError = "";
  boss.on("error", (e) => {
    if (e.message !== lastError) console.error(`queue: ${e.message}`);
    lastError = e.message;
  });
  await boss.start();
  if (!(await boss.getQueue(QUEUE_NAME))) {
    await boss.createQueue(QUEUE_NAME, {
      name: QUEUE_NAME,
      policy: "standard",
      retryLimit: settings.retryLimit,
      retryDelay: settings.retryDelaySeconds,
      expireInSeconds: settings.expireSeconds,
    }).catch(async (e) => {
      if (!(await boss.getQueue(QUEUE_NAME))) throw e; // another process created it first
    });
  }
  const db = boss.getDb();
  return {
    boss,
    settings,
    sql: async (text, values = []) => (await db.executeSql(text, values as unknown[])).rows,
    close: () => boss.stop({ graceful: false, wait: true }),
  };
}

/**
 * Enqueues each run that has no waiting or active job. A transaction-scoped advisory lock makes
 * two enqueuers at once add each run once. Returns the run ids added.
 */
export async function enqueueRuns(q: Queue, jobs: RunJob[]): Promise<string[]> {
  const added: string[] = [];
  const pool = (q.boss.getDb() as unknown as { pool?: import("pg").Pool }).pool;
  if (!pool) throw new Error("pg-boss did not expose its connection pool");
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended('bnlab-queue-enqueue', 0))");
    const { rows } = await client.query<{ key: string }>(
      `SELECT singleton_key AS key FROM ${SCHEMA}.job WHERE name = $1 AND state IN ('created', 'retry', 'active')`,
      [QUEUE_NAME],
    );
    const waiting = new Set(rows.map((r) => r.key));
    for (const job of jobs) {
      if (waiting.has(job.runId)) continue;
      const id = await q.boss.send(QUEUE_NAME, job as unknown as object, {
        singletonKey: job.runId,
        retryLimit: q.settings.retryLimit,
        retryDelay: q.settings.retryDelaySeconds,
        expireInSeconds: q.settings.expireSeconds,
        db: { executeSql: async (text: string, values: unknown[]) => client.query(text, values) },
      });
      if (id) added.push(job.runId);
      waiting.add(job.runId);
    }
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
  return added;
}

export type JobState = "pending" | "running" | "done" | "failed" | "cancelled";

export interface QueueEntry {
  jobId: string;
  runId: string;
  state: JobState;
  /** Attempts so far that were interrupted (expired, failed and retried). */
  retries: number;
  worker?: string;
  heartbeatOn?: string;
  error?: string;
  epochsDone?: number;
  epochs: number;
  dataset: string;
  depth: number;
  width: number;
  /** The trainable mode's name (bn, all, …), as the run index names it. */
  mode: string;
  seed: number;
  /** When the job was queued: a pending job has waited since then. */
  createdOn: Date;
  startedOn?: Date;
  completedOn?: Date;
}

const STATE: Record<string, JobState> = { created: "pending", retry: "pending", active: "running", completed: "done", failed: "failed", cancelled: "cancelled" };

interface JobRow {
  id: string;
  state: string;
  key: string;
  data: RunJob;
  output: Record<string, unknown> | null;
  retry_count: number;
  created_on: Date;
  started_on: Date | null;
  completed_on: Date | null;
}

/** The latest job of each run (in the queue or its archive): a subquery over `$1`, the queue's name. */
const LATEST = `SELECT DISTINCT ON (key) * FROM (
       SELECT id, state::text AS state, singleton_key AS key, data, output, retry_count, started_on, completed_on, created_on FROM ${SCHEMA}.job WHERE name = $1
       UNION ALL
       SELECT id, state::text AS state, singleton_key AS key, data, output, retry_count, started_on, completed_on, created_on FROM ${SCHEMA}.archive WHERE name = $1
     ) j ORDER BY key, created_on DESC`;

/** The latest job of each run (in the queue or its archive), with progress read from run.json. */
export async function queueEntries(q: SqlSource): Promise<QueueEntry[]> {
  return (await q.sql<JobRow>(LATEST, [QUEUE_NAME])).map(entryOf);
}

/** pg-boss's states as bnlab names them, in SQL. */
const STATE_SQL = `CASE state WHEN 'created' THEN 'pending' WHEN 'retry' THEN 'pending' WHEN 'active' THEN 'running' WHEN 'completed' THEN 'done' ELSE state END`;

export interface QueueSummary {
  /** Runs per state of their latest job. */
  counts: Record<JobState, number>;
  /** The jobs listed: every running job, the `limit` oldest pending and failed ones, the `limit` latest done and cancelled ones. */
  entries: QueueEntry[];
  /** The latest job of each of `runIds` that has one, listed or not (a page's runs, for their worker). */
  runs: QueueEntry[];
}

/** The latest job of each run as light columns only: ranking 10,000 jobs must not sort their JSON. */
const LATEST_LIGHT = `SELECT DISTINCT ON (key) id, ${STATE_SQL} AS s, key, created_on FROM (
       SELECT id, state::text AS state, singleton_key AS key, created_on FROM ${SCHEMA}.job WHERE name = $1
       UNION ALL
       SELECT id, state::text AS state, singleton_key AS key, created_on FROM ${SCHEMA}.archive WHERE name = $1
     ) j ORDER BY key, created_on DESC`;

/**
 * The queue as a view needs it whatever its length: the counts per state grouped by the database,
 * and only the jobs shown — run.json is read for those alone. Pending and failed jobs are the
 * oldest (first in line, longest broken), done and cancelled ones the latest. The ranking reads
 * ids, states and times; the full rows are fetched for the chosen jobs alone.
 */
export async function queueSummary(q: SqlSource, opts: { limit: number; runIds?: readonly string[] }): Promise<QueueSummary> {
  const counts: Record<JobState, number> = { pending: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
  for (const r of await q.sql<{ s: string; n: string }>(`SELECT s, COUNT(*) AS n FROM (${LATEST_LIGHT}) l GROUP BY 1`, [QUEUE_NAME])) {
    if (r.s in counts) counts[r.s as JobState] += Number(r.n);
  }
  const asked = [...(opts.runIds ?? [])];
  const rows = await q.sql<JobRow & { listed: boolean }>(
    `WITH chosen AS (
       SELECT id, (s = 'running' OR rn <= $2) AS listed FROM (
         SELECT l.*, ROW_NUMBER() OVER (PARTITION BY s ORDER BY CASE WHEN s IN ('done', 'cancelled') THEN -EXTRACT(EPOCH FROM created_on) ELSE EXTRACT(EPOCH FROM created_on) END, key) AS rn
         FROM (${LATEST_LIGHT}) l) r
       WHERE s = 'running' OR rn <= $2 OR key = ANY($3::text[]))
     SELECT j.*, c.listed FROM (
       SELECT id, state::text AS state, singleton_key AS key, data, output, retry_count, started_on, completed_on, created_on FROM ${SCHEMA}.job WHERE name = $1 AND id IN (SELECT id FROM chosen)
       UNION ALL
       SELECT id, state::text AS state, singleton_key AS key, data, output, retry_count, started_on, completed_on, created_on FROM ${SCHEMA}.archive WHERE name = $1 AND id IN (SELECT id FROM chosen)
     ) j JOIN chosen c ON c.id = j.id
     ORDER BY j.created_on, j.key`,
    [QUEUE_NAME, opts.limit, asked],
  );
  const wanted = new Set(asked);
  const entries: QueueEntry[] = [];
  const runs: QueueEntry[] = [];
  for (const r of rows) {
    const e = entryOf(r);
    if (r.listed) entries.push(e);
    if (wanted.has(r.key)) runs.push(e);
  }
  return { counts, entries, runs };
}

function entryOf(r: JobRow): QueueEntry {
  const state = STATE[r.state] ?? "pending";
  const out = r.output ?? {};
  const value = (out.value ?? out) as Record<string, unknown>;
  const { data, model, training } = r.data.config;
  const entry: QueueEntry = {
    jobId: r.id,
    runId: r.key,
    state,
    retries: r.retry_count,
    epochs: training.epochs,
    // A completed job's run is complete; only the others need their run.json read.
    epochsDone: state === "done" ? training.epochs : epochsDone(r.data),
    dataset: data.dataset,
    depth: model.depth,
    width: model.width,
    mode: modeName(training.trainable, training.randomK),
    seed: training.seed,
    createdOn: r.created_on,
    startedOn: r.started_on ?? undefined,
    completedOn: r.completed_on ?? undefined,
  };
  if (typeof out.worker === "string") entry.worker = out.worker;
  if (typeof out.heartbeatOn === "string") entry.heartbeatOn = out.heartbeatOn;
  if (state !== "done" && typeof value.message === "string") entry.error = value.message;
  return entry;
}

function epochsDone(job: RunJob): number | undefined {
  const file = path.join(job.runsDir, job.runId, "run.json");
  if (!existsSync(file)) return undefined;
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { epochsDone?: number }).epochsDone;
  } catch {
    return undefined;
  }
}

const readers = new Map<string, pg.Pool>();

/**
 * The queue as the dashboard reads it (`queueSummary`), or null where there is none: DATABASE_URL
 * is not PostgreSQL, or no queue was ever made there (no pg-boss schema). Only reads — a page view
 * never creates the schema as openQueue would — through one small pool per URL, reused by every
 * refresh.
 */
export async function readQueue(opts: { limit: number; runIds?: readonly string[] }, env: Record<string, string | undefined> = process.env): Promise<QueueSummary | null> {
  const { kind, url } = databaseUrl(env);
  if (kind !== "postgresql") return null;
  const pool = readers.get(url) ?? new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 30_000, allowExitOnIdle: true, application_name: "bnlab-dashboard" });
  if (!readers.has(url)) {
    // An idle connection the server drops must not take the process down; the next query reconnects.
    pool.on("error", (e) => console.error(`queue reader: ${e.message}`));
    readers.set(url, pool);
  }
  const source: SqlSource = { sql: async (text, values = []) => (await pool.query(text, values)).rows };
  const [schema] = await source.sql<{ ok: boolean }>(
    `SELECT to_regclass('${SCHEMA}.job') IS NOT NULL AND to_regclass('${SCHEMA}.archive') IS NOT NULL AS ok`,
  );
  return schema.ok ? queueSummary(source, opts) : null;
}

/** The CLI's view of a long queue: the counts, then the jobs of `queueSummary` and how many more of each state there are. */
export function formatQueueSummary({ counts, entries }: QueueSummary, limit: number, now = Date.now()): string {
  const lines = formatQueue(entries, now).split("\n").slice(1);
  const head = `queue ${QUEUE_NAME}: ${counts.pending} pending, ${counts.running} running, ${counts.done} done, ${counts.failed} failed`;
  const more = (["pending", "failed", "done", "cancelled"] as const).flatMap((s) => (counts[s] > limit ? [`  … and ${counts[s] - limit} more ${s} (bnlab queue --all lists every run)`] : []));
  return [head, ...lines, ...more].join("\n");
}

/** One summary line and one line per run, for the CLI. */
export function formatQueue(entries: QueueEntry[], now = Date.now()): string {
  const count = (s: JobState) => entries.filter((e) => e.state === s).length;
  const lines = [`queue ${QUEUE_NAME}: ${count("pending")} pending, ${count("running")} running, ${count("done")} done, ${count("failed")} failed`];
  const order: JobState[] = ["running", "pending", "failed", "cancelled", "done"];
  for (const e of [...entries].sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state) || a.runId.localeCompare(b.runId))) {
    const progress = `${e.epochsDone ?? 0}/${e.epochs} epochs`;
    let detail = progress;
    if (e.state === "running") {
      const beat = e.heartbeatOn ? ` heartbeat ${Math.max(0, Math.round((now - Date.parse(e.heartbeatOn)) / 1000))}s ago` : "";
      detail = `${progress}  worker ${e.worker ?? "?"}${beat}`;
    } else if (e.state === "pending" && e.retries > 0) {
      detail = `${progress}  retry ${e.retries}${e.error ? ` (${e.error})` : ""}`;
    } else if (e.state === "failed") {
      detail = `${progress}  ${e.error ?? "failed"}`;
    }
    lines.push(`  ${e.state.padEnd(9)} ${e.runId}  ${detail}`);
  }
  return lines.join("\n");
}

/** Puts the failed jobs of these runs (or of every run) back in the queue; returns the run ids. */
export async function retryFailed(q: Queue, runIds: string[] | "all"): Promise<string[]> {
  const failed = (await queueEntries(q)).filter((e) => e.state === "failed" && (runIds === "all" || runIds.includes(e.runId)));
  if (failed.length > 0) await q.boss.retry(QUEUE_NAME, failed.map((e) => e.jobId));
  return failed.map((e) => e.runId);
}
