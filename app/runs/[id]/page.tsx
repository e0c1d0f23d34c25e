/**
 * One run: its configuration, loss and accuracy curves, and the γ picture of a checkpoint (see
 * GammaExplorer). `?epoch=` picks the checkpoint, `?sibling=` the overlaid run, `?t=` the threshold.
 */
import type { Metadata } from "next";
import Link from "../../_components/link";
import { notFound } from "next/navigation";
import { parseConfig } from "../../../lib/server/serialize";
import { openDb } from "../../../lib/db/client";
import { loadRunFigureData } from "../../../lib/server/page-data";
import { runFigureSpec } from "../../../lib/charts/run-figures";
import { modeGroups } from "../../../lib/run/modes";
import { AutoRefresh } from "../../_components/auto-refresh";
import { Figure } from "../../_components/figure";
import { GammaExplorer } from "../../_components/gamma-explorer";
import { ForwardUnavailable, ImportedSource } from "../../_components/imported-notice";
import { StatusBadge } from "../../_components/status-badge";
import { arch, count, dateTime, pct } from "../../../lib/server/format";
import { parseRunPage } from "../../../lib/server/run-page";
import { runIdOf } from "../../../lib/server/run-id";
import { compareHref, pruneHref, runFigureUrl } from "../../../lib/server/urls";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const id = runIdOf((await params).id);
  return { title: id ?? "Run" };
}

/** `{data: {dataset: "x"}}` → [["data.dataset", "x"]]; arrays joined. */
function flatten(value: unknown, prefix = ""): [string, string][] {
  if (value === null || value === undefined) return [[prefix, "–"]];
  if (Array.isArray(value)) return [[prefix, value.map(String).join(", ")]];
  if (typeof value === "object") return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
  return [[prefix, String(value)]];
}

function Fact({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div className="min-w-0" data-testid={testId}>
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="break-words font-medium tabular-nums">{children}</dd>
    </div>
  );
}

export default async function RunPage({ params, searchParams }: Props) {
  const id = runIdOf((await params).id);
  if (!id) notFound();
  const { value: q, problems } = parseRunPage(await searchParams);
  const db = await openDb();
  const data = await loadRunFigureData(db, id, { epoch: q.epoch, sibling: q.sibling });
  if (!data) notFound();
  const { row, siblings } = data;
  const config = parseConfig(row);
  const t = q.t ?? 0.01;
  const epochs = row.checkpoints.filter((c) => !c.error).map((c) => c.epoch);
  const curves = runFigureSpec("training-curves", data, { threshold: t });
  const { row: _row, siblings: _s, ...figureData } = data;

  return (
    <div className="flex flex-col gap-5">
      <nav aria-label="Breadcrumb" className="text-sm text-muted">
        <Link href="/">Runs</Link> <span aria-hidden="true">/</span> <span className="break-all font-mono text-xs">{row.id}</span>
      </nav>
      <header className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 className="break-all font-mono text-lg font-semibold sm:text-xl">{row.id}</h1>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-muted">
            <StatusBadge status={row.status} />
            <span>
              {row.mode} · {arch(row)} · {row.dataset} · seed {row.seed}
            </span>
            <AutoRefresh active={row.status === "running"} />
          </p>
          <ImportedSource row={row} />
        </div>
        <div className="flex flex-wrap gap-2">
          {data.gamma && (
            <Link href={pruneHref(row.id, { epoch: q.epoch, t: q.t })} className="rounded-md bg-accent px-3 py-1.5 text-sm font-medium text-surface no-underline" data-testid="prune-link">
              Prune by γ →
            </Link>
          )}
          {data.sibling && (
            <Link href={compareHref([row.id, data.sibling.runId])} className="rounded-md border border-line px-3 py-1.5 text-sm no-underline hover:bg-soft">
              Compare with the {data.sibling.mode} sibling
            </Link>
          )}
        </div>
      </header>

      {problems.length > 0 && (
        <p role="alert" data-testid="url-problems" className="rounded-md border border-warn/40 bg-warn/10 px-3 py-2 text-sm text-warn">
          Ignored in the address: {problems.join("; ")}
        </p>
      )}
      {row.error && (
        <p role="alert" className="rounded-md border border-danger/40 bg-danger/10 px-3 py-2 text-sm text-danger" data-testid="run-error">
          {row.status === "broken" ? "This run could not be read: " : "Error: "}
          {data.row.error}
        </p>
      )}

      <ForwardUnavailable row={row} what="The γ figures below are read from its BN layers as saved; the prune page shows which channels a threshold removes, without their accuracy." />

      <section aria-label="Summary" className="rounded-lg border border-line bg-surface p-4">
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 sm:grid-cols-3 lg:grid-cols-6">
          <Fact label="Final test accuracy" testId="final-accuracy">{pct(row.finalTestAccuracy)}</Fact>
          <Fact label="Best test accuracy">{pct(row.bestTestAccuracy)}</Fact>
          <Fact label="Epochs">
            {row.epochsDone} / {row.epochs}
          </Fact>
          <Fact label="Trainable parameters">
            <span title={`${count(row.paramsTrainable)} of ${count(row.paramsTotal)}`}>
              {count(row.paramsTrainable)} <span className="text-xs font-normal text-muted">of {count(row.paramsTotal)} ({pct(row.paramsTotal ? row.paramsTrainable / row.paramsTotal : NaN, 2)})</span>
            </span>
          </Fact>
          <Fact label="Trainable groups">{modeGroups(row.mode).join(", ") || "none"}</Fact>
          <Fact label="BN init">{row.bnInit || "–"}</Fact>
          <Fact label="Backend">{row.backend || "–"}</Fact>
          <Fact label="Code version">{row.codeVersion || "–"}</Fact>
          <Fact label="Started">{dateTime(row.createdAt)}</Fact>
          <Fact label="Updated">{dateTime(row.updatedAt)}</Fact>
          <Fact label="Checkpoints">{epochs.length ? `epochs ${epochs.join(", ")}` : "none"}</Fact>
        </dl>
        {config !== null && (
          <details className="mt-4">
            <summary className="cursor-pointer text-sm text-accent">Full configuration (run.json)</summary>
            <table className="mt-2 w-full max-w-3xl text-sm" data-testid="config-table">
              <tbody>
                {flatten(config).map(([k, v]) => (
                  <tr key={k} className="border-t border-line">
                    <th scope="row" className="w-1/2 px-2 py-1 text-left font-mono text-xs font-normal text-muted">
                      {k}
                    </th>
                    <td className="break-all px-2 py-1 font-mono text-xs">{v}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        )}
      </section>

      <section aria-labelledby="curves-heading" className="flex flex-col gap-2">
        <h2 id="curves-heading" className="text-lg font-semibold">
          Loss and accuracy
        </h2>
        <div className="rounded-lg border border-line bg-surface p-2">
          <Figure name="training-curves" spec={curves} exportUrl={runFigureUrl(row.id, "training-curves", { t })} maxWidth={1000} empty="No metrics yet: the first evaluation is written after epoch 0." />
        </div>
      </section>

      <GammaExplorer key={row.id} data={{ ...figureData, metrics: [] }} epochs={epochs} siblings={siblings} initialThreshold={t} />
    </div>
  );
}
