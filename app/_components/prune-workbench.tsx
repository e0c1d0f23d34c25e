"use client";
/**
 * Pruning by γ, interactively. Moving the threshold redraws the channels removed per layer at
 * once (counted here from the γ values the page holds, exactly as the server's mask counts them),
 * and asks `/api/runs/[id]/ablation` for the test accuracy of the pruned network: requests are
 * debounced, the previous one is aborted, and an answer is shown only if it is the latest asked
 * for (a sequence number), so a slow answer never overwrites a newer one. The pruning curve
 * (γ-ordered against random, with a marker at t) is drawn as far as the server has measured it,
 * and the page is re-read every few seconds until it is complete.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import type { PruningCurveProgress } from "../../lib/server/page-data";
import { removedAt, thresholdForPercent, thresholdRange } from "../../lib/analysis/snapshot";
import { pruningCurveSpec, runFigureSpec, type RunFigureData } from "../../lib/charts/run-figures";
import { count, pct, threshold as fmt } from "../../lib/server/format";
import type { AblationResponse } from "../../lib/server/responses";
import { runFigureUrl } from "../../lib/server/urls";
import { AutoRefresh } from "./auto-refresh";
import { Figure } from "./figure";
import { ThresholdControl } from "./threshold-control";
import { useUrlThreshold } from "./use-url-threshold";

/** The curve as far as the server has measured it (see `pruningCurveProgress`), or why there is none. */
export type CurveResult = { ok: true; progress: PruningCurveProgress } | { ok: false; error: string };

type AblationState = { status: "idle" | "loading" } | { status: "done"; value: AblationResponse } | { status: "error"; threshold: number; message: string };

