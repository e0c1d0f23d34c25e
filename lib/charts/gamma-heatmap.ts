/**
 * |γ| per BN layer as a heatmap: one row per BN layer in forward order (the stem `bn` on top,
 * projection-shortcut BNs marked with a ◆ and `data-shortcut="true"`), one cell per channel with
 * the channels of each row sorted by |γ| ascending, coloured on a log scale (viridis). Exact
 * zeros, which a log scale cannot place, get the theme's neutral "zero" colour (in the colour
 * legend as "0").
 *
 * Layers have different channel counts (W, 2W, 4W): `columns: "fraction"` (default) stretches
 * each row to the full width (x = rank / channels), `"pad"` gives every channel the same width
 * and leaves shorter rows blank on the right.
 *
 * The threshold t is marked in each row where |γ| crosses it (a vertical tick at the boundary
 * between the channels below t and the rest: the per-layer fraction below t, read along the
 * rows) and on the colour legend.
 *
 * Marks: `g.row[data-layer][data-shortcut][data-channels][data-below]`, `rect.cell[data-value]`,
 * `path.threshold[data-threshold]`, `.shortcut-marker`, `g.color-legend`.
 */
import * as d3 from "d3";
import { drawAxis, el, emptyFigure, finish, formatPercent, formatValue, openFigure, powerOfTenLabel, textWidth, thresholdOption, type FigureOptions, type FigureTable, type RenderContext } from "./core";
import { axes, plotArea } from "./plot";

/** One BN layer: the API's `GammaBody.layers[i]` fits (`absGammaSorted`), or raw `absGamma` (any order). */
export interface HeatmapLayer {
  name: string;
  shortcut: boolean;
  absGammaSorted?: ArrayLike<number>;
  absGamma?: ArrayLike<number>;
}

export interface GammaHeatmapOptions extends FigureOptions {
  /** Threshold t to mark (default 0.01); null for none. */
  threshold?: number | null;
  /** "fraction": every row stretched to the full width (default); "pad": one width per channel. */
  columns?: "fraction" | "pad";
  /** Colour scale range [lo, hi] of |γ| (default: whole decades around the data's positive values). */
  domain?: readonly [number, number];
  /** Row height in pixels when `height` is not given (default 8; the figure grows with the layers). */
  rowHeight?: number;
}

interface Row {
  name: string;
  shortcut: boolean;
  values: Float64Array;
  below: number;
}

function rowsOf(layers: readonly HeatmapLayer[], threshold: number | null): Row[] {
  const t32 = threshold === null ? null : Math.fround(threshold);
  return layers.map((l) => {
    const src = l.absGammaSorted ?? l.absGamma;
    if (!src) throw new RangeError(`heatmap layer "${l.name}" has no |γ| values`);
    const values = Float64Array.from(src, Math.abs);
    values.sort();
    const below = t32 === null ? 0 : d3.bisectLeft(values, t32);
    return { name: l.name, shortcut: l.shortcut, values, below };
  });
}

