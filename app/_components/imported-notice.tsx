/**
 * What a page says about an imported network: where it came from, its architecture, and — when
 * bnlab cannot run it — why pruning re-evaluation is unavailable while its γ figures still show.
 */
interface ImportedRow {
  mode: string;
  sourcePath: string | null;
  sourceFormat: string | null;
  architecture: string | null;
  forwardUnavailable: string | null;
}

export function ImportedSource({ row }: { row: ImportedRow }) {
  if (row.mode !== "imported") return null;
  return (
    <p className="text-sm text-muted" data-testid="imported-source">
      Imported from {row.sourceFormat ?? "a checkpoint"}: <span className="break-all font-mono text-xs">{row.sourcePath ?? "–"}</span> · architecture{" "}
      <span className="font-mono text-xs" data-testid="imported-architecture">
        {row.architecture ?? "unknown"}
      </span>
    </p>
  );
}

/** Null when the network can be evaluated here. */
export function ForwardUnavailable({ row, what }: { row: ImportedRow; what: string }) {
  if (!row.forwardUnavailable) return null;
  return (
    <p role="note" className="rounded-md border border-warn/40 bg-warn/10 px-3 py-2 text-sm" data-testid="forward-unavailable" data-reason={row.forwardUnavailable}>
      Pruning re-evaluation is not available for this network: {row.forwardUnavailable}. {what}
    </p>
  );
}