/** Test accuracy at t from the ablation endpoint: debounced, aborted when superseded, never stale. */
function useAblation(runId: string, epoch: number, t: number, enabled: boolean, delayMs = 200): { state: AblationState; last: AblationResponse | null } {
  const [state, setState] = useState<AblationState>({ status: "idle" });
  const [last, setLast] = useState<AblationResponse | null>(null);
  const seq = useRef(0);
  useEffect(() => {
    if (!enabled) return;
    const mine = ++seq.current;
    const controller = new AbortController();
    setState({ status: "loading" });
    const timer = window.setTimeout(async () => {
      try {
        const res = await fetch(`/api/runs/${encodeURIComponent(runId)}/ablation?epoch=${epoch}&threshold=${t}`, { signal: controller.signal });
        const body = (await res.json()) as AblationResponse & { error?: string };
        if (mine !== seq.current) return;
        if (!res.ok) {
          setState({ status: "error", threshold: t, message: body.error ?? `HTTP ${res.status}` });
          return;
        }
        setState({ status: "done", value: body });
        setLast(body);
      } catch (e) {
        if (controller.signal.aborted || mine !== seq.current) return;
        setState({ status: "error", threshold: t, message: (e as Error).message });
      }
    }, delayMs);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [runId, epoch, t, enabled, delayMs]);
  return { state, last };
}

/** `unavailable`: why this network cannot be evaluated here (an imported architecture bnlab does not run); the channel counts still show. */
export function PruneWorkbench({ data, curve, initialThreshold, unavailable = null }: { data: RunFigureData; curve: CurveResult; initialThreshold: number; unavailable?: string | null }) {
  const g = data.gamma!;
  const [t, setT] = useUrlThreshold(initialThreshold);
  const range = useMemo(() => thresholdRange(g), [g]);
  const removed = useMemo(() => removedAt(g, t), [g, t]);
  const bars = useMemo(() => runFigureSpec("removed-per-layer", data, { threshold: t }), [data, t]);
  const { state, last } = useAblation(data.run.id, g.epoch, t, unavailable === null);
  const current = state.status === "done" && state.value.threshold === t ? state.value : null;
  const shown = current ?? last;
  const q = `epoch=${g.epoch}&threshold=${t}`;
  const base = `/api/runs/${encodeURIComponent(data.run.id)}`;

  return (
    <div className="flex flex-col gap-4">
      <section aria-label="Threshold" className="z-30 md:sticky md:top-[49px] rounded-lg border border-line bg-surface/95 p-3 shadow-sm backdrop-blur">
        <ThresholdControl value={t} onChange={setT} range={range} percentToThreshold={(p) => thresholdForPercent(g, p)} fraction={removed.total ? removed.removed / removed.total : undefined} />
        <div className="mt-3 grid grid-cols-1 gap-2 text-sm md:grid-cols-2">
          <p data-testid="removed-count" data-removed={removed.removed} data-total={removed.total}>
            Removed <strong className="tabular-nums">{count(removed.removed)}</strong> of {count(removed.total)} BN channels (<span className="tabular-nums">{pct(removed.total ? removed.removed / removed.total : NaN)}</span>) with |γ| &lt; {fmt(t)}
          </p>
          <p
            data-testid="ablation-accuracy"
            data-threshold={shown?.threshold ?? ""}
            data-accuracy={shown?.accuracy ?? ""}
            data-current={current ? "true" : "false"}
            aria-live="polite"
            aria-busy={state.status === "loading" ? true : undefined}
            className={state.status === "loading" && shown ? "opacity-60 transition-opacity" : "transition-opacity"}
          >
            {unavailable !== null ? (
              <span className="text-muted" data-testid="ablation-unavailable">
                Test accuracy of the pruned network: not available ({unavailable})
              </span>
            ) : shown ? (
              <span className={current ? "" : "text-muted"}>
                Test accuracy pruned at t = {fmt(shown.threshold)}: <strong className="tabular-nums">{pct(shown.accuracy)}</strong>{" "}
                <span className="tabular-nums text-muted">
                  (95% CI {pct(shown.interval[0])}–{pct(shown.interval[1])}, {count(shown.count)} test images)
                </span>
                {shown.baseline && <span className="text-muted"> · unpruned {pct(shown.baseline.accuracy)}</span>}
              </span>
            ) : state.status === "error" ? null : (
              <span className="text-muted">Test accuracy: evaluating…</span>
            )}
            {state.status === "loading" && shown && <span className="ml-2 text-xs text-muted">evaluating t = {fmt(t)}…</span>}
            {state.status === "error" && <span className="block text-danger">Could not evaluate: {state.message}</span>}
          </p>
        </div>
        <div className="mt-2 flex flex-wrap gap-2 text-sm">
          <a href={`${base}/pruned?${q}`} download className="rounded-md bg-accent px-3 py-1 font-medium text-surface no-underline" data-testid="download-pruned">
            Download pruned checkpoint (.safetensors)
          </a>
          <a href={`${base}/mask?${q}`} download className="rounded-md border border-line px-3 py-1 no-underline hover:bg-soft" data-testid="download-mask">
            Download mask (.json)
          </a>
        </div>
      </section>

      <div className="rounded-lg border border-line bg-surface p-2">
        <Figure name="removed-per-layer" spec={bars} exportUrl={runFigureUrl(data.run.id, "removed-per-layer", { epoch: g.epoch, t })} maxWidth={1000} />
      </div>

      <section aria-labelledby="curve-heading" className="flex flex-col gap-2">
        <h2 id="curve-heading" className="text-lg font-semibold">
          Accuracy against channels pruned
        </h2>
        <p className="max-w-3xl text-sm text-muted">Smallest |γ| first (line, 95% interval shaded) against removing the same number of channels per layer at random (dashed; the band is ± 1 sd over the random masks, their number in the legend). Sampled densely below 10%, where accuracy falls fastest. The markers compare both at the current threshold (≈: between measured points).</p>
        <div className="rounded-lg border border-line bg-surface p-2">
          {unavailable !== null ? (
            <p className="p-6 text-center text-sm text-muted" data-testid="curve-unavailable">
              No pruning curve: {unavailable}.
            </p>
          ) : (
            <Curve curve={curve} data={data} t={t} accuracy={current?.accuracy ?? null} />
          )}
        </div>
      </section>
    </div>
  );
}

function CurveFallback() {
  return (
    <div className="flex min-h-[300px] flex-col items-center justify-center gap-2 text-sm text-muted" data-testid="curve-loading">
      <span aria-hidden="true" className="h-5 w-5 animate-spin rounded-full border-2 border-line border-t-accent" />
      Computing the pruning curve (each point is an evaluation of the pruned network)…
    </div>
  );
}

function Curve({ curve, data, t, accuracy }: { curve: CurveResult; data: RunFigureData; t: number; accuracy: number | null }) {
  const progress = curve.ok ? curve.progress : null;
  const spec = useMemo(() => (progress?.curve && progress.curve.points.length > 0 ? pruningCurveSpec(progress.curve, data, { threshold: t, accuracy }) : null), [progress, data, t, accuracy]);
  if (!curve.ok) return <p className="p-6 text-center text-sm text-danger">The pruning curve could not be computed: {curve.error}</p>;
  const p = curve.progress;
  return (
    <div data-testid="pruning-curve-state" data-complete={p.complete ? "true" : "false"} data-measured={p.measured} data-planned={p.planned}>
      {!p.complete && (
        <p className="flex flex-wrap items-center gap-x-3 gap-y-1 px-2 pt-1 text-sm text-muted" role="status" data-testid="curve-progress">
          <span>
            Measured {p.measured} of {p.planned} fractions; the rest fill in as they are evaluated.
          </span>
          <AutoRefresh active intervalMs={2500} label="live: measuring" />
        </p>
      )}
      {spec ? <Figure name="pruning-curve" spec={spec} exportUrl={runFigureUrl(data.run.id, "pruning-curve", { epoch: data.gamma?.epoch, t })} maxWidth={900} /> : <CurveFallback />}
    </div>
  );
}
