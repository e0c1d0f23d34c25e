/**
 * The paper's claims against the runs in the index: what bnlab measured for each, a verdict,
 * and the figure it rests on (or the sweep that would produce the missing runs).
 */
import type { Metadata } from "next";
import Link from "next/link";
import { z } from "zod";
import { findings } from "../../lib/analysis/findings";
import { openDb } from "../../lib/db/client";
import { findingsData } from "../../lib/server/findings-data";
import { AutoRefresh } from "../_components/auto-refresh";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Findings" };

const Query = z.object({ dataset: z.string().trim().max(40).optional() });

const VERDICT_STYLE: Record<string, string> = {
  supported: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900/40 dark:text-emerald-200",
  "not supported": "bg-rose-100 text-rose-900 dark:bg-rose-900/40 dark:text-rose-200",
  "needs runs": "bg-amber-100 text-amber-900 dark:bg-amber-900/40 dark:text-amber-200",
};

export default async function FindingsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = Query.safeParse(await searchParams);
  const { datasets, dataset, runs, pruning, pruningPending, pruningError } = await findingsData(await openDb(), query.success ? query.data.dataset : undefined);

  if (!dataset) {
    return (
      <section className="space-y-3">
        <h1 className="text-2xl font-bold">Findings</h1>
        <p>No complete runs yet. Train the demo with <code>npm start</code> or <code>npx bnlab sweep trainer/sweeps/demo.json</code>, then come back.</p>
      </section>
    );
  }

  const list = findings(runs, { dataset, pruning });

  return (
    <section className="space-y-5">
      <header className="space-y-2">
        <h1 className="text-2xl font-bold">Findings</h1>
        <AutoRefresh active={pruningPending} />
        <p className="max-w-3xl text-sm text-muted">
          The claims of Frankle, Schwab &amp; Morcos (<i>Training BatchNorm and Only BatchNorm</i>, ICLR 2021), checked against the {runs.length} complete
          runs on <b>{dataset}</b> in this index. Accuracies are final test accuracies, averaged over seeds.
        </p>
        {datasets.length > 1 && (
          <nav aria-label="Dataset" className="flex gap-2 text-sm">
            {datasets.map((d) => (
              <Link key={d} href={`/findings?dataset=${encodeURIComponent(d)}`} aria-current={d === dataset ? "true" : undefined} className={d === dataset ? "font-semibold" : ""}>
                {d}
              </Link>
            ))}
          </nav>
        )}
      </header>
      <ol className="space-y-3" data-testid="findings">
        {list.map((f) => (
          <li key={f.id} data-finding={f.id} data-verdict={f.verdict} className="rounded-lg border border-line bg-surface p-4">
            <div className="flex flex-wrap items-start justify-between gap-2">
              <h2 className="text-base font-semibold">{f.claim}</h2>
              <span className={`rounded-full px-2.5 py-0.5 text-xs font-semibold ${VERDICT_STYLE[f.verdict]}`}>{f.verdict}</span>
            </div>
            <dl className="mt-2 grid gap-1 text-sm sm:grid-cols-[8rem_1fr]">
              <dt className="text-muted">paper</dt>
              <dd>{f.paper}</dd>
              <dt className="text-muted">measured</dt>
              <dd>{f.id === "prune-small-gamma" && pruningError ? `could not evaluate: ${pruningError}` : f.id === "prune-small-gamma" && pruningPending ? <span data-testid="pruning-computing">computing the pruning comparison… (this page fills it in when done)</span> : f.measured}</dd>
              {f.needs && (
                <>
                  <dt className="text-muted">to test it</dt>
                  <dd>
                    <code className="break-all">{f.needs}</code>
                  </dd>
                </>
              )}
            </dl>
            <Link href={f.figure} className="mt-2 inline-block text-sm">
              see the figure →
            </Link>
          </li>
        ))}
      </ol>
    </section>
  );
}
