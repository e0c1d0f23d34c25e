/**
 * The pruning curve: test accuracy against the fraction of BN channels removed, for γ-ordered
 * pruning (smallest |γ| first; line with its 95 % Wilson interval as a band) and for the random
 * baseline that removes the same number of channels per layer (mean line with ± 1 sd band over
 * the seeds; no band with a single seed). An optional marker shows the current fraction (the
 * dashboard's threshold slider): a vertical line and a dot on the γ curve, at the accuracy given
 * or interpolated between the points.
 *
 * Marks: `path.series.line[data-series="gamma"|"random"]`, `path.band[data-series]`,
 * `circle.point[data-series][data-fraction][data-accuracy]`, `line.current[data-fraction]`,
 * `circle.marker`, `line.chance`.
 */
import * as d3 from "d3";
import type { PruningCurve } from "../analysis/pruning";
import {
  axisLabel,
  createFrame,
  drawAxis,
  el,
  emptyMessage,
  finish,
  formatPercent,
  formatValue,
  gridY,
  legend,
  tickCount,
  type FigureOptions,
  type FigureTable,
  type RenderContext,
} from "./core";
import { paletteColor } from "./theme";

/** `PruningCurve` (lib/analysis/pruning, the body of /api/runs/[id]/pruning-curve), the fields drawn. */
export interface PruningCurveLike {
  mode?: string;
  count?: number;
  seeds?: readonly number[];
  points: readonly {
    fraction: number;
    removed?: number;
    total?: number;
    gamma: { accuracy: number; interval: readonly number[] };
    random: { mean: number; sd: number | null; n?: number };
  }[];
}

export interface PruningMarker {
  /** Fraction of channels removed, in [0, 1] (e.g. the ablation's `fractionRemoved`). */
  fraction: number;
  /** Measured accuracy there (e.g. the ablation's accuracy); default interpolated on the γ curve. */
  accuracy?: number;
  /** The threshold that removes this fraction, for the label. */
  threshold?: number;
  label?: string;
}

export interface PruningCurveOptions extends FigureOptions {
  marker?: PruningMarker | null;
  /** Chance accuracy to draw as a dotted line (e.g. 0.1 for 10 classes); default none. */
  chance?: number | null;
}

type Point = PruningCurveLike["points"][number];

function sortedPoints(data: PruningCurveLike | PruningCurve): Point[] {
  return [...(data as PruningCurveLike).points].sort((a, b) => a.fraction - b.fraction);
}

/** Linear interpolation of the γ accuracy at fraction f (clamped to the ends). */
export function interpolateAccuracy(points: readonly Point[], f: number): number {
  if (points.length === 0) return NaN;
  const i = d3.bisector((p: Point) => p.fraction).left(points, f);
  if (i <= 0) return points[0].gamma.accuracy;
  if (i >= points.length) return points[points.length - 1].gamma.accuracy;
  const a = points[i - 1];
  const b = points[i];
  const t = b.fraction === a.fraction ? 0 : (f - a.fraction) / (b.fraction - a.fraction);
  return a.gamma.accuracy + t * (b.gamma.accuracy - a.gamma.accuracy);
}

/**
 * Accuracy against fraction removed: γ-ordered with Wilson band, random mean ± sd.
 *
 * @example
 *   pruningCurve(body, { marker: { fraction: ablation.fractionRemoved, accuracy: ablation.accuracy, threshold: 0.01 } }, { document })
 */
