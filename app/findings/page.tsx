/**
 * The paper's claims against the runs in the index: for each, what bnlab measured (mean ± sd over
 * seeds, n per side, the 95% interval of the difference), the verdict, the training budget beside
 * the paper's, and the figure it rests on (or the sweep that would produce the missing runs).
 */
import type { Metadata } from "next";
import Link from "../_components/link";
import { z } from "zod";
import { MIN_SEEDS, type Comparison, type Finding, type Side } from "../../lib/analysis/findings";
import { BOOTSTRAP_MIN_N } from "../../lib/analysis/stats";
import { openDb } from "../../lib/db/client";
import { loadFindings } from "../../lib/server/findings";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Findings" };

const Query = z.object({ dataset: z.string().trim().max(40).optional() });

const VERDICT_STYLE: Record<Finding["verdict"], string> = {
  supported: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900/40 dark:text-emerald-200",
  contradicted: "bg-rose-100 text-rose-900 dark:bg-rose-900/40 dark:text-rose-200",
  inconclusive: "bg-slate-200 text-slate-900 dark:bg-slate-700/60 dark:text-slate-100",
  "needs runs": "bg-amber-100 text-amber-900 dark:bg-amber-900/40 dark:text-amber-200",
};

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const pp = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)}`;
const runLink = (id: string) => `/runs/${encodeURIComponent(id)}`;

function SideCell({ s }: { s: Side }) {
  if (s.n === 0) return <>{s.label} {pct(s.mean)}</>;
  return (
    <>
      {s.label} {pct(s.mean)}
      {s.sd !== null && <> ± {(100 * s.sd).toFixed(1)}</>}{" "}
      <span className="text-muted">
        (n = {s.n}
        {s.paramsTrainable !== undefined && `, ${s.paramsTrainable.toLocaleString("en-US")} parameters trained`})
      </span>
    </>
  );
}

function IntervalCell({ c }: { c: Comparison }) {
  if (!c.interval) return <span className="text-muted">fewer than {MIN_SEEDS} seeds on a side</span>;
  const i = c.interval;
  const how = i.method === "bootstrap" ? "bootstrap" : i.df === null ? "no spread" : `${i.method === "welch" ? "Welch" : c.paired ? "paired t" : "t"}, df ${i.df.toFixed(1)}`;
  return (
    <>
      {pp(i.diff)} pp [{pp(i.lo)}, {pp(i.hi)}] <span className="text-muted">({how})</span>
    </>
  );
}

function FindingItem({ f, pruningErrors }: { f: Finding; pruningErrors: Record<string, string> }) {
  const errors = f.id === "prune-small-gamma" ? Object.entries(pruningErrors) : [];
  return (
    <li data-finding={f.id} data-verdict={f.verdict} className="rounded-lg border border-line bg-surface p-4">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <h2 className="text-base font-semibold">
          {f.n}. {f.claim}
        </h2>
        <span className={`rounded-full px-2.5 py-0.5 text-xs font-semibold ${VERDICT_STYLE[f.verdict]}`}>{f.verdict}</span>
      </div>
      <dl className="mt-2 grid gap-1 text-sm sm:grid-cols-[8rem_1fr]">
        <dt className="text-muted">paper</dt>
        <dd>
          {f.paper} <span className="text-muted">— {f.paperBudget}</span>
        </dd>
        <dt className="text-muted">method</dt>
        <dd>{f.method}</dd>
        <dt className="text-muted">budget</dt>
        <dd data-budget>{f.budget ? `${f.budget.dataset}, ${f.budget.trainSize.toLocaleString("en-US")} training images, ${f.budget.epochs} epochs` : "no runs yet"}</dd>
      </dl>
      {f.comparisons.length > 0 && (
        <div className="mt-2 overflow-x-auto">
          <table className="w-full text-left text-sm" data-comparisons>
            <thead className="text-muted">
              <tr>
                <th className="pr-3 font-normal">compared</th>
                <th className="pr-3 font-normal">a: mean ± sd</th>
                <th className="pr-3 font-normal">b</th>
                <th className="pr-3 font-normal">a − b, 95% interval</th>
                <th className="font-normal">verdict</th>
              </tr>
            </thead>
            <tbody>
              {f.comparisons.map((c) => (
                <tr key={c.label} data-verdict={c.verdict} className="border-t border-line align-top">
                  <td className="pr-3">{c.label}</td>
                  <td className="pr-3"><SideCell s={c.a} /></td>
                  <td className="pr-3"><SideCell s={c.b} /></td>
                  <td className="pr-3"><IntervalCell c={c} /></td>
                  <td>{c.verdict}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {f.basis && f.basis.length > 0 && (
        <p className="mt-2 text-sm" data-basis>
          Rests on {f.basis.length === 1 ? "the run" : `the ${f.basis.length} runs`}{" "}
          {f.basis.map((id, i) => (
            <span key={id}>
              {i > 0 && ", "}
              <Link href={`${runLink(id)}/prune`}>{id}</Link>
            </span>
          ))}
          .
        </p>
      )}
      {f.pending && f.pending.length > 0 && (
        <p className="mt-2 text-sm text-muted" data-pending aria-live="polite">
          computing the pruning curves of {f.pending.length} more run{f.pending.length === 1 ? "" : "s"} ({f.pending.join(", ")}): reload in a minute.
        </p>
      )}
      {errors.map(([id, msg]) => (
        <p key={id} className="mt-2 text-sm">
          could not evaluate {id}: {msg}
        </p>
      ))}
      {f.needs && (
        <p className="mt-2 text-sm" data-needs>
          To test it: {f.needs.runs}. <code className="break-all">{f.needs.command}</code>
        </p>
      )}
      <Link href={f.figure} className="mt-2 inline-block text-sm">
        see the figure →
      </Link>
    </li>
  );
}

export default async function FindingsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = Query.safeParse(await searchParams);
  const db = await openDb();
  const data = await loadFindings(db, query.success ? query.data.dataset : undefined);

  if (!data.dataset) {
    return (
      <section className="space-y-3">
        <h1 className="text-2xl font-bold">Findings</h1>
        <p>No complete runs yet. Train the demo with <code>npm start</code> or <code>npx bnlab sweep trainer/sweeps/demo.json</code>, then come back.</p>
      </section>
    );
  }

  return (
    <section className="space-y-5">
      <header className="space-y-2">
        <h1 className="text-2xl font-bold">Findings</h1>
        <p className="max-w-3xl text-sm text-muted">
          The claims of Frankle, Schwab &amp; Morcos (<i>Training BatchNorm and Only BatchNorm</i>, ICLR 2021), checked against the {data.runs} complete
          runs on <b>{data.dataset}</b> in this index. Each side is a mean ± sd over seeds (final test accuracy unless said), n seeds per side.
        </p>
        <p className="max-w-3xl text-sm text-muted" data-rules>
          <b>supported</b>: the 95% interval of the difference lies on the paper&apos;s side of zero; <b>contradicted</b>: on the other side;{" "}
          <b>inconclusive</b>: it contains zero; <b>needs runs</b>: a side has fewer than {MIN_SEEDS} seeds. Intervals are Welch&apos;s t (a bootstrap from{" "}
          {BOOTSTRAP_MIN_N} seeds a side; a paired t for a run against itself). A claim with several comparisons needs all of them to agree.
        </p>
        {data.datasets.length > 1 && (
          <nav aria-label="Dataset" className="flex gap-2 text-sm">
            {data.datasets.map((d) => (
              <Link key={d} href={`/findings?dataset=${encodeURIComponent(d)}`} aria-current={d === data.dataset ? "true" : undefined} className={d === data.dataset ? "font-semibold" : ""}>
                {d}
              </Link>
            ))}
          </nav>
        )}
      </header>
      <ol className="space-y-3" data-testid="findings">
        {data.list.map((f) => (
          <FindingItem key={f.id} f={f} pruningErrors={data.pruningErrors} />
        ))}
      </ol>
    </section>
  );
}
