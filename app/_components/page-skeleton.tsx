/** The placeholder of a page whose data is being read (the index, a checkpoint's γ). */
export function PageSkeleton() {
  return (
    <div role="status" aria-live="polite" className="flex flex-col gap-4" data-testid="loading">
      <span className="sr-only">Loading…</span>
      <div className="h-7 w-64 animate-pulse rounded bg-soft" />
      <div className="h-24 animate-pulse rounded-lg border border-line bg-surface" />
      <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
        <div className="h-72 animate-pulse rounded-lg border border-line bg-surface" />
        <div className="h-72 animate-pulse rounded-lg border border-line bg-surface" />
      </div>
    </div>
  );
}
