/**
 * The paper's depth and width figures: test accuracy against depth (ResNet-D at width 16, the
 * "resnet" family) or against width (ResNet-14 at width 16·K, the "wide" family), one line per
 * trainable mode in its fixed colour, mean ± sd over seeds as error bars. The x axis is the
 * depth or width (log₂, ticks at the values present) or the parameter count, total or trainable
 * (log₁₀). On the trainable-parameter axis the "none" mode (0 trainable parameters) has no place
 * and is left out with a note.
 *
 * Data: the rows of `aggregateRuns` (lib/analysis/aggregate) or of `/api/depth-width`.
 *
 * Marks: `path.series.line[data-series=<mode>]`, `circle.point[data-series][data-run-ids]
 * [data-depth][data-width][data-n][data-mean]`, `path.errorbar[data-series]`.
 */
import * as d3 from "d3";
import type { AggregateRow } from "../analysis/aggregate";
import type { MeanSd } from "../analysis/stats";
import { el, emptyFigure, finish, headerNote, legend, listAttr, openFigure, tickCount, type FigureOptions, type FigureTable, type RenderContext } from "./core";
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

interface Selected {
  dataset: string | null;
  family: "resnet" | "wide";
  xKind: DepthWidthX;
  rows: (DepthWidthPoint & { xv: number; acc: MeanSd })[];
  dropped: DepthWidthPoint[];
  datasets: string[];
}

function select(rows: readonly (DepthWidthPoint | AggregateRow)[], o: DepthWidthOptions): Selected {
  const all = rows as readonly DepthWidthPoint[];
  const datasets = [...new Set(all.map((r) => r.dataset))].sort();
  const dataset = o.dataset ?? datasets[0] ?? null;
  const inSet = all.filter((r) => r.dataset === dataset);
  const family = o.family ?? (inSet.some((r) => r.family === "resnet") || !inSet.some((r) => r.family === "wide") ? "resnet" : "wide");
  const xKind = o.x ?? "size";
  const metric = o.metric ?? "accuracy";
  const picked = inSet.filter((r) => r.family === family);
  const xOf = (r: DepthWidthPoint) => (xKind === "size" ? (family === "resnet" ? r.depth : r.width) : xKind === "params-total" ? r.parameters.total : r.parameters.trainable);
  const accOf = (r: DepthWidthPoint) => (metric === "accuracy" ? (r.accuracy ?? r.final) : r[metric]);
  const out: Selected["rows"] = [];
  const dropped: DepthWidthPoint[] = [];
  for (const r of picked) {
    const xv = xOf(r);
    if (xv > 0 && Number.isFinite(xv)) out.push({ ...r, xv, acc: accOf(r) });
    else dropped.push(r);
  }
  out.sort((a, b) => compareModes(a.mode, b.mode) || a.xv - b.xv);
  return { dataset, family, xKind, rows: out, dropped, datasets };
}

const X_LABEL: Record<"resnet" | "wide", string> = {
  resnet: "depth (layers, ResNet-D at width 16; log₂ axis)",
  wide: "width (filters in the first stage, ResNet-14; log₂ axis)",
};

/**
 * Accuracy against depth or width (or parameters), one line per trainable mode, mean ± sd.
 *
 * @example
 *   depthWidth(rows, { family: "wide", x: "params-trainable" }, { document })
 */
