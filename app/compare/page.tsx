/** Compare runs: `/compare?runs=a,b,c` — curves and γ of the chosen runs overlaid. */
import type { Metadata } from "next";
import Link from "../_components/link";
import { z } from "zod";
import { openDb } from "../../lib/db/client";
import { loadCompareRuns } from "../../lib/server/page-data";
import { lenientParse, runListParam, thresholdParam } from "../../lib/server/figure-query";
import { CompareView } from "../_components/compare-view";
import { StatusBadge } from "../_components/status-badge";
import { arch, compact, pct } from "../../lib/server/format";
import { runHref } from "../../lib/server/urls";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Compare runs" };

const CompareQuery = z.strictObject({ runs: runListParam.optional(), t: thresholdParam.optional() });

export default async function ComparePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { value: q, problems } = lenientParse(CompareQuery, await searchParams);
  const ids = q.runs ?? [];
  if (ids.length === 0) {
    return (
      <section className="mx-auto max-w-2xl rounded-lg border border-line bg-surface p-6" data-testid="compare-empty">
        <h1 className="text-xl font-semibold">Compare runs</h1>
        {problems.length > 0 && <p className="mt-2 text-sm text-warn">Ignored in the address: {problems.join("; ")}</p>}
        <p className="mt-2 text-muted">
          Tick two or more runs on the <Link href="/">runs list</Link> and press <em>Compare selected</em>, or open <code className="font-mono">/compare?runs=id1,id2</code>. The runs&apos; training curves and γ distributions are overlaid here.
        </p>
      </section>
    );
  }
  const { runs, missing } = await loadCompareRuns(await openDb(), ids);
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-semibold">Compare {runs.length} runs</h1>
      {(missing.length > 0 || problems.length > 0) && (
        <p role="alert" className="rounded-md border border-warn/40 bg-warn/10 px-3 py-2 text-sm text-warn">
          {missing.length > 0 && `Not in the index: ${missing.join(", ")}. `}
          {problems.length > 0 && `Ignored in the address: ${problems.join("; ")}`}
        </p>
      )}
      <div className="overflow-x-auto rounded-lg border border-line bg-surface">
        <table className="w-full text-sm" data-testid="compare-table">
          <thead className="bg-soft text-left text-xs">
            <tr>
              <th scope="col" className="px-2 py-2 font-medium">Run</th>
              <th scope="col" className="px-2 py-2 font-medium">Trainable</th>
              <th scope="col" className="px-2 py-2 font-medium">Architecture</th>
              <th scope="col" className="px-2 py-2 font-medium">Dataset</th>
              <th scope="col" className="px-2 py-2 text-right font-medium">Seed</th>
              <th scope="col" className="px-2 py-2 font-medium">Status</th>
              <th scope="col" className="px-2 py-2 text-right font-medium">Final</th>
              <th scope="col" className="px-2 py-2 text-right font-medium">Best</th>
              <th scope="col" className="px-2 py-2 text-right font-medium">Trainable params</th>
            </tr>
          </thead>
          <tbody>
            {runs.map(({ row, gammaError }) => (
              <tr key={row.id} className="border-t border-line align-top">
                <td className="min-w-[14rem] max-w-[20rem] px-2 py-1.5">
                  <Link href={runHref(row.id)} className="break-words font-mono text-xs">
                    {row.id}
                  </Link>
                  {gammaError && <p className="text-xs text-muted">γ: {gammaError}</p>}
                </td>
                <td className="px-2 py-1.5">{row.mode}</td>
                <td className="whitespace-nowrap px-2 py-1.5">{arch(row)}</td>
                <td className="px-2 py-1.5">{row.dataset}</td>
                <td className="px-2 py-1.5 text-right tabular-nums">{row.seed}</td>
                <td className="px-2 py-1.5">
                  <StatusBadge status={row.status} />
                </td>
                <td className="px-2 py-1.5 text-right tabular-nums">{pct(row.finalTestAccuracy)}</td>
                <td className="px-2 py-1.5 text-right tabular-nums">{pct(row.bestTestAccuracy)}</td>
                <td className="px-2 py-1.5 text-right tabular-nums">
                  {compact(row.paramsTrainable)} / {compact(row.paramsTotal)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {runs.length > 0 && <CompareView runs={runs.map(({ run, metrics, gamma }) => ({ run, metrics, gamma }))} initialThreshold={q.t ?? 0.01} />}
    </div>
  );
}
