"use client";
/**
 * The run page's γ picture, redrawn as the threshold moves: |γ| histogram (log) and γ histogram
 * (linear) with the threshold line and the fraction below it, the epoch-0 initialisation as a
 * ghost and a sibling run of another trainable mode overlaid; the per-layer heatmap; the fraction
 * below t per layer as bars and as a table. The checkpoint and the sibling are chosen in the URL
 * (the server reads that checkpoint's γ); the threshold is computed here from the γ values.
 */
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useRef, useState, useTransition } from "react";
import { fractionBelowOf, thresholdRange } from "../../lib/analysis/snapshot";
import { runFigureSpec, type RunFigureData } from "../../lib/charts/run-figures";
import { count, pct, threshold as fmt } from "../../lib/server/format";
import { runFigureUrl, runHref, runZipUrl } from "../../lib/server/urls";
import { Figure } from "./figure";
import { ThresholdControl } from "./threshold-control";
import { useUrlThreshold } from "./use-url-threshold";
import { useTheme } from "./use-theme";

export interface GammaExplorerProps {
  data: RunFigureData;
  /** Checkpoint epochs of the run (readable ones). */
  epochs: number[];
  siblings: { id: string; mode: string; seed: number; status: string }[];
  initialThreshold: number;
}

export function GammaExplorer({ data, epochs, siblings, initialThreshold }: GammaExplorerProps) {
  const router = useRouter();
  const theme = useTheme();
  const [pending, startTransition] = useTransition();
  const [t, setT] = useUrlThreshold(initialThreshold);
  const g = data.gamma;
  const range = useMemo(() => thresholdRange(g), [g]);
  const epoch = g?.epoch;
  const siblingId = data.sibling?.runId ?? null;

  const go = (patch: { epoch?: number; sibling?: string | null }) =>
    startTransition(() => router.push(runHref(data.run.id, { epoch: patch.epoch ?? epoch, t, sibling: patch.sibling === undefined ? (siblingId ?? "none") : (patch.sibling ?? "none") }), { scroll: false }));

  const specs = useMemo(
    () => ({
      log: runFigureSpec("gamma-histogram-log", data, { threshold: t }),
      linear: runFigureSpec("gamma-histogram-linear", data, { threshold: t }),
      heatmap: runFigureSpec("gamma-heatmap", data, { threshold: t }),
      bars: runFigureSpec("layer-fraction", data, { threshold: t }),
    }),
    [data, t],
  );
  const below = useMemo(() => (g ? fractionBelowOf(g, t) : null), [g, t]);
  const sibBelow = useMemo(() => (data.sibling ? fractionBelowOf(data.sibling, t) : null), [data.sibling, t]);
  const initBelow = useMemo(() => (data.init ? fractionBelowOf(data.init, t) : null), [data.init, t]);
  const url = (name: string) => runFigureUrl(data.run.id, name, { epoch, t, sibling: siblingId });

  return (
    <section aria-labelledby="gamma-heading" className="flex flex-col gap-4" data-testid="gamma-section">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id="gamma-heading" className="text-lg font-semibold">
          γ of the BN layers
        </h2>
        <div className="flex flex-wrap items-end gap-3 text-sm">
          <label className="flex flex-col gap-1 text-xs font-medium text-muted" htmlFor="epoch-select">
            Checkpoint
            <select
              id="epoch-select"
              data-testid="epoch-select"
              value={epoch ?? ""}
              disabled={epochs.length === 0}
              onChange={(e) => go({ epoch: Number(e.target.value) })}
              className="rounded-md border border-line bg-surface px-2 py-1 text-sm text-fg"
            >
              {epoch === undefined && <option value="">none</option>}
              {epochs.map((e) => (
                <option key={e} value={e}>
                  epoch {e}
                  {e === 0 ? " (initialisation)" : e === epochs[epochs.length - 1] ? " (last)" : ""}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col gap-1 text-xs font-medium text-muted" htmlFor="sibling-select">
            Overlay a sibling run
            <select
              id="sibling-select"
              data-testid="sibling-select"
              value={siblingId ?? "none"}
              onChange={(e) => go({ sibling: e.target.value })}
              className="max-w-[16rem] rounded-md border border-line bg-surface px-2 py-1 text-sm text-fg"
            >
              <option value="none">{siblings.length ? "no overlay" : "no overlay (no other run of this network on this dataset)"}</option>
              {siblings.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.mode === "none" ? "untrained (mode none)" : `${s.mode}-trained`}, seed {s.seed} — {s.id}
                </option>
              ))}
            </select>
          </label>
          {g && (
            <a href={runZipUrl(data.run.id, { epoch, t, sibling: siblingId, theme })} download className="rounded-md border border-line px-2.5 py-1 text-sm no-underline hover:bg-soft" data-testid="download-zip">
              All figures (zip)
            </a>
          )}
          <span aria-live="polite" className="text-xs text-muted">
            {pending ? "loading…" : ""}
          </span>
        </div>
      </div>

      {!g ? (
        <p className="rounded-lg border border-dashed border-line bg-surface p-6 text-center text-muted" data-testid="gamma-missing">
          No γ to show: {data.gammaError ?? "this run has no checkpoint yet"}.
        </p>
      ) : (
        <>
          <div className="rounded-lg border border-line bg-surface p-3">
            <ThresholdControl value={t} onChange={setT} range={range} />
            {below && (
              <p className="mt-3 text-sm" data-testid="fraction-below" data-fraction={below.fraction}>
                <strong className="tabular-nums">{pct(below.fraction)}</strong> of BN channels have |γ| &lt; {fmt(t)} ({count(below.count)} of {count(below.total)})
                {initBelow && (
                  <span className="text-muted">
                    {" "}
                    · at initialisation {pct(initBelow.fraction)}
                  </span>
                )}
                {sibBelow && data.sibling && (
                  <span className="text-muted">
                    {" "}
                    · {data.sibling.mode} sibling {pct(sibBelow.fraction)}
                  </span>
                )}
              </p>
            )}
          </div>
          <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
            <div className="rounded-lg border border-line bg-surface p-2">
              <Figure name="gamma-histogram-log" spec={specs.log} exportUrl={url("gamma-histogram-log")} maxWidth={640} minWidth={460} />
            </div>
            <div className="rounded-lg border border-line bg-surface p-2">
              <Figure name="gamma-histogram-linear" spec={specs.linear} exportUrl={url("gamma-histogram-linear")} maxWidth={640} minWidth={460} />
            </div>
          </div>
          <div className="rounded-lg border border-line bg-surface p-2">
            <Figure name="gamma-heatmap" spec={specs.heatmap} exportUrl={url("gamma-heatmap")} maxWidth={1000} minWidth={320} />
          </div>
          <div className="grid grid-cols-1 gap-4 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
            <div className="rounded-lg border border-line bg-surface p-2">
              <Figure name="layer-fraction" spec={specs.bars} exportUrl={url("layer-fraction")} maxWidth={760} />
            </div>
            {below && <LayerTable below={below} sibling={sibBelow} siblingMode={data.sibling?.mode} init={initBelow} t={t} />}
          </div>
        </>
      )}
    </section>
  );
}

