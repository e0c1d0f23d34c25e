/**
 * The pruning curve: test accuracy against the fraction of BN channels removed, for γ-ordered
 * pruning (smallest |γ| first; line with its 95 % Wilson interval as a band) and for the random
 * baseline that removes the same number of channels per layer (mean line with ± 1 sd band over
 * the random masks, labelled with their number; no band with a single mask). An optional marker
 * shows the current fraction (the dashboard's threshold slider): a vertical line and a dot on each
 * curve, at the accuracies given or interpolated between the points (then marked ≈), compared in
 * a line above the plot.
 *
 * Marks: `path.series.line[data-series="gamma"|"random"]`, `path.band[data-series]`,
 * `circle.point[data-series][data-fraction][data-accuracy]`, `line.current[data-fraction]`,
 * `circle.marker[data-series]`, `text.marker-label`, `line.chance`.
 */
import * as d3 from "d3";
import type { PruningCurve } from "../analysis/pruning";
import { el, emptyFigure, finish, formatPercent, formatValue, headerAnnotations, legend, openFigure, tickCount, type FigureOptions, type FigureTable, type RenderContext } from "./core";
import { bandMark, dotMark, lineMark, ruleX, ruleY } from "./marks";
import { axes, gridLines, plotArea, plotBox, yTickCount } from "./plot";
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
  /** The random baseline measured at this fraction; default interpolated between the points (marked ≈). */
  random?: { mean: number; sd: number | null; n?: number };
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

/** Linear interpolation of the random mean at fraction f (clamped to the ends). */
export function interpolateRandom(points: readonly Point[], f: number): number {
  return interpolateAccuracy(points.map((p) => ({ ...p, gamma: { ...p.gamma, accuracy: p.random.mean } })), f);
}

