/**
 * Per-layer bar charts over the BN layers in forward order:
 *
 * - `layerFractionBars`: the fraction of each layer's channels with |γ| < t (the per-layer rows
 *   of `fractionBelow`), with the network's fraction as a dashed reference line. Several series
 *   (runs or modes) become grouped bars.
 * - `removedPerLayer`: channels removed per layer by an ablation at threshold t (the per-layer
 *   counts of `AblationSummary`), drawn over a faint bar of the layer's channels.
 *
 * Projection-shortcut BNs are drawn lighter with an outline and carry `data-shortcut="true"`.
 * Layer names are rotated under the axis and thinned so they never overlap (every k-th shown).
 *
 * Marks: `rect.bar[data-series][data-layer][data-shortcut]` (one per layer and series),
 * `line.overall[data-series]`, `rect.bar-total[data-layer]`.
 */
import * as d3 from "d3";
import type { AblationSummary } from "../analysis/ablation";
import type { FractionBelow } from "../analysis/gamma";
import { belowHeader, el, emptyFigure, finish, formatPercent, formatValue, headerAnnotations, headerNote, legend, openFigure, textWidth, type FigureOptions, type FigureTable, type Frame, type RenderContext } from "./core";
import { barMark, ruleY } from "./marks";
import { axes, gridLines, plotArea, plotBox, yTickCount, type Plot } from "./plot";
import { modeColor, seriesColor, type SeriesIdentity, type Theme } from "./theme";

/** `FractionBelow` (lib/analysis/gamma) or the API's `fractionBelow`; counts optional. */
export interface FractionBelowLike {
  threshold: number;
  fraction?: number;
  count?: number;
  total?: number;
  layers: readonly { name: string; shortcut: boolean; fraction: number; count?: number; total?: number }[];
}

export interface LayerFractionSeries extends SeriesIdentity {
  data: FractionBelowLike;
}

export type LayerFractionData = FractionBelowLike | FractionBelow | readonly LayerFractionSeries[];

export type LayerBarsOptions = FigureOptions;

const SHORTCUT_NOTE = "lighter, outlined bars: projection-shortcut BNs";

function seriesOf(data: LayerFractionData, theme: Theme): (LayerFractionSeries & { color: string })[] {
  const list: readonly LayerFractionSeries[] = Array.isArray(data) ? (data as readonly LayerFractionSeries[]) : [{ key: "gamma", label: "|γ| < t", data: data as FractionBelowLike }];
  return list.map((s, i) => ({ ...s, color: seriesColor(s, i, theme) }));
}

/** Layer names in forward order over all series (first appearance). */
function layerNames(series: readonly { data: FractionBelowLike }[]): { name: string; shortcut: boolean }[] {
  const seen = new Map<string, boolean>();
  for (const s of series) for (const l of s.data.layers) if (!seen.has(l.name)) seen.set(l.name, l.shortcut);
  return [...seen].map(([name, shortcut]) => ({ name, shortcut }));
}

/** A per-layer plot: a band of x per layer. */
interface LayerPlot extends Plot {
  band: d3.ScaleBand<string>;
}

/** The plot box of a per-layer chart: x a band per layer with rotated, thinned labels. */
function layerPlot(frame: Frame, names: string[], yLabel: string, y: d3.ScaleLinear<number, number>, yFormat: (v: d3.NumberValue) => string): LayerPlot {
  const labelLen = Math.min(120, (d3.max(names, (n) => textWidth(n, 10)) ?? 40) * 0.82 + 14);
  const plot = plotArea(frame, plotBox(frame, { left: 64, right: 20, top: 14, bottom: labelLen + 34 }));
  const x = d3.scaleBand<string>().domain(names).range([0, plot.width]).paddingInner(0.15).paddingOuter(0.1);
  y.range([plot.height, 0]);
  gridLines(plot, y);
  const every = Math.max(1, Math.ceil(12 / x.step()));
  const drawn = axes(
    plot,
    { axis: d3.axisBottom(x).tickValues(names.filter((_, i) => i % every === 0)).tickSizeOuter(0), label: "BN layer (forward order)", labelOffset: labelLen + 26 },
    { axis: d3.axisLeft(y).ticks(yTickCount(plot)).tickFormat(yFormat), label: yLabel, labelOffset: 48 },
  );
  for (const t of Array.from(drawn.x.querySelectorAll("text"))) {
    t.setAttribute("transform", "rotate(-55)");
    t.setAttribute("text-anchor", "end");
    t.setAttribute("dx", "-0.6em");
    t.setAttribute("dy", "0.15em");
    t.setAttribute("y", "6");
  }
  return { ...plot, band: x };
}

