/**
 * The paper's depth and width figures: test accuracy against depth (each width trained at two or
 * more depths, ResNet-D at width 16 in the paper) or against width (each depth trained at two or
 * more widths: ResNet-8 and WRN-8-2 make the depth-8 width series), one line per trainable mode in
 * its fixed colour and, where several depths (or widths) have a series, one dash pattern per
 * depth (or width); mean ± sd over seeds as error bars. The x axis is the depth or width (log₂,
 * ticks at the values present) or the parameter count, total or trainable (log₁₀). On the
 * trainable-parameter axis the "none" mode (0 trainable parameters) has no place and is left out
 * with a note.
 *
 * Both charts take their y range from every row of the dataset, so the depth and the width chart
 * of one dataset share it. Every network drawn is named under the x axis (and in the point's
 * tooltip); points that would sit on one another are moved sideways by a few pixels, and the
 * header says so. Without any series along the axis the plot says so in words.
 *
 * Data: the rows of `aggregateRuns` (lib/analysis/aggregate) or of `/api/depth-width`.
 *
 * Marks: `path.series.line[data-series=<mode>][data-depth|data-width]`, `circle.point[data-series]
 * [data-network][data-run-ids][data-depth][data-width][data-n][data-mean]`, `path.errorbar`,
 * `text.network-label[data-network]`.
 */
import * as d3 from "d3";
import type { AggregateRow } from "../analysis/aggregate";
import { depthWidthSeries, type DepthWidthSeries } from "../analysis/depth-width-series";
import type { MeanSd } from "../analysis/stats";
import { architectureName, shortArchitectureName } from "../models/names";
import { el, emptyFigure, finish, headerNote, legend, listAttr, openFigure, textWidth, tickCount, type FigureOptions, type FigureTable, type LegendItem, type RenderContext } from "./core";
import { dotMark, lineMark } from "./marks";
import { axes, gridLines, plotArea, plotBox, yTickCount } from "./plot";
import { compareModes, modeColor } from "./theme";

/** A row of `aggregateRuns` / `/api/depth-width` (the fields drawn). */
export interface DepthWidthPoint {
  dataset: string;
  family: string;
  depth: number;
  width: number;
  mode: string;
  /** The display name; derived from depth and width when absent. */
  network?: string;
  n: number;
  ids: readonly string[];
  final: MeanSd;
  best: MeanSd;
  /** The API's chosen metric (final or best). */
  accuracy?: MeanSd;
  parameters: { total: number; trainable: number };
}

export type DepthWidthX = "size" | "params-total" | "params-trainable";

export interface DepthWidthOptions extends FigureOptions {
  /** "resnet": accuracy against depth (default when present); "wide": against width. */
  family?: "resnet" | "wide";
  /** x axis: depth/width (default), total parameters, or trainable parameters. */
  x?: DepthWidthX;
  /** Which accuracy: the row's `accuracy` (default, falling back to final), "final" or "best". */
  metric?: "accuracy" | "final" | "best";
  /** Dataset to draw (default: the only one, or the first by name). */
  dataset?: string;
}

type Point = DepthWidthPoint & { xv: number; acc: MeanSd; network: string };

interface Selected {
  dataset: string | null;
  family: "resnet" | "wide";
  xKind: DepthWidthX;
  /** The curves drawn (points with x ≤ 0 left out). */
  series: DepthWidthSeries<Point>[];
  rows: Point[];
  dropped: Point[];
  datasets: string[];
  /** [lo, hi] of mean ± sd over every row of the dataset (both charts), null without one. */
  yExtent: [number, number] | null;
}