type Below = ReturnType<typeof fractionBelowOf>;

/** Whether a box is wider inside than it shows (a phone's width), and whether it is scrolled to its right edge. */
function useSidewaysScroll(ref: React.RefObject<HTMLElement | null>): { overflows: boolean; atEnd: boolean } {
  const [state, setState] = useState({ overflows: false, atEnd: false });
  useEffect(() => {
    const node = ref.current;
    if (!node) return;
    const measure = () => {
      const overflows = node.scrollWidth > node.clientWidth + 1;
      const atEnd = node.scrollLeft + node.clientWidth >= node.scrollWidth - 1;
      setState((old) => (old.overflows === overflows && old.atEnd === atEnd ? old : { overflows, atEnd }));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(node);
    node.addEventListener("scroll", measure, { passive: true });
    return () => {
      ro.disconnect();
      node.removeEventListener("scroll", measure);
    };
  }, [ref]);
  return state;
}

function LayerTable({ below, sibling, siblingMode, init, t }: { below: Below; sibling: Below | null; siblingMode?: string; init: Below | null; t: number }) {
  const sib = new Map(sibling?.layers.map((l) => [l.name, l]) ?? []);
  const scroller = useRef<HTMLDivElement>(null);
  const sideways = useSidewaysScroll(scroller);
  return (
    <div className="flex flex-col gap-1">
      {sideways.overflows && (
        <p className="flex items-center justify-between gap-2 text-xs text-muted" data-testid="layer-table-scroll-hint" data-at-end={sideways.atEnd ? "true" : "false"}>
          <span>{sideways.atEnd ? "← more columns to the left" : "Scroll the table sideways for more columns →"}</span>
        </p>
      )}
      <div
        ref={scroller}
        className={`max-h-[460px] overflow-auto rounded-lg border border-line bg-surface ${sideways.overflows && !sideways.atEnd ? "shadow-[inset_-14px_0_10px_-10px_rgba(0,0,0,0.25)]" : ""}`}
        tabIndex={sideways.overflows ? 0 : undefined}
        role={sideways.overflows ? "region" : undefined}
        aria-label={sideways.overflows ? "Per-layer table (scrolls sideways)" : undefined}
      >
        <table className="w-full border-collapse text-sm" data-testid="layer-table">
          <caption className="px-3 py-2 text-left text-xs text-muted">Channels with |γ| &lt; {fmt(t)}, per BN layer in forward order (◆ projection shortcut)</caption>
          <thead className="sticky top-0 bg-soft text-left text-xs">
            <tr>
              <th scope="col" className="px-2 py-1.5 font-medium">
                Layer
              </th>
              <th scope="col" className="px-2 py-1.5 text-right font-medium">
                Channels
              </th>
              <th scope="col" className="px-2 py-1.5 text-right font-medium">
                Below t
              </th>
              <th scope="col" className="px-2 py-1.5 text-right font-medium">
                Fraction
              </th>
              {init && (
                <th scope="col" className="px-2 py-1.5 text-right font-medium">
                  Epoch 0
                </th>
              )}
              {sibling && (
                <th scope="col" className="px-2 py-1.5 text-right font-medium">
                  {siblingMode}
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {below.layers.map((l, i) => (
              <tr key={l.name} className="border-t border-line" data-layer={l.name}>
                <td className="px-2 py-1 font-mono text-xs">
                  {l.name}
                  {l.shortcut ? " ◆" : ""}
                </td>
                <td className="px-2 py-1 text-right tabular-nums">{l.total}</td>
                <td className="px-2 py-1 text-right tabular-nums">{l.count}</td>
                <td className="px-2 py-1 text-right tabular-nums">{pct(l.fraction)}</td>
                {init && <td className="px-2 py-1 text-right tabular-nums text-muted">{pct(init.layers[i]?.fraction)}</td>}
                {sibling && <td className="px-2 py-1 text-right tabular-nums text-muted">{pct(sib.get(l.name)?.fraction)}</td>}
              </tr>
            ))}
            <tr className="border-t-2 border-line font-semibold">
              <td className="px-2 py-1">network</td>
              <td className="px-2 py-1 text-right tabular-nums">{below.total}</td>
              <td className="px-2 py-1 text-right tabular-nums">{below.count}</td>
              <td className="px-2 py-1 text-right tabular-nums">{pct(below.fraction)}</td>
              {init && <td className="px-2 py-1 text-right tabular-nums text-muted">{pct(init.fraction)}</td>}
              {sibling && <td className="px-2 py-1 text-right tabular-nums text-muted">{pct(sibling.fraction)}</td>}
            </tr>
          </tbody>
        </table>
      </div>
    </div>
  );
}