/**
 * Per-layer fraction of channels with |γ| < t; several series as grouped bars.
 *
 * @example
 *   layerFractionBars(body.fractionBelow, {}, { document })
 *   layerFractionBars([{ key: "bn", mode: "bn", data: a }, { key: "all", mode: "all", data: b }], {}, { document })
 */
export function layerFractionBars(data: LayerFractionData, options: LayerBarsOptions = {}, ctx: RenderContext): SVGSVGElement {
  const theme = options.theme ?? "light";
  const series = seriesOf(data, theme);
  const thresholds = [...new Set(series.map((s) => s.data.threshold))];
  const tText = thresholds.map(formatValue).join(" / ");
  const names = layerNames(series);
  const frame = openFigure(ctx, "layer-fraction-bars", options, {
    width: 720,
    height: 400,
    title: `Channels with |γ| < ${tText}, per BN layer`,
    description: `Fraction of each BN layer's channels with |γ| below ${tText}, ${names.length} layers in forward order, for ${series.map((s) => s.label ?? s.key).join(", ")}`,
  });
  // Several series: each one's network fraction goes in its legend entry (labels at the lines'
  // right ends would collide when the fractions are close, and cover the last bars).
  const networkOf = (s: (typeof series)[number]) => {
    const f = s.data.fraction ?? (s.data.count !== undefined && s.data.total ? s.data.count / s.data.total : undefined);
    return f !== undefined && Number.isFinite(f) ? f : undefined;
  };
  if (series.length > 1) {
    legend(frame, series.map((s) => {
      const f = networkOf(s);
      return { key: s.key, label: `${s.label ?? s.key}${f === undefined ? "" : ` (network ${formatPercent(1)(f)})`}`, color: s.color, symbol: "swatch" as const };
    }));
  }
  if (names.some((n) => n.shortcut)) headerNote(frame, SHORTCUT_NOTE);
  if (names.length === 0) return emptyFigure(frame, belowHeader(frame), "no BN layers");
  // One series: its network fraction is named above the plot, beside a sample of its dashed line.
  const single = series.length === 1 ? networkOf(series[0]) : undefined;
  if (single !== undefined) {
    headerAnnotations(frame, [{ content: `network: ${formatPercent(1)(single)}`, symbol: { kind: "rule", color: frame.theme.foreground, dash: "6 3" }, attrs: { class: "overall-label annotation", "data-series": series[0].key } }]);
  }
  const maxF = d3.max(series.flatMap((s) => s.data.layers.map((l) => l.fraction).concat(s.data.fraction ?? 0))) ?? 0;
  const y = d3.scaleLinear().domain([0, Math.max(0.05, maxF)]).nice();
  if (y.domain()[1] > 1) y.domain([0, 1]);
  // Short: a y label longer than the plot is tall runs into the header note above it.
  const p = layerPlot(frame, names.map((n) => n.name), "channels with |γ| < t (%)", y, d3.format(".0%"));
  const { doc, theme: tc } = frame;
  const sub = d3.scaleBand<string>().domain(series.map((s) => s.key)).range([0, p.band.bandwidth()]).padding(series.length > 1 ? 0.08 : 0);
  const marks = el(doc, "g", { class: "marks" }, p.g);
  for (const s of series) {
    const sg = el(doc, "g", { class: "series", "data-series": s.key }, marks);
    for (const l of s.data.layers) {
      const x0 = (p.band(l.name) ?? 0) + (sub(s.key) ?? 0);
      const attrs = { "data-series": s.key, "data-layer": l.name, "data-shortcut": String(l.shortcut), "data-fraction": l.fraction, "data-count": l.count, "data-total": l.total };
      const shortcutStyle = { "fill-opacity": l.shortcut ? 0.45 : 0.9, stroke: l.shortcut ? s.color : undefined, "stroke-width": l.shortcut ? 1 : undefined };
      barMark(p, sg, { x: x0, width: sub.bandwidth(), top: y(l.fraction), fill: s.color, attrs: { ...attrs, ...shortcutStyle } });
    }
  }
  // The network's fraction: a dashed line per series (named in the legend, or above the plot).
  for (const s of series) {
    const f = networkOf(s);
    if (f === undefined) continue;
    ruleY(p, p.g, y(f), { class: "overall", stroke: series.length > 1 ? s.color : tc.foreground, strokeWidth: 1.25, dash: "6 3", attrs: { "data-series": s.key, "data-fraction": f } });
  }
  return finish(frame);
}