function select(input: readonly (DepthWidthPoint | AggregateRow)[], o: DepthWidthOptions): Selected {
  const all = input as readonly DepthWidthPoint[];
  const datasets = [...new Set(all.map((r) => r.dataset))].sort();
  const dataset = o.dataset ?? datasets[0] ?? null;
  const xKind = o.x ?? "size";
  const metric = o.metric ?? "accuracy";
  const accOf = (r: DepthWidthPoint) => (metric === "accuracy" ? (r.accuracy ?? r.final) : r[metric]);
  const inSet = all.filter((r) => r.dataset === dataset);
  const depthSeries = depthWidthSeries(inSet, "depth");
  const family = o.family ?? (depthSeries.length > 0 || depthWidthSeries(inSet, "width").length === 0 ? "resnet" : "wide");
  const axis = family === "resnet" ? "depth" : "width";
  const xOf = (r: DepthWidthPoint) => (xKind === "size" ? (axis === "depth" ? r.depth : r.width) : xKind === "params-total" ? r.parameters.total : r.parameters.trainable);
  const point = (r: DepthWidthPoint): Point => ({ ...r, xv: xOf(r), acc: accOf(r), network: r.network ?? architectureName(r) });
  const dropped: Point[] = [];
  const series: DepthWidthSeries<Point>[] = [];
  for (const c of axis === "depth" ? depthSeries : depthWidthSeries(inSet, "width")) {
    const pts = c.rows.map(point);
    dropped.push(...pts.filter((p) => !(p.xv > 0 && Number.isFinite(p.xv))));
    const kept = pts.filter((p) => p.xv > 0 && Number.isFinite(p.xv)).sort((a, b) => a.xv - b.xv);
    if (kept.length) series.push({ ...c, rows: kept });
  }
  series.sort((a, b) => a.fixed - b.fixed || compareModes(a.mode, b.mode));
  const rows = series.flatMap((c) => c.rows);
  const lows = inSet.map((r) => accOf(r).mean - (accOf(r).sd ?? 0)).filter(Number.isFinite);
  const highs = inSet.map((r) => accOf(r).mean + (accOf(r).sd ?? 0)).filter(Number.isFinite);
  const yExtent: [number, number] | null = lows.length ? [d3.min(lows)!, d3.max(highs)!] : null;
  return { dataset, family, xKind, series, rows, dropped, datasets, yExtent };
}

const X_LABEL: Record<"resnet" | "wide", string> = {
  resnet: "depth (layers; log₂ axis)",
  wide: "width (filters in the first stage; log₂ axis)",
};

const DASHES = [undefined, "6 3", "2 3", "9 3 2 3"];

/** Points closer than two radii are spread sideways around their place, in drawing order. */
function dodge(points: { cx: number; cy: number }[], r: number): number {
  const placed: { cx: number; cy: number }[] = [];
  let moved = 0;
  for (const p of points) {
    const start = p.cx;
    for (let k = 1; placed.some((q) => Math.hypot(q.cx - p.cx, q.cy - p.cy) < 2 * r + 0.5); k++) p.cx = start + (k % 2 ? 1 : -1) * Math.ceil(k / 2) * (2 * r + 1);
    if (p.cx !== start) moved++;
    placed.push(p);
  }
  return moved;
}

/**
 * Accuracy against depth or width (or parameters), one line per trainable mode, mean ± sd.
 *
 * @example
 *   depthWidth(rows, { family: "wide", x: "params-trainable" }, { document })
 */
