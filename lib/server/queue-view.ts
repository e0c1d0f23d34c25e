/**
 * Server side: the run queue as the runs page shows it. lib/queue computes the entries (the
 * latest job of each run, progress from run.json) and the counts for `bnlab queue` and this page
 * alike — only the jobs shown, however long the queue; this only sorts them.
 */
import { redactPaths } from "./errors";
import { readQueue, type JobState, type QueueEntry, type QueueSummary } from "../queue/queue";

export interface QueueView {
  /** Running, then queued (oldest first), then failed jobs: the rows of the Queue section (at most QUEUE_SHOWN queued and failed). */
  shown: QueueEntry[];
  /** The latest job of each run of the page (and of each shown), for the worker of a running run in the runs table. */
  byRun: Map<string, QueueEntry>;
  counts: Record<JobState, number>;
  /** Jobs waiting or training: the page keeps refreshing while there are any. */
  active: boolean;
  /** The queue exists but could not be read. */
  error?: string;
}

const ORDER: JobState[] = ["running", "pending", "failed"];

/** Queued and failed jobs listed on the page: the counts say how many there are in all, and `bnlab queue --all` lists them. */
export const QUEUE_SHOWN = 20;

/** Null where there is no queue (SQLite, or no pg-boss schema in the PostgreSQL): no section. `runIds`: the runs of the page. */
export async function queueView(runIds: readonly string[] = []): Promise<QueueView | null> {
  let summary: QueueSummary | null;
  try {
    summary = await readQueue({ limit: QUEUE_SHOWN, runIds });
  } catch (e) {
    // The runs table still shows; the section says why the queue is missing.
    const counts: Record<JobState, number> = { pending: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
    return { shown: [], byRun: new Map(), counts, active: false, error: redactPaths((e as Error).message) };
  }
  if (!summary) return null;
  const { counts, entries, runs } = summary;
  const shown = entries
    .filter((e) => ORDER.includes(e.state))
    .map((e) => (e.error ? { ...e, error: redactPaths(e.error) } : e))
    .sort((a, b) => ORDER.indexOf(a.state) - ORDER.indexOf(b.state) || a.createdOn.getTime() - b.createdOn.getTime() || a.runId.localeCompare(b.runId));
  return { shown, byRun: new Map([...entries, ...runs].map((e) => [e.runId, e])), counts, active: counts.pending + counts.running > 0 };
}