/** One row per series and layer: the bars' values. */
export function layerFractionBarsTable(data: LayerFractionData): FigureTable {
  const series = seriesOf(data, "light");
  const rows: (string | number)[][] = [];
  for (const s of series) for (const l of s.data.layers) rows.push([s.key, s.data.threshold, l.name, l.shortcut ? "true" : "false", l.count ?? "", l.total ?? "", l.fraction]);
  return { columns: ["series", "threshold", "layer", "shortcut", "count_below", "channels", "fraction_below"], rows };
}

/** `AblationSummary` (lib/analysis/ablation), or a pruning point's `layers` with the threshold. */
export interface RemovedLike {
  threshold?: number;
  mode?: string;
  layers: readonly { name: string; channels: number; removed: number; shortcut?: boolean }[];
  removed?: number;
  total?: number;
  /** BN layers left out of the ablation (shortcut BNs with includeShortcut false). */
  excluded?: readonly string[];
}

/**
 * Channels removed per layer by an ablation at threshold t, over the layer's channel count.
 *
 * @example
 *   removedPerLayer(ablation, {}, { document })   // ablation: AblationSummary from /api/runs/[id]/ablation
 */
export function removedPerLayer(data: RemovedLike | AblationSummary, options: LayerBarsOptions = {}, ctx: RenderContext): SVGSVGElement {
  const d = data as RemovedLike;
  const theme = options.theme ?? "light";
  const removed = d.removed ?? d.layers.reduce((s, l) => s + l.removed, 0);
  const total = d.total ?? d.layers.reduce((s, l) => s + l.channels, 0);
  const tText = d.threshold !== undefined ? ` at |γ| < ${formatValue(d.threshold)}` : "";
  const color = modeColor("bn", theme);
  const frame = openFigure(ctx, "removed-per-layer", options, {
    width: 720,
    height: 400,
    title: `Channels removed per BN layer${tText}`,
    subtitle: `${removed.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} channels removed (${formatPercent(1)(total ? removed / total : NaN)})${d.mode ? ` · mode ${d.mode}` : ""}${d.excluded?.length ? ` · ${d.excluded.length} shortcut BN${d.excluded.length === 1 ? "" : "s"} excluded` : ""}`,
    description: `Bars of channels removed per BN layer${tText} over each layer's channel count, ${d.layers.length} layers in forward order`,
  });
  const { doc, theme: tc } = frame;
  legend(frame, [
    { key: "channels", label: "channels in the layer", color: tc.faint, symbol: "swatch" },
    { key: "removed", label: "channels removed", color, symbol: "swatch" },
  ]);
  if (d.layers.some((l) => l.shortcut)) headerNote(frame, SHORTCUT_NOTE);
  if (d.layers.length === 0) return emptyFigure(frame, belowHeader(frame), "no BN layers");
  const y = d3.scaleLinear().domain([0, d3.max(d.layers, (l) => l.channels) ?? 1]).nice();
  const p = layerPlot(frame, d.layers.map((l) => l.name), "channels (count)", y, d3.format("~d"));
  const marks = el(doc, "g", { class: "marks" }, p.g);
  const totals = el(doc, "g", { class: "series", "data-series": "channels" }, marks);
  const bars = el(doc, "g", { class: "series", "data-series": "removed" }, marks);
  for (const l of d.layers) {
    const x0 = p.band(l.name) ?? 0;
    const common = { "data-layer": l.name, "data-shortcut": String(l.shortcut ?? false), "data-channels": l.channels };
    barMark(p, totals, { class: "bar-total", x: x0, width: p.band.bandwidth(), top: y(l.channels), fill: tc.faint, attrs: { "data-series": "channels", ...common } });
    const shortcutStyle = { "fill-opacity": l.shortcut ? 0.5 : 0.95, stroke: l.shortcut ? color : undefined };
    barMark(p, bars, { x: x0, width: p.band.bandwidth(), top: y(l.removed), fill: color, attrs: { "data-series": "removed", "data-removed": l.removed, ...common, ...shortcutStyle } });
  }
  return finish(frame);
}

/** One row per layer: channels, removed, fraction removed. */
export function removedPerLayerTable(data: RemovedLike | AblationSummary): FigureTable {
  const d = data as RemovedLike;
  return {
    columns: ["layer", "shortcut", "channels", "removed", "fraction_removed"],
    rows: d.layers.map((l) => [l.name, String(l.shortcut ?? false), l.channels, l.removed, l.channels ? l.removed / l.channels : ""]),
  };
}