export function depthWidth(rows: readonly (DepthWidthPoint | AggregateRow)[], options: DepthWidthOptions = {}, ctx: RenderContext): SVGSVGElement {
  const sel = select(rows, options);
  const theme = options.theme ?? "light";
  const modes = [...new Set(sel.series.map((c) => c.mode))].sort(compareModes);
  const fixedValues = [...new Set(sel.series.map((c) => c.fixed))].sort((a, b) => a - b);
  const fixedName = sel.family === "resnet" ? "width" : "depth";
  const metricName = options.metric === "best" ? "best test accuracy" : options.metric === "final" ? "final test accuracy" : "test accuracy";
  const against = sel.xKind === "size" ? (sel.family === "resnet" ? "depth" : "width") : sel.xKind === "params-total" ? "parameters" : "trainable parameters";
  const over = fixedValues.length ? `${fixedName} ${fixedValues.join(", ")}` : `no ${sel.family === "resnet" ? "depth" : "width"} series`;
  const frame = openFigure(ctx, "depth-width", options, {
    width: 640,
    height: 420,
    title: `${metricName[0].toUpperCase()}${metricName.slice(1)} against ${against}`,
    subtitle: `${sel.dataset ?? "no dataset"} · ${over} · mean ± sd over seeds${sel.datasets.length > 1 ? ` · ${sel.datasets.length} datasets indexed` : ""}`,
    description: `${metricName} against ${against} (${over}) for the trainable modes ${modes.join(", ")}`,
  });
  const { doc } = frame;
  const items: LegendItem[] = modes.length > 1 ? modes.map((m) => ({ key: m, label: m, color: modeColor(m, theme), symbol: "line" as const })) : [];
  if (fixedValues.length > 1) items.push(...fixedValues.map((f, i): LegendItem => ({ key: `${fixedName}-${f}`, label: `${fixedName} ${f}`, color: frame.theme.muted, symbol: "line", dash: DASHES[i % DASHES.length] })));
  if (items.length) legend(frame, items, { title: "trainable:" });
  if (sel.dropped.length) headerNote(frame, `not shown (0 on a log axis): ${[...new Set(sel.dropped.map((r) => r.mode))].sort(compareModes).join(", ")}`);
  const box = plotBox(frame, { left: 62, right: 24, top: 14, bottom: 80 });
  if (sel.rows.length === 0) {
    const what = sel.family === "resnet" ? "no depth series: a depth series needs one width trained at two or more depths" : "no width series: a width series needs one depth trained at two or more widths (e.g. ResNet-8 and WRN-8-2)";
    return emptyFigure(frame, box, `These runs hold ${what}.`);
  }
  const plot = plotArea(frame, box);
  const xs = [...new Set(sel.rows.map((r) => r.xv))].sort((a, b) => a - b);
  let [x0, x1] = [xs[0], xs[xs.length - 1]];
  if (x0 === x1) [x0, x1] = [x0 / 2, x1 * 2];
  const pad = Math.pow(x1 / x0, 0.05);
  const x = d3.scaleLog().base(sel.xKind === "size" ? 2 : 10).domain([x0 / pad, x1 * pad]).range([0, plot.width]);
  const [lo, hi] = sel.yExtent ?? [0, 1];
  const y = d3
    .scaleLinear()
    .domain([Math.max(0, lo - 0.03), Math.min(1, hi + 0.03)])
    .range([plot.height, 0])
    .nice();
  plot.g.setAttribute("data-y-domain", y.domain().map((v) => Number(v.toFixed(6))).join(" "));
  gridLines(plot, y);
  const xAxis =
    sel.xKind === "size"
      ? d3.axisBottom(x).tickValues(xs).tickFormat(d3.format("~d"))
      : d3.axisBottom(x).ticks(tickCount(plot.width, 60)).tickFormat((v) => {
          const n = Number(v);
          const e = Math.log10(n);
          return Math.abs(e - Math.round(e)) < 1e-9 || xs.length < 3 ? d3.format("~s")(n) : "";
        });
  const xLabel = sel.xKind === "size" ? X_LABEL[sel.family] : sel.xKind === "params-total" ? "parameters (total, count; log₁₀ axis)" : "trainable parameters (count; log₁₀ axis)";
  axes(
    plot,
    { axis: xAxis, label: xLabel, labelOffset: 58, scale: "log" },
    { axis: d3.axisLeft(y).ticks(yTickCount(plot)).tickFormat(d3.format(".0%")), label: `${metricName} (%)`, labelOffset: 46 },
  );

  // Where each point is drawn: its place, moved sideways where it would hide another.
  const R = 4;
  const placed = new Map<Point, { cx: number; cy: number }>();
  for (const r of sel.rows) if (Number.isFinite(r.acc.mean)) placed.set(r, { cx: x(r.xv), cy: y(r.acc.mean) });
  const moved = dodge([...placed.values()], R);

  const marks = el(doc, "g", { class: "marks" }, plot.g);
  sel.series.forEach((c) => {
    const color = modeColor(c.mode, theme);
    const dash = DASHES[fixedValues.indexOf(c.fixed) % DASHES.length] ?? (c.mode === "none" ? "5 3" : undefined);
    const sg = el(doc, "g", { class: "series-group", "data-series": c.mode, [`data-${fixedName}`]: c.fixed }, marks);
    lineMark<Point>(plot, sg, c.rows, { x: (r) => placed.get(r)?.cx ?? x(r.xv), y: (r) => y(r.acc.mean), defined: (r) => Number.isFinite(r.acc.mean), stroke: color, dash, attrs: { "data-series": c.mode, [`data-${fixedName}`]: c.fixed } });
    for (const r of c.rows) {
      const at = placed.get(r);
      if (!at) continue;
      if (r.acc.sd !== null && r.acc.sd > 0) {
        const [a, b] = [y(Math.max(0, r.acc.mean - r.acc.sd)), y(Math.min(1, r.acc.mean + r.acc.sd))];
        el(doc, "path", { class: "errorbar", "data-series": c.mode, "data-sd": r.acc.sd, d: `M${at.cx},${a}V${b}M${at.cx - 4},${a}H${at.cx + 4}M${at.cx - 4},${b}H${at.cx + 4}`, stroke: color, "stroke-width": 1.5, fill: "none" }, sg);
      }
      const attrs = { "data-series": c.mode, "data-network": r.network, "data-depth": r.depth, "data-width": r.width, "data-x": r.xv, "data-n": r.n, "data-mean": r.acc.mean, "data-sd": r.acc.sd ?? "", "data-run-ids": listAttr(r.ids), "data-moved": at.cx !== x(r.xv) ? "true" : undefined };
      const dot = dotMark(plot, sg, at.cx, at.cy, { r: R, fill: color, halo: 1.5, attrs });
      el(doc, "title", {}, dot).textContent = `${r.network}, ${c.mode}: ${(r.acc.mean * 100).toFixed(1)}%${r.acc.sd ? ` ± ${(r.acc.sd * 100).toFixed(1)}` : ""} (n = ${r.n})`;
    }
  });
  const unnamed = networkLabels(plot, sel.rows.filter((r) => placed.has(r)).map((r) => ({ network: r.network, short: shortArchitectureName({ depth: r.depth, width: r.width }), cx: x(r.xv) })));
  // Notes on what was done to keep every point and name readable, under the x axis title.
  const notes = [moved > 0 ? `${moved} point${moved === 1 ? "" : "s"} moved sideways a few pixels so none hides another (exact x in the CSV)` : "", unnamed > 0 ? `${unnamed} network name${unnamed === 1 ? "" : "s"} in the tooltips only` : ""].filter(Boolean);
  if (notes.length) frame.text(frame.svg, 12, frame.height - 6, notes.join(" · "), { class: "note", "data-moved": moved, fill: frame.theme.muted, "font-size": 10 });
  return finish(frame);
}

