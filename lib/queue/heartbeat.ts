/**
 * A job's heartbeat runs in its own thread: training blocks the main thread for a whole epoch
 * at a time, and the lease must be renewed regardless. The thread has its own connection. Each
 * beat pushes the job's expiry to now + expireSeconds, but only while the job is still active
 * and still this worker's (its `output.worker`); when it is not (it expired and was retried, or
 * the database was out of reach for longer than the lease) the thread reports "lost" and stops.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { SCHEMA } from "./queue";
import { QUEUE_NAME } from "./settings";

/**
 * Claims a job just fetched: $1 queue, $2 job id, $3 worker, $4 lease seconds. Returns the
 * fetch's started_on as text (microseconds intact): the fencing token of this attempt.
 */
export const CLAIM_SQL = `
  UPDATE ${SCHEMA}.job
     SET expire_in = (now() - started_on) + make_interval(secs => $4),
         output = jsonb_build_object('worker', $3::text, 'heartbeatOn', now())
   WHERE name = $1 AND id = $2 AND state = 'active'
  RETURNING started_on::text AS token`;

/** Renews the lease of this attempt only ($5 = the claim's token); no row when the job is not ours. */
export const RENEW_SQL = `
  UPDATE ${SCHEMA}.job
     SET expire_in = (now() - started_on) + make_interval(secs => $4),
         output = jsonb_build_object('worker', $3::text, 'heartbeatOn', now())
   WHERE name = $1 AND id = $2 AND state = 'active' AND started_on = $5::timestamptz AND output->>'worker' = $3::text
  RETURNING id`;

const THREAD = `
const { parentPort, workerData: w } = require("node:worker_threads");
const { Client } = require(w.pgPath);
let client = null, lastOk = Date.now(), timer = null, done = false;
function stop() { done = true; if (timer) clearTimeout(timer); const c = client; client = null; if (c) c.end().catch(() => {}); }
async function beat() {
  if (done) return;
  try {
    if (!client) {
      const c = new Client({ connectionString: w.url, application_name: "bnlab-heartbeat" });
      c.on("error", () => { if (client === c) client = null; });
      await c.connect();
      client = c;
    }
    const r = await client.query(w.sql, [w.queue, w.jobId, w.worker, w.expireSeconds, w.token]);
    if (r.rowCount === 0) { parentPort.postMessage({ type: "lost", why: "the job is no longer this worker's (it expired and was retried, or was cancelled)" }); return stop(); }
    lastOk = Date.now();
  } catch (e) {
    const c = client; client = null; if (c) c.end().catch(() => {});
    if (Date.now() - lastOk > w.expireSeconds * 1000) { parentPort.postMessage({ type: "lost", why: "no heartbeat reached the database for " + w.expireSeconds + " s (" + e.message + ")" }); return stop(); }
  }
  if (!done) timer = setTimeout(beat, w.intervalMs);
}
parentPort.on("message", (m) => { if (m === "stop") { stop(); parentPort.close(); } });
timer = setTimeout(beat, w.intervalMs);
`;

export interface Heartbeat {
  stop(): Promise<void>;
}

export function startHeartbeat(opts: {
  url: string;
  jobId: string;
  worker: string;
  /** The claim's token (CLAIM_SQL). */
  token: string;
  intervalSeconds: number;
  expireSeconds: number;
  onLost: (why: string) => void;
}): Heartbeat {
  const pgPath = createRequire(import.meta.url).resolve("pg");
  const thread = new Worker(THREAD, {
    eval: true,
    workerData: { pgPath, url: opts.url, sql: RENEW_SQL, queue: QUEUE_NAME, jobId: opts.jobId, worker: opts.worker, token: opts.token, expireSeconds: opts.expireSeconds, intervalMs: opts.intervalSeconds * 1000 },
  });
  thread.on("message", (m: { type: string; why: string }) => {
    if (m.type === "lost") opts.onLost(m.why);
  });
  thread.on("error", (e) => opts.onLost(`heartbeat thread failed: ${e.message}`));
  thread.unref();
  return {
    stop: async () => {
      thread.postMessage("stop");
      await Promise.race([new Promise((r) => thread.once("exit", r)), new Promise((r) => setTimeout(r, 2000))]);
      await thread.terminate();
    },
  };
}
