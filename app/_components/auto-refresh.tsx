"use client";
/**
 * While a run is training, re-reads the page's server data every few seconds (`router.refresh()`:
 * the server components render again from the index; client state such as a half-typed filter is
 * kept). Paused while the tab is hidden.
 */
import { useRouter } from "next/navigation";
import { useEffect } from "react";

export function AutoRefresh({ active, intervalMs = 4000, label = "live: updating while runs train" }: { active: boolean; intervalMs?: number; label?: string }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const id = window.setInterval(() => {
      if (document.visibilityState === "visible") router.refresh();
    }, intervalMs);
    return () => window.clearInterval(id);
  }, [active, intervalMs, router]);
  if (!active) return null;
  return (
    <span className="inline-flex items-center gap-1.5 text-xs text-info" role="status" data-testid="auto-refresh">
      <span aria-hidden="true" className="h-2 w-2 animate-pulse rounded-full bg-info" />
      {label}
    </span>
  );
}
