"use client";
/**
 * The compare page's figures: the runs' training curves overlaid, their |γ| distributions overlaid
 * (as fractions of each run's channels, so networks of different sizes compare), and the fraction
 * below t per layer side by side, with one threshold for all.
 */
import { useMemo } from "react";
import { fractionBelowOf, thresholdRange } from "../../lib/analysis/snapshot";
import { compareFigureSpec, runLabel, type CompareRun } from "../../lib/charts/run-figures";
import { pct, threshold as fmt } from "../../lib/server/format";
import { compareFigureUrl } from "../../lib/server/urls";
import { Figure } from "./figure";
import { ThresholdControl } from "./threshold-control";
import { useUrlThreshold } from "./use-url-threshold";

export function CompareView({ runs, initialThreshold }: { runs: CompareRun[]; initialThreshold: number }) {
  const [t, setT] = useUrlThreshold(initialThreshold);
  const ids = runs.map((r) => r.run.id);
  const first = runs.find((r) => r.gamma)?.gamma ?? null;
  const range = useMemo(() => thresholdRange(first), [first]);
  const curves = useMemo(() => compareFigureSpec("training-curves", runs, { threshold: t }), [runs, t]);
  const hist = useMemo(() => compareFigureSpec("gamma-histogram", runs, { threshold: t }), [runs, t]);
  const bars = useMemo(() => compareFigureSpec("layer-fraction", runs, { threshold: t }), [runs, t]);
  const below = useMemo(() => new Map(runs.map((r) => [r.run.id, r.gamma ? fractionBelowOf(r.gamma, t) : null])), [runs, t]);

  return (
    <div className="flex flex-col gap-4">
      <div className="rounded-lg border border-line bg-surface p-2">
        <Figure name="compare-training-curves" spec={curves} exportUrl={compareFigureUrl(ids, "training-curves", t)} maxWidth={1100} empty="None of these runs has metrics yet." />
      </div>
      <div className="rounded-lg border border-line bg-surface p-3">
        <ThresholdControl value={t} onChange={setT} range={range} />
        <table className="mt-3 w-full text-sm" data-testid="compare-fractions">
          <caption className="sr-only">Fraction of BN channels with |γ| below t, per run</caption>
          <tbody>
            {runs.map((r) => {
              const b = below.get(r.run.id);
              return (
                <tr key={r.run.id} className="border-t border-line">
                  <th scope="row" className="px-2 py-1 text-left font-normal">
                    {runLabel(r.run)}
                  </th>
                  <td className="px-2 py-1 text-right tabular-nums">{b ? `${pct(b.fraction)} of ${b.total} channels with |γ| < ${fmt(t)}` : "no checkpoint"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
        <div className="rounded-lg border border-line bg-surface p-2">
          <Figure name="compare-gamma-histogram" spec={hist} exportUrl={compareFigureUrl(ids, "gamma-histogram", t)} maxWidth={640} minWidth={460} empty="None of these runs has a readable checkpoint." />
        </div>
        <div className="rounded-lg border border-line bg-surface p-2">
          <Figure name="compare-layer-fraction" spec={bars} exportUrl={compareFigureUrl(ids, "layer-fraction", t)} maxWidth={640} empty="None of these runs has a readable checkpoint." />
        </div>
      </div>
    </div>
  );
}