export function pruningCurve(data: PruningCurveLike | PruningCurve, options: PruningCurveOptions = {}, ctx: RenderContext): SVGSVGElement {
  const d = data as PruningCurveLike;
  const points = sortedPoints(d);
  const theme = options.theme ?? "light";
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const seeds = d.seeds?.length ?? d3.max(points, (p) => p.random.n ?? 0) ?? 0;
  const subtitleBits = [d.mode ? `ablation mode ${d.mode}` : "", d.count ? `${d.count.toLocaleString("en-US")} test images` : "", seeds ? `${seeds} random seed${seeds === 1 ? "" : "s"}` : ""].filter(Boolean);
  const frame = createFrame(ctx, {
    kind: "pruning-curve",
    width,
    height,
    theme,
    title: options.title ?? "Accuracy as BN channels are removed",
    subtitle: options.subtitle ?? (subtitleBits.length ? subtitleBits.join(" · ") : undefined),
    description: options.description ?? `Test accuracy against the fraction of BN channels removed, smallest |γ| first and at random (same count per layer), ${points.length} points`,
  });
  const { doc, theme: tc } = frame;
  const gammaColor = paletteColor(0, theme);
  const randomColor = paletteColor(4, theme);
  legend(frame, [
    { key: "gamma", label: "smallest |γ| first (95% Wilson CI)", color: gammaColor },
    { key: "random", label: `random, same count per layer (mean ± sd)`, color: randomColor, dash: "6 3" },
  ]);
  const margin = { left: 62, right: 20, top: frame.top + 12, bottom: 48 };
  const plot = { x: margin.left, y: margin.top, width: width - margin.left - margin.right, height: height - margin.top - margin.bottom };
  if (points.length === 0) {
    emptyMessage(frame, plot, "no pruning points");
    return finish(frame);
  }
  const g = el(doc, "g", { class: "plot", transform: `translate(${plot.x},${plot.y})` }, frame.svg);
  const maxF = Math.max(d3.max(points, (p) => p.fraction) ?? 1, options.marker?.fraction ?? 0);
  const x = d3.scaleLinear().domain([0, maxF > 0 ? maxF : 1]).range([0, plot.width]).nice();
  const y = d3.scaleLinear().domain([0, 1]).range([plot.height, 0]);
  gridY(frame, g, y.ticks(tickCount(plot.height, 45)).map((t) => y(t)), plot.width);
  drawAxis(frame, g, d3.axisBottom(x).ticks(tickCount(plot.width)).tickFormat(d3.format(".0%")), "x", `translate(0,${plot.height})`);
  drawAxis(frame, g, d3.axisLeft(y).ticks(tickCount(plot.height, 45)).tickFormat(d3.format(".0%")), "y", "translate(0,0)");
  axisLabel(frame, g, "x", plot.width / 2, plot.height + 36, "BN channels removed (% of all channels)");
  axisLabel(frame, g, "y", -46, plot.height / 2, "test accuracy (%)", true);

  if (options.chance !== undefined && options.chance !== null) {
    el(doc, "line", { class: "chance", "data-accuracy": options.chance, x1: 0, x2: plot.width, y1: y(options.chance), y2: y(options.chance), stroke: tc.muted, "stroke-dasharray": "1 3", "stroke-width": 1.5 }, g);
    frame.text(g, 4, y(options.chance) - 4, `chance ${formatPercent(0)(options.chance)}`, { class: "annotation", fill: tc.muted });
  }
  const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
  const bands = el(doc, "g", { class: "bands" }, g);
  const area = d3
    .area<[number, number, number]>()
    .x((p) => x(p[0]))
    .y0((p) => y(clamp01(p[1])))
    .y1((p) => y(clamp01(p[2])));
  el(doc, "path", { class: "band", "data-series": "gamma", d: area(points.map((p) => [p.fraction, p.gamma.interval[0], p.gamma.interval[1]])) ?? "", fill: gammaColor, "fill-opacity": 0.18 }, bands);
  const withSd = points.filter((p) => p.random.sd !== null && Number.isFinite(p.random.sd));
  if (withSd.length > 1) {
    el(doc, "path", { class: "band", "data-series": "random", d: area(withSd.map((p) => [p.fraction, p.random.mean - p.random.sd!, p.random.mean + p.random.sd!])) ?? "", fill: randomColor, "fill-opacity": 0.16 }, bands);
  }
  const line = d3
    .line<[number, number]>()
    .defined((p) => Number.isFinite(p[1]))
    .x((p) => x(p[0]))
    .y((p) => y(p[1]));
  const marks = el(doc, "g", { class: "marks" }, g);
  const drawSeries = (key: string, color: string, dash: string | undefined, values: [number, number][]) => {
    el(doc, "path", { class: "series line", "data-series": key, d: line(values) ?? "", fill: "none", stroke: color, "stroke-width": 2, "stroke-dasharray": dash }, marks);
    for (const [f, a] of values) {
      if (Number.isFinite(a)) el(doc, "circle", { class: "point", "data-series": key, "data-fraction": f, "data-accuracy": a, cx: x(f), cy: y(a), r: 3, fill: color, stroke: tc.background, "stroke-width": 1 }, marks);
    }
  };
  drawSeries("random", randomColor, "6 3", points.map((p) => [p.fraction, p.random.mean]));
  drawSeries("gamma", gammaColor, undefined, points.map((p) => [p.fraction, p.gamma.accuracy]));

  const m = options.marker;
  if (m) {
    if (!(m.fraction >= 0 && m.fraction <= 1)) throw new RangeError(`marker fraction must be in [0, 1], got ${m.fraction}`);
    const acc = m.accuracy ?? interpolateAccuracy(points, m.fraction);
    const mg = el(doc, "g", { class: "current-group", "data-fraction": m.fraction, "data-accuracy": acc, "data-threshold": m.threshold }, g);
    el(doc, "line", { class: "current", "data-fraction": m.fraction, x1: x(m.fraction), x2: x(m.fraction), y1: 0, y2: plot.height, stroke: tc.threshold, "stroke-width": 1.5, "stroke-dasharray": "5 3" }, mg);
    el(doc, "circle", { class: "marker", cx: x(m.fraction), cy: y(acc), r: 5, fill: tc.background, stroke: tc.threshold, "stroke-width": 2 }, mg);
    const label = m.label ?? `${m.threshold !== undefined ? `|γ| < ${formatValue(m.threshold)}: ` : ""}${formatPercent(1)(m.fraction)} removed, ${formatPercent(1)(acc)}`;
    const right = x(m.fraction) < plot.width * 0.6;
    frame.text(mg, x(m.fraction) + (right ? 8 : -8), 14, label, { class: "marker-label annotation", "text-anchor": right ? "start" : "end", "font-weight": 600 });
  }
  return finish(frame);
}

/** One row per point: the γ accuracy and interval, the random mean and sd. */
export function pruningCurveTable(data: PruningCurveLike | PruningCurve): FigureTable {
  return {
    columns: ["fraction", "removed", "total", "gamma_accuracy", "gamma_ci_low", "gamma_ci_high", "random_mean", "random_sd", "random_n"],
    rows: sortedPoints(data).map((p) => [p.fraction, p.removed ?? "", p.total ?? "", p.gamma.accuracy, p.gamma.interval[0], p.gamma.interval[1], p.random.mean, p.random.sd ?? "", p.random.n ?? ""]),
  };
}
