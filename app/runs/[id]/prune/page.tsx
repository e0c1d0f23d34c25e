/**
 * Prune a run by γ: choose a threshold, see the channels removed per layer at once and the test
 * accuracy of the pruned network a moment later, against the pruning curve (filled in as its
 * points are measured); download the pruned checkpoint and its mask.
 */
import type { Metadata } from "next";
import Link from "../../../_components/link";
import { notFound } from "next/navigation";
import { openDb } from "../../../../lib/db/client";
import { explain, loadRunFigureData, pruningCurveProgress } from "../../../../lib/server/page-data";
import { PruneWorkbench, type CurveResult } from "../../../_components/prune-workbench";
import { StatusBadge } from "../../../_components/status-badge";
import { ForwardUnavailable, ImportedSource } from "../../../_components/imported-notice";
import { arch, pct } from "../../../../lib/server/format";
import { parseRunPage } from "../../../../lib/server/run-page";
import { runIdOf } from "../../../../lib/server/run-id";
import { runHref } from "../../../../lib/server/urls";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const id = runIdOf((await params).id);
  return { title: id ? `Prune ${id}` : "Prune" };
}

export default async function PrunePage({ params, searchParams }: Props) {
  const id = runIdOf((await params).id);
  if (!id) notFound();
  const { value: q, problems } = parseRunPage(await searchParams);
  const db = await openDb();
  const data = await loadRunFigureData(db, id, { epoch: q.epoch, sibling: "none" });
  if (!data) notFound();
  const { row, siblings: _s, ...figureData } = data;
  const g = data.gamma;
  // Never waits for an evaluation: the curve as far as it is measured (started in the background
  // on first visit); the workbench re-reads the page until it is complete. An imported network
  // bnlab does not run has none.
  let curve: CurveResult;
  try {
    curve = g && !row.forwardUnavailable ? { ok: true, progress: await pruningCurveProgress(db, id, g.epoch) } : { ok: false, error: row.forwardUnavailable ?? "no checkpoint" };
  } catch (e) {
    curve = { ok: false, error: explain(e, `pruning curve of ${id}`) };
  }

  return (
    <div className="flex flex-col gap-4">
      <nav aria-label="Breadcrumb" className="text-sm text-muted">
        <Link href="/">Runs</Link> <span aria-hidden="true">/</span>{" "}
        <Link href={runHref(row.id, { epoch: q.epoch })} className="break-all font-mono text-xs">
          {row.id}
        </Link>{" "}
        <span aria-hidden="true">/</span> prune
      </nav>
      <header className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <h1 className="text-2xl font-semibold">Prune by γ</h1>
        <StatusBadge status={row.status} />
        <span className="text-sm text-muted">
          {row.mode} · {arch(row)} · {row.dataset} · seed {row.seed}
          {g ? ` · checkpoint epoch ${g.epoch}` : ""} · final accuracy {pct(row.finalTestAccuracy)}
        </span>
      </header>
      <ImportedSource row={row} />
      <ForwardUnavailable row={row} what="The channels a threshold removes are counted from its γ below; their effect on accuracy cannot be measured here." />
      <p className="max-w-3xl text-sm text-muted">
        Every BN channel with |γ| below the threshold is switched off (γ = β = 0, so it outputs zero), as in the paper&apos;s ablation. The pruned network is evaluated in eval mode on the first test images the run was evaluated on.
      </p>
      {problems.length > 0 && (
        <p role="alert" data-testid="url-problems" className="rounded-md border border-warn/40 bg-warn/10 px-3 py-2 text-sm text-warn">
          Ignored in the address: {problems.join("; ")}
        </p>
      )}
      {g ? (
        <PruneWorkbench data={{ ...figureData, metrics: [], init: null, sibling: null }} curve={curve} initialThreshold={q.t ?? 0.01} unavailable={row.forwardUnavailable} />
      ) : (
        <p className="rounded-lg border border-dashed border-line bg-surface p-6 text-center text-muted" data-testid="gamma-missing">
          Nothing to prune: {data.gammaError ?? "this run has no checkpoint yet"}.
        </p>
      )}
    </div>
  );
}
