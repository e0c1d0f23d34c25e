/**
 * Runs: every indexed run in a table, filtered on any column, searched, sorted, paged — all of it
 * in the URL. Running runs refresh themselves. Tick runs to compare them. With a run queue in the
 * PostgreSQL of DATABASE_URL, a Queue section above the table shows queued, running and failed
 * jobs, and running runs name their worker.
 */
import type { Metadata } from "next";
import Link from "./_components/link";
import { openDb } from "../lib/db/client";
import type { QueueEntry } from "../lib/queue/queue";
import { lenientParse } from "../lib/server/figure-query";
import { AutoRefresh } from "./_components/auto-refresh";
import { CompareBar } from "./_components/compare-bar";
import { QueueSection } from "./_components/queue-section";
import { RunFilters, type FilterOptions } from "./_components/run-filters";
import { StatusBadge } from "./_components/status-badge";
import { arch, compact, dateTime, pct } from "../lib/server/format";
import { queueView } from "../lib/server/queue-view";
import { runListData, type RunListData } from "../lib/server/runs";
import { RunListQuery, runListHref, selectionOf, type RunListState, type RunSort } from "../lib/server/runs-query";
import { indexedIds } from "../lib/db/run-list";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Runs" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const values = <T extends string | number>(facet: { value: string | number }[]): T[] => facet.map((f) => f.value as T);

/** Counts per status, mode and dataset under the other filters; each a link that sets (or clears) its filter. */
function Facets({ facets, state }: { facets: RunListData["facets"]; state: RunListState }) {
  const groups = [
    { key: "status", label: "Status" },
    { key: "mode", label: "Trainable" },
    { key: "dataset", label: "Dataset" },
  ] as const;
  return (
    <div className="flex flex-wrap gap-x-5 gap-y-1 text-xs text-muted" data-testid="run-facets">
      {groups.map(({ key, label }) => (
        <p key={key} data-facet={key}>
          <span className="font-medium">{label}:</span>{" "}
          {facets[key].map((f, i) => {
            const v = String(f.value);
            const on = state[key] === v;
            return (
              <span key={v}>
                {i > 0 && " · "}
                <Link href={runListHref(state, { [key]: on ? undefined : v, page: undefined })} scroll={false} aria-current={on ? "true" : undefined} data-value={v} data-count={f.count} className={on ? "font-semibold text-fg" : "text-muted"}>
                  {v || "–"} {f.count.toLocaleString("en-US")}
                </Link>
              </span>
            );
          })}
        </p>
      ))}
    </div>
  );
}

/** The table's columns, in the order of a row's cells (after the checkbox); `card`: the field's label in the phone layout, where it differs. */
const COLUMNS: { key: RunSort | null; label: string; card?: string; className?: string; title?: string }[] = [
  { key: "id", label: "Run" },
  { key: "dataset", label: "Dataset" },
  { key: "arch", label: "Architecture", title: "depth × width" },
  { key: "mode", label: "Trainable" },
  { key: "seed", label: "Seed", className: "text-right" },
  { key: "status", label: "Status" },
  { key: "epochs", label: "Epochs", className: "text-right" },
  { key: "final", label: "Final acc.", className: "text-right", title: "test accuracy at the last epoch" },
  { key: "best", label: "Best acc.", className: "text-right", title: "best test accuracy over the epochs" },
  { key: "params", label: "Params", card: "Params (trainable / total)", className: "text-right", title: "trainable / total parameters" },
  { key: "backend", label: "Backend" },
  { key: "started", label: "Started" },
];

function SortHeader({ col, state }: { col: (typeof COLUMNS)[number]; state: RunListState }) {
  const sort = state.sort ?? "started";
  const order = state.order ?? (sort === "started" ? "desc" : "asc");
  if (!col.key) return <th scope="col">{col.label}</th>;
  const active = sort === col.key;
  const nextOrder = active ? (order === "asc" ? "desc" : "asc") : col.key === "started" || col.key === "final" || col.key === "best" ? "desc" : "asc";
  return (
    <th scope="col" aria-sort={active ? (order === "asc" ? "ascending" : "descending") : "none"} className={`whitespace-nowrap px-1.5 py-2 font-medium ${col.className ?? ""}`} title={col.title}>
      <Link href={runListHref(state, { sort: col.key, order: nextOrder, page: undefined })} scroll={false} className={`no-underline ${active ? "text-fg" : "text-muted hover:text-fg"}`} data-sort={col.key}>
        {col.label}
        <span aria-hidden="true" className="ml-0.5 inline-block w-3 text-[10px]">
          {active ? (order === "asc" ? "▲" : "▼") : ""}
        </span>
      </Link>
    </th>
  );
}

