/** A run's status as a coloured badge (server-renderable). */
const STYLE: Record<string, string> = {
  running: "border-info/40 bg-info/10 text-info",
  complete: "border-ok/40 bg-ok/10 text-ok",
  interrupted: "border-warn/40 bg-warn/10 text-warn",
  failed: "border-danger/40 bg-danger/10 text-danger",
  broken: "border-danger/40 bg-danger/10 text-danger",
  missing: "border-warn/40 bg-warn/10 text-warn",
  queued: "border-line bg-soft text-muted",
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <span data-status={status} className={`badge ${STYLE[status] ?? "border-line text-muted"}`}>
      {status === "running" && <span aria-hidden="true" className="h-1.5 w-1.5 animate-pulse rounded-full bg-info" />}
      {status}
    </span>
  );
}