/**
 * Each network drawn, named under the x axis at its x (below the tick labels) in up to two rows
 * so that no two names overlap; the short name ("R8×2") where the full one does not fit. Returns
 * how many could not be placed (they keep their tooltip and their CSV row).
 */
function networkLabels(plot: ReturnType<typeof plotArea>, entries: { network: string; short: string; cx: number }[]): number {
  const seen = new Set<string>();
  const unique = entries.filter((e) => {
    const k = `${e.network}@${e.cx.toFixed(1)}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
  unique.sort((a, b) => a.cx - b.cx);
  const g = el(plot.frame.doc, "g", { class: "network-labels" }, plot.g);
  const rowEnds = [-Infinity, -Infinity];
  let unplaced = 0;
  for (const e of unique) {
    const fits = (text: string) => rowEnds.findIndex((end) => end <= e.cx - textWidth(text, 10) / 2 - 4);
    let text = e.network;
    let row = fits(text);
    if (row < 0) [text, row] = [e.short, fits(e.short)];
    if (row < 0) {
      unplaced++;
      continue;
    }
    rowEnds[row] = e.cx + textWidth(text, 10) / 2;
    plot.frame.text(g, e.cx, plot.height + 29 + row * 11, text, { class: "network-label", "data-network": e.network, "text-anchor": "middle", "font-size": 10, fill: plot.frame.theme.muted });
  }
  return unplaced;
}

/** The points drawn: one row per mode and x value, with the run ids behind each. */
export function depthWidthTable(rows: readonly (DepthWidthPoint | AggregateRow)[], options: Pick<DepthWidthOptions, "family" | "x" | "metric" | "dataset"> = {}): FigureTable {
  const sel = select(rows, options);
  return {
    columns: ["dataset", "family", "network", "mode", "depth", "width", "x", "runs_n", "accuracy_mean_fraction", "accuracy_sd_fraction", "params_total_count", "params_trainable_count", "run_ids"],
    rows: sel.rows.map((r) => [r.dataset, r.family, r.network, r.mode, r.depth, r.width, r.xv, r.n, r.acc.mean, r.acc.sd ?? "", r.parameters.total, r.parameters.trainable, r.ids.join(" ")]),
  };
}
