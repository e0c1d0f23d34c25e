/**
 * Server side: the run queue as the runs page shows it. lib/queue computes the entries (the
 * latest job of each run, progress from run.json) for `bnlab queue` and this page alike; this
 * only sorts and counts them.
 */
import { redactPaths } from "./errors";
import { readQueue, type JobState, type QueueEntry } from "../queue/queue";

export interface QueueView {
  /** Running, then queued (oldest first), then failed jobs: the rows of the Queue section. */
  shown: QueueEntry[];
  /** The latest job of each run, for the worker of a running run in the runs table. */
  byRun: Map<string, QueueEntry>;
  counts: Record<JobState, number>;
  /** Jobs waiting or training: the page keeps refreshing while there are any. */
  active: boolean;
  /** The queue exists but could not be read. */
  error?: string;
}

const ORDER: JobState[] = ["running", "pending", "failed"];

/** Null where there is no queue (SQLite, or no pg-boss schema in the PostgreSQL): no section. */
export async function queueView(): Promise<QueueView | null> {
  const counts: Record<JobState, number> = { pending: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
  let entries: QueueEntry[] | null;
  try {
    entries = await readQueue();
  } catch (e) {
    // The runs table still shows; the section says why the queue is missing.
    return { shown: [], byRun: new Map(), counts, active: false, error: redactPaths((e as Error).message) };
  }
  if (!entries) return null;
  for (const e of entries) counts[e.state]++;
  const shown = entries
    .filter((e) => ORDER.includes(e.state))
    .map((e) => (e.error ? { ...e, error: redactPaths(e.error) } : e))
    .sort((a, b) => ORDER.indexOf(a.state) - ORDER.indexOf(b.state) || a.createdOn.getTime() - b.createdOn.getTime() || a.runId.localeCompare(b.runId));
  return { shown, byRun: new Map(entries.map((e) => [e.runId, e])), counts, active: counts.pending + counts.running > 0 };
}