function colorDomain(rows: Row[], domain?: readonly [number, number]): [number, number] {
  if (domain) {
    if (!(domain[0] > 0 && domain[1] > domain[0])) throw new RangeError(`heatmap domain must satisfy 0 < lo < hi, got [${domain[0]}, ${domain[1]}]`);
    return [domain[0], domain[1]];
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    for (const v of r.values) {
      if (v > 0) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (lo === Infinity) return [0.1, 1];
  const a = Math.floor(Math.log10(lo));
  let b = Math.ceil(Math.log10(hi));
  if (b <= a) b = a + 1;
  return [10 ** a, 10 ** b];
}

/**
 * Rows = BN layers, columns = channels sorted by |γ|, log colour.
 *
 * @example
 *   gammaHeatmap(body.layers, { threshold: body.threshold }, { document })
 */
/** Layer names at 11 px: legible when the figure is drawn at a phone's column width (not scaled down). */
const ROW_LABEL_PX = 11;
/** Below this width the counts and the 280-px colour legend no longer fit side by side. */
const NARROW_PX = 560;
const LEGEND_ROW_PX = 44;

export function gammaHeatmap(layers: readonly HeatmapLayer[], options: GammaHeatmapOptions = {}, ctx: RenderContext): SVGSVGElement {
  const threshold = thresholdOption(options.threshold);
  const rows = rowsOf(layers, threshold);
  const columns = options.columns ?? "fraction";
  const width = options.width ?? 720;
  const labelW = Math.max(60, Math.min(150, d3.max(rows, (r) => textWidth(r.name, ROW_LABEL_PX)) ?? 60)) + 18;
  // Narrow (a phone's column): the colour legend gets a row of its own under the counts, not beside them.
  const narrow = width < NARROW_PX;
  const headerH = 104 + (options.subtitle ? 18 : 0) + (narrow ? LEGEND_ROW_PX : 0);
  const bottom = 46;
  const rowH = options.height ? (options.height - headerH - bottom) / Math.max(1, rows.length) : Math.max(2, options.rowHeight ?? 8);
  const height = options.height ?? Math.round(headerH + bottom + rowH * Math.max(rows.length, 6));
  const frame = openFigure(ctx, "gamma-heatmap", options, {
    width,
    height,
    title: "|γ| per BN layer, channels sorted",
    description: `Heatmap of |γ| on a log colour scale: ${rows.length} BN layers in forward order, channels sorted by |γ|${threshold !== null ? `; threshold ${formatValue(threshold)} marked` : ""}`,
  });
  const { doc, theme: tc } = frame;
  const box = { x: labelW, y: headerH, width: width - labelW - 20, height: rowH * rows.length };
  if (rows.length === 0) return emptyFigure(frame, { x: 0, y: headerH, width, height: height - headerH }, "no BN layers");
  const [lo, hi] = colorDomain(rows, options.domain);
  const color = d3.scaleSequentialLog(d3.interpolateViridis).domain([lo, hi]).clamp(true);
  const fill = (v: number) => (v === 0 ? tc.zero : color(v));
  const maxChannels = d3.max(rows, (r) => r.values.length) ?? 1;

  // Colour legend: 48 steps (no gradients: identical in every renderer), a log axis, "0" swatch, t.
  const lg = el(doc, "g", { class: "color-legend", "shape-rendering": "crispEdges", transform: narrow ? `translate(12,${frame.top + 66})` : `translate(${width - 20 - 260},${frame.top + 10})` }, frame.svg);
  const legendX = d3.scaleLog().domain([lo, hi]).range([40, 260]);
  const steps = 48;
  for (let i = 0; i < steps; i++) {
    const a = legendX.invert(40 + ((260 - 40) * i) / steps);
    const b = legendX.invert(40 + ((260 - 40) * (i + 1)) / steps);
    el(doc, "rect", { class: "legend-step", x: legendX(a), y: 0, width: legendX(b) - legendX(a) + 0.3, height: 12, fill: color(Math.sqrt(a * b)) }, lg);
  }
  el(doc, "rect", { class: "legend-zero", x: 0, y: 0, width: 18, height: 12, fill: tc.zero }, lg);
  frame.text(lg, 9, 26, "0", { "text-anchor": "middle", fill: tc.muted, "font-size": 10 });
  drawAxis(frame, lg, d3.axisBottom(legendX).ticks(Math.max(2, Math.round(Math.log10(hi / lo)))).tickFormat(powerOfTenLabel).tickSize(4), "color", "translate(0,12)").setAttribute("data-scale", "log");
  frame.text(lg, 40, -6, "|γ| (log colour scale)", { class: "legend-title", fill: tc.muted, "font-size": 10 });
  if (threshold !== null && threshold >= lo && threshold <= hi) {
    el(doc, "line", { class: "threshold legend-threshold", "data-threshold": threshold, x1: legendX(threshold), x2: legendX(threshold), y1: -3, y2: 15, stroke: tc.threshold, "stroke-width": 2 }, lg);
  }

  const plot = plotArea(frame, box);
  const { g } = plot;
  const x = d3.scaleLinear().domain(columns === "fraction" ? [0, 1] : [0, maxChannels]).range([0, plot.width]);
  const cellsG = el(doc, "g", { class: "cells", "shape-rendering": "crispEdges" }, g);
  const thresholdD: string[] = [];
  rows.forEach((r, i) => {
    const n = r.values.length;
    const y0 = i * rowH;
    const row = el(doc, "g", { class: "row", "data-layer": r.name, "data-shortcut": String(r.shortcut), "data-channels": n, "data-below": r.below }, cellsG);
    const pos = (k: number) => x(columns === "fraction" ? k / n : k);
    for (let k = 0; k < n; k++) {
      el(doc, "rect", { class: "cell", "data-value": r.values[k], x: pos(k), y: y0, width: pos(k + 1) - pos(k) + 0.02, height: rowH, fill: fill(r.values[k]) }, row);
    }
    if (threshold !== null) thresholdD.push(`M${pos(r.below)},${y0}V${y0 + rowH}`);
  });
  // Layer labels: every row when rows are tall enough, else every k-th (and all shortcut markers).
  const labels = el(doc, "g", { class: "row-labels" }, g);
  const every = Math.max(1, Math.ceil((ROW_LABEL_PX + 1) / rowH));
  rows.forEach((r, i) => {
    const cy = i * rowH + rowH / 2;
    if (r.shortcut) {
      const s = Math.min(4, Math.max(2, rowH / 2));
      el(doc, "path", { class: "shortcut-marker", "data-layer": r.name, d: `M-${6 + s},${cy}l${s},-${s}l${s},${s}l-${s},${s}z`, fill: tc.foreground }, labels);
    }
    if (i % every === 0) frame.text(labels, -16, cy + 3.5, r.name, { class: "row-label", "text-anchor": "end", fill: tc.muted, "font-size": ROW_LABEL_PX });
  });
  if (threshold !== null) {
    el(doc, "path", { class: "threshold-halo", d: thresholdD.join(""), stroke: tc.background, "stroke-width": 3.5, fill: "none", "stroke-opacity": 0.9 }, g);
    el(doc, "path", { class: "threshold", "data-threshold": threshold, d: thresholdD.join(""), stroke: tc.threshold, "stroke-width": 1.5, fill: "none" }, g);
    const total = rows.reduce((s, r) => s + r.values.length, 0);
    const below = rows.reduce((s, r) => s + r.below, 0);
    frame.text(frame.svg, 12, frame.top + 22, `|γ| < ${formatValue(threshold)}: ${below} of ${total} channels (${formatPercent(1)(total ? below / total : NaN)})`, { class: "fraction-below annotation", "data-fraction": total ? below / total : "" });
  }
  if (rows.some((r) => r.shortcut)) frame.text(frame.svg, 12, frame.top + 38, "◆ projection-shortcut BN", { class: "note", fill: tc.muted });
  const xAxis = columns === "fraction" ? d3.axisBottom(x).ticks(5).tickFormat(d3.format(".0%")) : d3.axisBottom(x).ticks(Math.min(10, maxChannels));
  axes(
    plot,
    { axis: xAxis, label: columns === "fraction" ? (narrow ? "channel rank in layer (% of channels, by |γ|)" : "channel rank within the layer (% of its channels, by |γ|)") : "channel rank by |γ| (count)", labelOffset: 34 },
    { label: "BN layer (forward order)", labelOffset: labelW - 10 },
  );
  return finish(frame);
}

/** The cells: one row per layer and channel rank, with the layer's channel count and whether |γ| < t. */
export function gammaHeatmapTable(layers: readonly HeatmapLayer[], options: Pick<GammaHeatmapOptions, "threshold"> = {}): FigureTable {
  const threshold = thresholdOption(options.threshold);
  const rows: (string | number)[][] = [];
  rowsOf(layers, threshold).forEach((r, i) => r.values.forEach((v, k) => rows.push([i, r.name, r.shortcut ? "true" : "false", r.values.length, k, v, threshold === null ? "" : k < r.below ? 1 : 0])));
  return { columns: ["layer_index", "layer", "shortcut", "channels", "rank", "abs_gamma", threshold === null ? "below_threshold" : `below_${threshold}`], rows };
}