/**
 * A data cell. Below the md breakpoint the table becomes a list of cards: each cell a labelled
 * field, two per line (globals.css places them by position; CARD_LABELS names them). Cells do
 * not wrap unless `wrap`.
 */
function Cell({ num, wrap, title, className, children }: { num?: boolean; wrap?: boolean; title?: string; className?: string; children: React.ReactNode }) {
  const classes = ["run-cell", num && "run-cell-num", wrap && "run-cell-wrap", className].filter(Boolean).join(" ");
  // No title attribute at all when there is none: 50 rows × 11 cells of `title: undefined` weighed on the page.
  return (
    <td className={classes} {...(title ? { title } : {})}>
      {children}
    </td>
  );
}

/**
 * The cards' field labels, once per page from COLUMNS rather than an attribute on every cell
 * (cell n + 2 of a row is column n: the checkbox comes first).
 */
const CARD_LABELS = `@media (width < 48rem) { ${COLUMNS.flatMap((c, i) => (c.key === "id" ? [] : [`.run-row > td:nth-child(${i + 2})::before { content: ${JSON.stringify(c.card ?? c.label)} }`])).join(" ")} }`;

/** Under a run's status: the worker training it, or that it waits in the queue again. */
function QueueNote({ job, status }: { job: QueueEntry | undefined; status: string }) {
  if (job?.state === "running" && status === "running") {
    return (
      <p className="mt-1 font-mono text-xs text-muted" data-testid="run-worker" title={job.heartbeatOn ? `last heartbeat ${dateTime(job.heartbeatOn)}` : undefined}>
        on {job.worker ?? "?"}
      </p>
    );
  }
  if (job?.state === "pending" && status !== "complete") return <p className="mt-1 text-xs text-muted" data-testid="run-queued">queued</p>;
  return null;
}

function EmptyIndex() {
  return (
    <section className="mx-auto max-w-2xl rounded-lg border border-line bg-surface p-6" data-testid="no-runs">
      <h1 className="text-xl font-semibold">No runs yet</h1>
      <p className="mt-2 text-muted">
        The index is empty. Train the demo sweep (MNIST subsets: ResNet-8/14/20 and a wide ResNet, trained in full, BN-only, output-only and not at all, two seeds) and this page fills in as the runs finish:
      </p>
      <pre className="mt-3 overflow-x-auto rounded-md bg-soft p-3 font-mono text-sm">npm start</pre>
      <p className="mt-3 text-muted">or, with the dashboard already running, in another terminal:</p>
      <pre className="mt-3 overflow-x-auto rounded-md bg-soft p-3 font-mono text-sm">{`npx bnlab sweep trainer/sweeps/demo.json
npx bnlab ingest`}</pre>
      <p className="mt-3 text-sm text-muted">
        Runs are read from <code className="font-mono">BNLAB_RUNS_DIR</code> (default <code className="font-mono">data/runs</code>).
      </p>
    </section>
  );
}

