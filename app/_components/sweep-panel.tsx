/**
 * The sweep `npm start` trains behind the dashboard: runs done / total, the current run with its
 * epoch and step, and the time left. While it trains, every page refreshes itself so tables and
 * figures grow as runs finish. Nothing is shown once the sweep is complete (or when there is none).
 */
import Link from "./link";
import { etaText, sweepProgress } from "../../lib/server/sweep-progress";
import { runHref } from "../../lib/server/urls";
import { AutoRefresh } from "./auto-refresh";

export function SweepPanel() {
  const p = sweepProgress();
  if (!p || p.state === "complete") return null;
  if (p.state !== "running") {
    return (
      <p role="status" data-testid="sweep-panel" data-state={p.state} className="mb-4 rounded-md border border-warn/40 bg-warn/10 px-3 py-2 text-sm text-warn">
        The {p.sweep} sweep stopped at {p.done} of {p.total} runs{p.error ? ` (${p.error})` : ""}: <code>npm start</code> resumes it.
      </p>
    );
  }
  const c = p.current;
  const runFraction = c && c.steps ? (c.epoch - 1 + c.step / c.steps) / c.epochs : 0;
  const fraction = p.total ? Math.min(1, (p.done + runFraction) / p.total) : 1;
  return (
    <section aria-label="Training progress" data-testid="sweep-panel" data-state="running" data-done={p.done} data-total={p.total} className="mb-4 flex flex-col gap-2 rounded-lg border border-info/40 bg-info/5 px-3 py-2 text-sm">
      <div className="flex flex-wrap items-baseline gap-x-4 gap-y-1">
        <strong>Training the {p.sweep} sweep</strong>
        <span data-testid="sweep-runs">{p.done} / {p.total} runs done</span>
        <span className="text-muted">{etaText(p.etaSeconds)}</span>
        <AutoRefresh active />
      </div>
      <div className="h-2 overflow-hidden rounded-full bg-soft" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(100 * fraction)}>
        <div className="h-full bg-info" style={{ width: `${(100 * fraction).toFixed(1)}%` }} />
      </div>
      {c && (
        <p className="text-muted" data-testid="sweep-current">
          Now: <Link href={runHref(c.id)}>{c.id}</Link> (run {c.index} of {c.of} this start), epoch {c.epoch}/{c.epochs}
          {c.steps > 0 && `, step ${c.step}/${c.steps}`}
        </p>
      )}
    </section>
  );
}
