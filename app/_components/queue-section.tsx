/**
 * The run queue above the runs table (server-rendered): running jobs with their worker and
 * progress, queued ones with how long they have waited, failed ones with their error. A queued
 * run has no run directory yet, so this is the only place it shows.
 */
import Link from "./link";
import type { QueueEntry } from "../../lib/queue/queue";
import { ago, arch, dateTime } from "../../lib/server/format";
import type { QueueView } from "../../lib/server/queue-view";
import { StatusBadge } from "./status-badge";

const LABEL: Record<string, string> = { pending: "queued", running: "running", failed: "failed" };

function Progress({ e }: { e: QueueEntry }) {
  const done = e.epochsDone ?? 0;
  const frac = e.epochs > 0 ? Math.min(1, done / e.epochs) : 0;
  return (
    <div className="flex min-w-[7rem] items-center gap-2" data-testid="queue-progress">
      <span className="tabular-nums">
        {done}/{e.epochs}
      </span>
      <span aria-hidden="true" className="h-1.5 w-16 overflow-hidden rounded-full bg-soft">
        <span className="block h-full rounded-full bg-info" style={{ width: `${Math.round(frac * 100)}%` }} />
      </span>
    </div>
  );
}

function Since({ e, now }: { e: QueueEntry; now: number }) {
  // A running job counts from when its worker took it, a waiting one from when it was queued.
  const at = e.state === "running" && e.startedOn ? e.startedOn : e.createdOn;
  const verb = e.state === "running" ? "running" : e.state === "failed" ? "queued" : "waiting";
  return (
    <time dateTime={at.toISOString()} title={dateTime(at)} data-testid="queue-since">
      {verb} {ago(at, now)}
    </time>
  );
}

export function QueueSection({ view, indexed, now }: { view: QueueView; indexed: ReadonlySet<string>; now: number }) {
  const { counts } = view;
  // A long queue lists its oldest jobs only (QUEUE_SHOWN per state); the counts above say how many wait.
  const notListed = counts.pending + counts.failed - view.shown.filter((e) => e.state === "pending" || e.state === "failed").length;
  return (
    <section className="flex flex-col gap-2" aria-labelledby="queue-heading" data-testid="queue">
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <h2 id="queue-heading" className="text-lg font-semibold">
          Queue
        </h2>
        <p className="text-sm text-muted" data-testid="queue-counts">
          {counts.pending} queued · {counts.running} running · {counts.done} done · {counts.failed} failed
        </p>
      </div>
      {view.error && (
        <p role="alert" className="rounded-md border border-warn/40 bg-warn/10 px-3 py-2 text-sm text-warn" data-testid="queue-error">
          The run queue could not be read: {view.error}
        </p>
      )}
      {view.shown.length > 0 && (
        <div className="overflow-x-auto rounded-lg border border-line bg-surface">
          <table className="w-full border-collapse text-sm" data-testid="queue-table">
            <thead className="border-b border-line bg-soft text-left text-xs">
              <tr>
                {["Run", "State", "Dataset", "Architecture", "Trainable", "Seed", "Worker", "Epochs", "Since"].map((h) => (
                  <th key={h} scope="col" className={`whitespace-nowrap px-1.5 py-2 font-medium ${h === "Seed" ? "text-right" : ""}`}>
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {view.shown.map((e) => (
                <tr key={e.runId} data-queue-run={e.runId} data-state={e.state} className="queue-row">
                  <td className="max-w-[20rem] px-2 py-2">
                    {/* Linked once the run is in the index; a queued run has nothing to show yet. */}
                    {indexed.has(e.runId) ? (
                      <Link href={`/runs/${encodeURIComponent(e.runId)}`} className="run-id">
                        {e.runId}
                      </Link>
                    ) : (
                      <span className="run-id">{e.runId}</span>
                    )}
                  </td>
                  <td className="px-1.5 py-2">
                    <StatusBadge status={LABEL[e.state] ?? e.state} />
                    {e.state === "pending" && e.retries > 0 && <p className="mt-1 text-xs text-warn">retry {e.retries}</p>}
                    {e.error && e.state !== "running" && (
                      <p className="mt-1 line-clamp-3 max-w-[18rem] break-words text-xs text-danger" title={e.error} data-testid="queue-job-error">
                        {e.error}
                      </p>
                    )}
                    {e.state === "failed" && (
                      <p className="mt-1 text-xs text-muted">
                        <code className="font-mono">npx bnlab queue retry {e.runId}</code>
                      </p>
                    )}
                  </td>
                  <td className="queue-cell">{e.dataset}</td>
                  <td className="queue-cell">{arch(e)}</td>
                  <td className="queue-cell">{e.mode}</td>
                  <td className="px-1.5 py-2 text-right tabular-nums">{e.seed}</td>
                  <td className="queue-cell font-mono text-xs" data-testid="queue-worker" {...(e.heartbeatOn ? { title: `last heartbeat ${dateTime(e.heartbeatOn)}` } : {})}>
                    {e.state === "running" ? (e.worker ?? "?") : "–"}
                  </td>
                  <td className="px-1.5 py-2">
                    <Progress e={e} />
                  </td>
                  <td className="queue-cell text-xs text-muted">
                    <Since e={e} now={now} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {notListed > 0 && (
        <p className="text-xs text-muted" data-testid="queue-more">
          {notListed.toLocaleString("en-US")} more queued or failed job{notListed === 1 ? " is" : "s are"} not listed here: <code className="font-mono">npx bnlab queue --all</code> lists every job.
        </p>
      )}
    </section>
  );
}