export default async function RunsPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const { value: state, problems } = lenientParse(RunListQuery, sp);
  // The ticked runs (kept in the address by the compare bar; not a filter).
  const selection = selectionOf(sp.sel);
  const ticked = new Set(selection);
  const db = await openDb();
  const list = await runListData(db, state);
  // The queue's counts and the jobs shown, with the latest job of each run of this page.
  const queue = await queueView(list.shown.map((r) => r.id));
  const now = Date.now();
  const queueShown = queue !== null && (queue.shown.length > 0 || queue.error !== undefined);
  if (list.total === 0 && !queueShown) return <EmptyIndex />;

  const { shown, page, pages } = list;
  const indexed = queue && queueShown ? await indexedIds(db, queue.shown.map((e) => e.runId)) : new Set<string>();
  // Queued jobs refresh the page too: they show up in the table as workers start them.
  const running = list.running || Boolean(queue?.active);
  const options: FilterOptions = {
    dataset: values<string>(list.options.dataset),
    family: values<string>(list.options.family).filter(Boolean),
    bnPlacement: values<string>(list.options.bnPlacement).filter(Boolean),
    shortcut: values<string>(list.options.shortcut).filter(Boolean),
    bnInit: values<string>(list.options.bnInit).filter(Boolean),
    depth: values<number>(list.options.depth).filter((d) => d > 0),
    width: values<number>(list.options.width).filter((w) => w > 0),
    mode: values<string>(list.options.mode).filter(Boolean),
    seed: values<number>(list.options.seed),
    status: values<string>(list.options.status),
    backend: values<string>(list.options.backend).filter(Boolean),
  };

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-baseline gap-x-4 gap-y-1">
        <h1 className="text-2xl font-semibold">Runs</h1>
        <p className="text-sm text-muted" data-testid="run-count">
          {list.matched === list.total ? `${list.total} run${list.total === 1 ? "" : "s"}` : `${list.matched} of ${list.total} runs match`}
        </p>
        <AutoRefresh active={running} />
      </div>
      {queue && queueShown && <QueueSection view={queue} indexed={indexed} now={now} />}
      {problems.length > 0 && (
        <p role="alert" data-testid="url-problems" className="rounded-md border border-warn/40 bg-warn/10 px-3 py-2 text-sm text-warn">
          Ignored in the address: {problems.join("; ")}
        </p>
      )}
      <RunFilters state={state} options={options} />
      {list.total > 0 && <Facets facets={list.facets} state={state} />}
      <form action="/compare" method="get" className="flex flex-col gap-2">
        <CompareBar initial={selection} />
        {list.total === 0 ? (
          <p className="rounded-lg border border-dashed border-line bg-surface p-6 text-center text-muted" data-testid="no-runs-yet">
            No run is in the index yet: queued runs appear here once a worker starts them.
          </p>
        ) : shown.length === 0 ? (
          <p className="rounded-lg border border-dashed border-line bg-surface p-6 text-center text-muted" data-testid="no-match">
            No runs match these filters. <Link href={runListHref({ sort: state.sort, order: state.order })}>Clear the filters</Link>
          </p>
        ) : (
          <div className="overflow-x-auto rounded-lg border border-line bg-surface">
            <style>{CARD_LABELS}</style>
            <table className="w-full border-collapse text-sm max-md:block" data-testid="runs-table">
              <thead className="border-b border-line bg-soft text-left text-xs max-md:hidden">
                <tr>
                  <th scope="col" className="w-8 px-2 py-2">
                    <span className="sr-only">Select</span>
                  </th>
                  {COLUMNS.map((c) => (
                    <SortHeader key={c.label} col={c} state={state} />
                  ))}
                </tr>
              </thead>
              <tbody className="max-md:block">
                {shown.map((r) => (
                  <tr
                    key={r.id}
                    data-run-id={r.id}
                    data-status={r.status}
                    className="run-row"
                  >
                    <td className="run-select-cell">
                      <input type="checkbox" name="runs" value={r.id} defaultChecked={ticked.has(r.id)} aria-label={`select ${r.id}`} className="h-4 w-4 accent-[var(--accent)]" />
                    </td>
                    <td className="run-id-cell">
                      <Link href={`/runs/${encodeURIComponent(r.id)}`} className="run-id">
                        {r.id}
                      </Link>
                    </td>
                    <Cell>{r.dataset || "–"}</Cell>
                    <Cell>{arch(r)}</Cell>
                    <Cell>{r.mode || "–"}</Cell>
                    <Cell num>
                      {r.seed}
                    </Cell>
                    <Cell wrap>
                      <StatusBadge status={r.status} />
                      <QueueNote job={queue?.byRun.get(r.id)} status={r.status} />
                      {r.error && (
                        <p className="mt-1 line-clamp-3 max-w-[18rem] break-words text-xs text-danger" title={r.error} data-testid="run-error">
                          {r.error}
                        </p>
                      )}
                    </Cell>
                    <Cell num>
                      {r.epochsDone}/{r.epochs}
                    </Cell>
                    <Cell num>
                      {pct(r.finalTestAccuracy)}
                    </Cell>
                    <Cell num>
                      {pct(r.bestTestAccuracy)}
                    </Cell>
                    <Cell num title={`${r.paramsTrainable.toLocaleString("en-US")} trainable of ${r.paramsTotal.toLocaleString("en-US")}`}>
                      {compact(r.paramsTrainable)} / {compact(r.paramsTotal)}
                    </Cell>
                    <Cell>{r.backend || "–"}</Cell>
                    <Cell wrap className="min-w-[6.5rem] text-xs text-muted">
                      {Date.parse(r.createdAt) > 0 ? <time dateTime={r.createdAt}>{dateTime(r.createdAt)}</time> : "–"}
                    </Cell>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </form>
      {pages > 1 && (
        <nav aria-label="Pages" className="flex items-center gap-3 text-sm">
          {page > 1 && <Link href={runListHref(state, { page: page - 1 })}>← previous</Link>}
          <span className="text-muted">
            page {page} of {pages}
          </span>
          {page < pages && <Link href={runListHref(state, { page: page + 1 })}>next →</Link>}
        </nav>
      )}
    </div>
  );
}