/** The random band's label: what the band is, over how many masks. */
function randomLabel(draws: number): string {
  if (draws <= 1) return "random, same count per layer (one random mask, no band)";
  return `random, same count per layer (mean ± 1 sd over ${draws} random masks)`;
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
  const seeds = d.seeds?.length ?? d3.max(points, (p) => p.random.n ?? 0) ?? 0;
  const subtitleBits = [d.mode ? `ablation mode ${d.mode}` : "", d.count ? `${d.count.toLocaleString("en-US")} test images` : "", seeds ? `${seeds} random mask${seeds === 1 ? "" : "s"} per point` : ""].filter(Boolean);
  const frame = openFigure(ctx, "pruning-curve", options, {
    width: 640,
    height: 400,
    title: "Accuracy as BN channels are removed",
    subtitle: subtitleBits.length ? subtitleBits.join(" · ") : undefined,
    description: `Test accuracy against the fraction of BN channels removed, smallest |γ| first and at random (same count per layer), ${points.length} points`,
  });
  const { doc, theme: tc } = frame;
  const gammaColor = paletteColor(0, theme);
  const randomColor = paletteColor(4, theme);
  legend(frame, [
    { key: "gamma", label: "smallest |γ| first (95% Wilson CI)", color: gammaColor },
    { key: "random", label: randomLabel(seeds), color: randomColor, dash: "6 3" },
  ]);
  // The comparison at the current fraction, above the plot (off the curves).
  const m = options.marker;
  let markerAt: { gamma: number; random: number } | null = null;
  if (m) {
    if (!(m.fraction >= 0 && m.fraction <= 1)) throw new RangeError(`marker fraction must be in [0, 1], got ${m.fraction}`);
    markerAt = { gamma: m.accuracy ?? interpolateAccuracy(points, m.fraction), random: m.random?.mean ?? interpolateRandom(points, m.fraction) };
    const pct = formatPercent(1);
    const gammaText = `${m.accuracy === undefined ? "≈" : ""}${pct(markerAt.gamma)}`;
    const randomText = m.random ? `${pct(m.random.mean)}${m.random.sd !== null && Number.isFinite(m.random.sd) ? ` ± ${(m.random.sd * 100).toFixed(1)}` : ""}` : `≈${pct(markerAt.random)}`;
    const label = m.label ?? `${m.threshold !== undefined ? `|γ| < ${formatValue(m.threshold)}: ` : ""}${pct(m.fraction)} removed — smallest |γ| first ${gammaText}, random ${randomText}`;
    headerAnnotations(frame, [{ content: label, symbol: { kind: "rule", color: tc.threshold }, attrs: { class: "marker-label annotation", "font-weight": 600 } }]);
  }
  const box = plotBox(frame, { left: 62, right: 20, top: 12, bottom: 48 });
  if (points.length === 0) return emptyFigure(frame, box, "no pruning points");
  const plot = plotArea(frame, box);
  const { g } = plot;
  const maxF = Math.max(d3.max(points, (p) => p.fraction) ?? 1, options.marker?.fraction ?? 0);
  const x = d3.scaleLinear().domain([0, maxF > 0 ? maxF : 1]).range([0, plot.width]).nice();
  const y = d3.scaleLinear().domain([0, 1]).range([plot.height, 0]);
  gridLines(plot, y);
  axes(
    plot,
    { axis: d3.axisBottom(x).ticks(tickCount(plot.width)).tickFormat(d3.format(".0%")), label: "BN channels removed (% of all channels)", labelOffset: 36 },
    { axis: d3.axisLeft(y).ticks(yTickCount(plot)).tickFormat(d3.format(".0%")), label: "test accuracy (%)", labelOffset: 46 },
  );

  if (options.chance !== undefined && options.chance !== null) {
    ruleY(plot, g, y(options.chance), { class: "chance", stroke: tc.muted, dash: "1 3", attrs: { "data-accuracy": options.chance } });
    frame.text(g, 4, y(options.chance) - 4, `chance ${formatPercent(0)(options.chance)}`, { class: "annotation", fill: tc.muted });
  }
  // Bands: [fraction, low, high], clamped to the accuracy axis.
  const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
  const bands = el(doc, "g", { class: "bands" }, g);
  const band = (key: string, fill: string, opacity: number, values: [number, number, number][]) =>
    bandMark(plot, bands, values, { x: (p) => x(p[0]), y0: (p) => y(clamp01(p[1])), y1: (p) => y(clamp01(p[2])), fill, opacity, attrs: { "data-series": key } });
  band("gamma", gammaColor, 0.18, points.map((p) => [p.fraction, p.gamma.interval[0], p.gamma.interval[1]]));
  const withSd = points.filter((p) => p.random.sd !== null && Number.isFinite(p.random.sd));
  if (withSd.length > 1) band("random", randomColor, 0.16, withSd.map((p) => [p.fraction, p.random.mean - p.random.sd!, p.random.mean + p.random.sd!]));
  // Lines with a dot per measured point: [fraction, accuracy].
  const marks = el(doc, "g", { class: "marks" }, g);
  const drawSeries = (key: string, color: string, dash: string | undefined, values: [number, number][]) => {
    lineMark(plot, marks, values, { x: (p) => x(p[0]), y: (p) => y(p[1]), defined: (p) => Number.isFinite(p[1]), stroke: color, dash, attrs: { "data-series": key } });
    for (const [f, a] of values) {
      if (Number.isFinite(a)) dotMark(plot, marks, x(f), y(a), { r: 3, fill: color, halo: 1, attrs: { "data-series": key, "data-fraction": f, "data-accuracy": a } });
    }
  };
  drawSeries("random", randomColor, "6 3", points.map((p) => [p.fraction, p.random.mean]));
  drawSeries("gamma", gammaColor, undefined, points.map((p) => [p.fraction, p.gamma.accuracy]));

  if (m && markerAt) {
    const mg = el(doc, "g", { class: "current-group", "data-fraction": m.fraction, "data-accuracy": markerAt.gamma, "data-random": markerAt.random, "data-threshold": m.threshold }, g);
    ruleX(plot, mg, x(m.fraction), { class: "current", attrs: { "data-fraction": m.fraction } });
    for (const [key, acc, color] of [["random", markerAt.random, randomColor], ["gamma", markerAt.gamma, gammaColor]] as const) {
      if (Number.isFinite(acc)) el(doc, "circle", { class: "marker", "data-series": key, "data-accuracy": acc, cx: x(m.fraction), cy: y(acc), r: 5, fill: tc.background, stroke: color, "stroke-width": 2 }, mg);
    }
  }
  return finish(frame);
}

/** One row per point: the γ accuracy and interval, the random mean and sd. */
export function pruningCurveTable(data: PruningCurveLike | PruningCurve): FigureTable {
  return {
    columns: ["fraction_removed", "removed_channels", "total_channels", "gamma_accuracy_fraction", "gamma_ci95_low_fraction", "gamma_ci95_high_fraction", "random_mean_fraction", "random_sd_fraction", "random_masks"],
    rows: sortedPoints(data).map((p) => [p.fraction, p.removed ?? "", p.total ?? "", p.gamma.accuracy, p.gamma.interval[0], p.gamma.interval[1], p.random.mean, p.random.sd ?? "", p.random.n ?? ""]),
  };
}
