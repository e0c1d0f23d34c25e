"use client";
/** A page that failed to render: what happened (the server's digest to find it in the log) and a retry. */
import Link from "./_components/link";
import { useEffect } from "react";

export default function PageError({ error, retry }: { error: unknown; retry: () => void }) {
  const e = error instanceof Error ? (error as Error & { digest?: string }) : null;
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <section role="alert" className="mx-auto max-w-2xl rounded-lg border border-danger/40 bg-surface p-6" data-testid="page-error">
      <h1 className="text-xl font-semibold text-danger">Something went wrong</h1>
      <p className="mt-2 text-muted">
        This page could not be shown. {e?.digest ? <>The server log has the details under the reference <code className="font-mono">{e.digest}</code>.</> : e?.message}
      </p>
      <p className="mt-2 text-sm text-muted">If the database is new or moved, check <code className="font-mono">DATABASE_URL</code> and run <code className="font-mono">npx bnlab ingest</code>.</p>
      <div className="mt-4 flex gap-3">
        <button type="button" onClick={() => retry()} className="rounded-md bg-accent px-3 py-1.5 text-sm font-medium text-surface">
          Try again
        </button>
        <Link href="/" className="rounded-md border border-line px-3 py-1.5 text-sm no-underline">
          Back to the runs
        </Link>
      </div>
    </section>
  );
}