export function depthWidth(rows: readonly (DepthWidthPoint | AggregateRow)[], options: DepthWidthOptions = {}, ctx: RenderContext): SVGSVGElement {
  const sel = select(rows, options);
  const theme = options.theme ?? "light";
  const modes = [...new Set(sel.rows.map((r) => r.mode))].sort(compareModes);
  const metricName = options.metric === "best" ? "best test accuracy" : options.metric === "final" ? "final test accuracy" : "test accuracy";
  const against = sel.xKind === "size" ? (sel.family === "resnet" ? "depth" : "width") : sel.xKind === "params-total" ? "parameters" : "trainable parameters";
  const frame = openFigure(ctx, "depth-width", options, {
    width: 640,
    height: 400,
    title: `${metricName[0].toUpperCase()}${metricName.slice(1)} against ${against}`,
    subtitle: `${sel.dataset ?? "no dataset"} · ${sel.family === "resnet" ? "ResNet-D, width 16" : "ResNet-14, width 16·K"} · mean ± sd over seeds${sel.datasets.length > 1 ? ` · ${sel.datasets.length} datasets indexed` : ""}`,
    description: `${metricName} against ${against} for the trainable modes ${modes.join(", ")}`,
  });
  const { doc } = frame;
  if (modes.length > 1) legend(frame, modes.map((m) => ({ key: m, label: m, color: modeColor(m, theme), symbol: "line" as const })), { title: "trainable:" });
  if (sel.dropped.length) headerNote(frame, `not shown (0 on a log axis): ${[...new Set(sel.dropped.map((r) => r.mode))].sort(compareModes).join(", ")}`);
  const box = plotBox(frame, { left: 62, right: 24, top: 14, bottom: 50 });
  if (sel.rows.length === 0) return emptyFigure(frame, box, "no complete runs for this family");
  const plot = plotArea(frame, box);
  const xs = [...new Set(sel.rows.map((r) => r.xv))].sort((a, b) => a - b);
  let [x0, x1] = [xs[0], xs[xs.length - 1]];
  if (x0 === x1) [x0, x1] = [x0 / 2, x1 * 2];
  const pad = Math.pow(x1 / x0, 0.05);
  const x = d3.scaleLog().base(sel.xKind === "size" ? 2 : 10).domain([x0 / pad, x1 * pad]).range([0, plot.width]);
  const lows = sel.rows.map((r) => r.acc.mean - (r.acc.sd ?? 0)).filter(Number.isFinite);
  const highs = sel.rows.map((r) => r.acc.mean + (r.acc.sd ?? 0)).filter(Number.isFinite);
  const y = d3
    .scaleLinear()
    .domain([Math.max(0, (d3.min(lows) ?? 0) - 0.03), Math.min(1, (d3.max(highs) ?? 1) + 0.03)])
    .range([plot.height, 0])
    .nice();
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
    { axis: xAxis, label: xLabel, labelOffset: 38, scale: "log" },
    { axis: d3.axisLeft(y).ticks(yTickCount(plot)).tickFormat(d3.format(".0%")), label: `${metricName} (%)`, labelOffset: 46 },
  );

  type Row = (typeof sel.rows)[number];
  const marks = el(doc, "g", { class: "marks" }, plot.g);
  for (const mode of modes) {
    const color = modeColor(mode, theme);
    const pts = sel.rows.filter((r) => r.mode === mode);
    const sg = el(doc, "g", { class: "series-group", "data-series": mode }, marks);
    lineMark<Row>(plot, sg, pts, { x: (r) => x(r.xv), y: (r) => y(r.acc.mean), defined: (r) => Number.isFinite(r.acc.mean), stroke: color, dash: mode === "none" ? "5 3" : undefined, attrs: { "data-series": mode } });
    for (const r of pts) {
      if (!Number.isFinite(r.acc.mean)) continue;
      const cx = x(r.xv);
      if (r.acc.sd !== null && r.acc.sd > 0) {
        const [a, b] = [y(Math.max(0, r.acc.mean - r.acc.sd)), y(Math.min(1, r.acc.mean + r.acc.sd))];
        el(doc, "path", { class: "errorbar", "data-series": mode, "data-sd": r.acc.sd, d: `M${cx},${a}V${b}M${cx - 4},${a}H${cx + 4}M${cx - 4},${b}H${cx + 4}`, stroke: color, "stroke-width": 1.5, fill: "none" }, sg);
      }
      const attrs = { "data-series": mode, "data-depth": r.depth, "data-width": r.width, "data-x": r.xv, "data-n": r.n, "data-mean": r.acc.mean, "data-sd": r.acc.sd ?? "", "data-run-ids": listAttr(r.ids) };
      dotMark(plot, sg, cx, y(r.acc.mean), { r: 4, fill: color, halo: 1.5, attrs });
    }
  }
  return finish(frame);
}

/** The points drawn: one row per mode and x value, with the run ids behind each. */
export function depthWidthTable(rows: readonly (DepthWidthPoint | AggregateRow)[], options: Pick<DepthWidthOptions, "family" | "x" | "metric" | "dataset"> = {}): FigureTable {
  const sel = select(rows, options);
  return {
    columns: ["dataset", "family", "mode", "depth", "width", "x", "n", "accuracy_mean", "accuracy_sd", "params_total", "params_trainable", "run_ids"],
    rows: sel.rows.map((r) => [r.dataset, r.family, r.mode, r.depth, r.width, r.xv, r.n, r.acc.mean, r.acc.sd ?? "", r.parameters.total, r.parameters.trainable, r.ids.join(" ")]),
  };
}
