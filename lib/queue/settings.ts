/**
 * The queue's timing constants. Each can be overridden by an environment variable (the tests
 * shorten them); the defaults suit runs whose epochs take minutes.
 *
 * A worker's heartbeat thread renews its job's lease every HEARTBEAT seconds, pushing the
 * job's expiry to now + EXPIRE seconds. A worker that dies stops renewing; within
 * EXPIRE + MAINTENANCE (+ POLL) seconds a live worker's pg-boss maintenance expires the job,
 * moves it back to `retry`, and another worker takes it and resumes the run from its last
 * complete checkpoint. EXPIRE must be several HEARTBEATs so a slow database round trip
 * does not lose a live worker's job.
 */
export const QUEUE_NAME = "bnlab-runs";

function envSeconds(name: string, fallback: number, min = 0.5): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name}=${raw}: must be a number of seconds ≥ ${min}`);
  return n;
}

export interface QueueSettings {
  /** How often a worker renews the lease of the job it trains (BNLAB_QUEUE_HEARTBEAT_SECONDS, 15). */
  heartbeatSeconds: number;
  /** A job whose lease is not renewed for this long is expired and retried (BNLAB_QUEUE_EXPIRE_SECONDS, 120). */
  expireSeconds: number;
  /** How often workers look for expired jobs (BNLAB_QUEUE_MAINTENANCE_SECONDS, 30). */
  maintenanceSeconds: number;
  /** How often an idle worker asks for a job (BNLAB_QUEUE_POLL_SECONDS, 2). */
  pollSeconds: number;
  /** Attempts after the first before a job is marked failed (BNLAB_QUEUE_RETRY_LIMIT, 3). */
  retryLimit: number;
  /** Wait before a failed or expired job may be taken again (BNLAB_QUEUE_RETRY_DELAY_SECONDS, 0). */
  retryDelaySeconds: number;
}

export function queueSettings(): QueueSettings {
  const s: QueueSettings = {
    heartbeatSeconds: envSeconds("BNLAB_QUEUE_HEARTBEAT_SECONDS", 15),
    expireSeconds: Math.ceil(envSeconds("BNLAB_QUEUE_EXPIRE_SECONDS", 120, 1)),
    maintenanceSeconds: Math.ceil(envSeconds("BNLAB_QUEUE_MAINTENANCE_SECONDS", 30, 1)),
    pollSeconds: envSeconds("BNLAB_QUEUE_POLL_SECONDS", 2),
    retryLimit: Math.round(envSeconds("BNLAB_QUEUE_RETRY_LIMIT", 3, 0)),
    retryDelaySeconds: Math.round(envSeconds("BNLAB_QUEUE_RETRY_DELAY_SECONDS", 0, 0)),
  };
  if (s.expireSeconds < 2 * s.heartbeatSeconds) {
    throw new Error(`BNLAB_QUEUE_EXPIRE_SECONDS (${s.expireSeconds}) must be at least twice BNLAB_QUEUE_HEARTBEAT_SECONDS (${s.heartbeatSeconds})`);
  }
  return s;
}
