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
/**
 * Below this many epochs a run is far from the paper's 160: γ has not had the time to collapse
 * towards zero, so the claims that rest on small γ are marked as not shown by such runs.
 */
const SHORT_EPOCHS = 20;
const NEEDS_LONG_TRAINING = new Set(["gamma-near-zero", "prune-small-gamma"]);

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
  const longest = Math.max(...runs.map((r) => r.epochs ?? 0));
  const images = Math.max(...runs.map((r) => r.trainSize ?? Infinity));
  const short = longest < SHORT_EPOCHS;

  return (
    <section className="space-y-5">
      <header className="space-y-2">
        <h1 className="text-2xl font-bold">Findings</h1>
        <AutoRefresh active={pruningPending} />
        <p className="max-w-3xl text-sm text-muted">
          The claims of Frankle, Schwab &amp; Morcos (<i>Training BatchNorm and Only BatchNorm</i>, ICLR 2021), checked against the {runs.length} complete
          runs on <b>{dataset}</b> in this index. Accuracies are final test accuracies: mean ± sd (percentage points) over the n seeds of each network.
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
        {short && (
          <p role="note" data-testid="short-training" className="max-w-3xl rounded-md border border-warn/40 bg-warn/10 px-3 py-2 text-sm">
            These runs are short: at most {longest} epoch{longest === 1 ? "" : "s"}
            {Number.isFinite(images) ? ` on ${images.toLocaleString("en-US")} training images` : ""}, where the paper trains 160 epochs on the full
            training set. The accuracy gaps between modes show at this length; the claims about γ near zero and about pruning small-γ channels
            need the long training in which γ collapses, so their verdicts here say little either way. Train longer (a copy of{" "}
            <code>trainer/sweeps/demo.json</code> with more epochs, through <code>npx bnlab sweep</code>) to test them.
          </p>
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
              <dd data-testid="measured">{f.id === "prune-small-gamma" && pruningError ? `could not evaluate: ${pruningError}` : f.id === "prune-small-gamma" && pruningPending ? <span data-testid="pruning-computing">computing the pruning comparison… (this page fills it in when done)</span> : f.measured}</dd>
              {short && NEEDS_LONG_TRAINING.has(f.id) && (
                <>
                  <dt className="text-muted">caveat</dt>
                  <dd data-testid="needs-long-training">not shown by runs of {longest} epochs: γ collapses over long training (the paper: 160 epochs)</dd>
                </>
              )}
              {f.basis.runs.length > 0 && (
                <>
                  <dt className="text-muted">budget</dt>
                  <dd data-testid="budget">
                    {f.basis.budget ?? "not recorded"} <span className="text-muted">· the paper: {f.basis.paper}</span>
                  </dd>
                  <dt className="text-muted">rests on</dt>
                  <dd data-testid="basis-runs" className="flex flex-wrap gap-x-2 text-xs">
                    {f.basis.runs.length} run{f.basis.runs.length === 1 ? "" : "s"}:
                    {f.basis.runs.map((id) => (
                      <Link key={id} href={`/runs/${encodeURIComponent(id)}`} className="font-mono">
                        {id}
                      </Link>
                    ))}
                  </dd>
                </>
              )}
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
