/**
 * Training curves: loss and accuracy per epoch for the train, test (and val) splits of one run,
 * or of several runs overlaid (the compare page). Two panels side by side (loss | accuracy), or
 * one with `metric`.
 *
 * Encoding: one run → colour and dash both by split (train solid blue, test dashed vermillion,
 * val dotted green). Several runs → colour by run (or by trainable mode with `colorBy: "mode"`),
 * dash by split, and the legend lists runs and, separately, the dash of each split.
 *
 * Marks: `<path class="series line" data-series="<run>/<split>" data-run data-split data-metric>`;
 * a series with a single point is drawn as `<circle class="series dot">`.
 */
import * as d3 from "d3";
import { el, emptyFigure, finish, legend, openFigure, tickCount, type Box, type FigureOptions, type FigureTable, type Frame, type LegendItem, type RenderContext } from "./core";
import { dotMark, lineMark } from "./marks";
import { axes, gridLines, plotArea, plotBox, yTickCount } from "./plot";
import { modeColor, paletteColor, type Theme } from "./theme";

/** One line of metrics.jsonl, as `/api/runs/[id]/metrics` returns it (extra fields ignored). */
export interface MetricPoint {
  epoch: number;
  split: string;
  loss: number;
  /** In [0, 1]. */
  accuracy: number;
}

export interface TrainingRun {
  id: string;
  /** Legend text (default the id). */
  label?: string;
  /** Trainable mode, for `colorBy: "mode"`. */
  mode?: string;
  points: readonly MetricPoint[];
}

export type TrainingMetric = "loss" | "accuracy";

export interface TrainingCurvesOptions extends FigureOptions {
  /** One panel ("loss" or "accuracy"), or both side by side (default). */
  metric?: TrainingMetric | "both";
  /** Splits to draw (default every split present, in the order train, val, test). */
  splits?: readonly string[];
  /** With several runs: colour by run (default) or by trainable mode. */
  colorBy?: "run" | "mode";
  /** Log-scale loss axis (default false). */
  logLoss?: boolean;
}

const SPLIT_ORDER = ["train", "val", "test"];
const SPLIT_DASH: Record<string, string | undefined> = { train: undefined, val: "2 3", test: "6 3" };
/** Dash of a split: train solid, val dotted, test dashed, any other dash-dot. */
function splitDash(split: string): string | undefined {
  return split in SPLIT_DASH ? SPLIT_DASH[split] : "8 2 2 2";
}
const SPLIT_COLOR_INDEX: Record<string, number> = { train: 0, test: 1, val: 2 };

const METRIC_LABEL: Record<TrainingMetric, string> = {
  loss: "loss (cross-entropy, nats)",
  accuracy: "accuracy (%)",
};

function runsOf(data: TrainingRun | readonly TrainingRun[]): readonly TrainingRun[] {
  return Array.isArray(data) ? data : [data as TrainingRun];
}

function splitsOf(runs: readonly TrainingRun[], wanted?: readonly string[]): string[] {
  const present = new Set(runs.flatMap((r) => r.points.map((p) => p.split)));
  const order = [...SPLIT_ORDER, ...[...present].filter((s) => !SPLIT_ORDER.includes(s)).sort()];
  return (wanted ?? order).filter((s) => present.has(s));
}

interface Series {
  key: string;
  run: TrainingRun;
  split: string;
  color: string;
  dash: string | undefined;
  points: MetricPoint[];
}

function seriesOf(runs: readonly TrainingRun[], splits: readonly string[], colorBy: "run" | "mode", theme: Theme): Series[] {
  const out: Series[] = [];
  runs.forEach((run, i) => {
    for (const split of splits) {
      const points = run.points.filter((p) => p.split === split).slice().sort((a, b) => a.epoch - b.epoch);
      if (points.length === 0) continue;
      const color =
        runs.length === 1 ? paletteColor(SPLIT_COLOR_INDEX[split] ?? 3 + splits.indexOf(split), theme) : colorBy === "mode" && run.mode ? modeColor(run.mode, theme) : paletteColor(i, theme);
      out.push({ key: `${run.id}/${split}`, run, split, color, dash: splitDash(split), points });
    }
  });
  return out;
}

function panel(frame: Frame, series: Series[], metric: TrainingMetric, box: Box, logLoss: boolean): void {
  const plot = plotArea(frame, box, { class: "panel", "data-metric": metric });
  const value = (p: MetricPoint) => (metric === "accuracy" ? p.accuracy * 100 : p.loss);
  const all = series.flatMap((s) => s.points);
  const epochs = d3.extent(all, (p) => p.epoch) as [number, number];
  const x = d3.scaleLinear().domain(epochs[0] === epochs[1] ? [epochs[0], epochs[0] + 1] : epochs).range([0, plot.width]);
  const maxEpoch = x.domain()[1];
  if (Number.isInteger(maxEpoch) && maxEpoch < 8) x.nice();
  let y: d3.ScaleContinuousNumeric<number, number>;
  if (metric === "accuracy") {
    y = d3.scaleLinear().domain([0, 100]).range([plot.height, 0]);
  } else {
    const losses = all.map(value).filter((v) => Number.isFinite(v) && (!logLoss || v > 0));
    const hi = d3.max(losses) ?? 1;
    y = logLoss
      ? d3.scaleLog().domain([d3.min(losses) ?? 0.01, hi]).range([plot.height, 0]).nice()
      : d3.scaleLinear().domain([0, hi > 0 ? hi : 1]).range([plot.height, 0]).nice();
  }
  gridLines(plot, y);
  axes(
    plot,
    { axis: d3.axisBottom(x).ticks(Math.min(tickCount(plot.width), Math.max(1, Math.round(maxEpoch - x.domain()[0])))).tickFormat(d3.format("~d")), label: "epoch", labelOffset: 34 },
    { axis: d3.axisLeft(y).ticks(yTickCount(plot), metric === "loss" && logLoss ? "~g" : undefined), label: METRIC_LABEL[metric], labelOffset: 42 },
  );
  frame.text(plot.g, 0, -8, metric === "loss" ? "Loss" : "Accuracy", { class: "panel-title", "font-weight": 600 });

  const defined = (p: MetricPoint) => Number.isFinite(value(p)) && (metric !== "loss" || !logLoss || value(p) > 0);
  const marks = el(frame.doc, "g", { class: "marks" }, plot.g);
  for (const s of series) {
    const attrs = { "data-series": s.key, "data-run": s.run.id, "data-split": s.split, "data-metric": metric, "data-points": s.points.length };
    if (s.points.length === 1) dotMark(plot, marks, x(s.points[0].epoch), y(value(s.points[0])), { class: "series dot", r: 3, fill: s.color, attrs });
    else lineMark(plot, marks, s.points, { x: (p) => x(p.epoch), y: (p) => y(value(p)), defined, stroke: s.color, strokeWidth: 1.75, dash: s.dash, attrs: { "stroke-linejoin": "round", ...attrs } });
  }
}

/**
 * Loss and accuracy against epoch for one run or several overlaid.
 *
 * @example
 *   trainingCurves({ id: run.id, points }, { theme: "dark" }, { document })
 *   trainingCurves(runs.map((r) => ({ id: r.id, mode: r.mode, points: r.points })), { metric: "accuracy", colorBy: "mode" }, { document })
 */
export function trainingCurves(data: TrainingRun | readonly TrainingRun[], options: TrainingCurvesOptions = {}, ctx: RenderContext): SVGSVGElement {
  const runs = runsOf(data);
  const metric = options.metric ?? "both";
  const metrics: TrainingMetric[] = metric === "both" ? ["loss", "accuracy"] : [metric];
  const theme = options.theme ?? "light";
  const splits = splitsOf(runs, options.splits);
  const series = seriesOf(runs, splits, options.colorBy ?? "run", theme);
  const frame = openFigure(ctx, "training-curves", options, {
    width: metrics.length === 2 ? 760 : 520,
    height: 360,
    title: runs.length === 1 ? `Training curves — ${runs[0].label ?? runs[0].id}` : `Training curves — ${runs.length} runs`,
    description: `${metrics.join(" and ")} per epoch for ${splits.join(", ")} of ${runs.map((r) => r.label ?? r.id).join(", ")}`,
  });

  const items: LegendItem[] = [];
  if (runs.length === 1) {
    for (const s of series) items.push({ key: s.key, label: s.split, color: s.color, dash: s.dash, attrs: { "data-split": s.split } });
  } else {
    runs.forEach((r, i) => {
      const s = series.find((x) => x.run === r);
      const color = s?.color ?? paletteColor(i, theme);
      items.push({ key: r.id, label: r.label ?? r.id, color, symbol: "swatch", attrs: { "data-run": r.id } });
    });
    for (const split of splits) items.push({ key: `split:${split}`, label: split, color: frame.theme.muted, dash: splitDash(split), attrs: { "data-split": split, class: "legend-item legend-key" } });
  }
  if (items.length > 1) legend(frame, items);

  // Panels side by side, `gap` apart, in the box under the header.
  const gap = 64;
  const area = plotBox(frame, { left: 60, right: 16, top: 24, bottom: 46 });
  if (series.length === 0) return emptyFigure(frame, { ...area, x: 0, width: frame.width }, "no metrics yet");
  const panelWidth = (area.width - gap * (metrics.length - 1)) / metrics.length;
  metrics.forEach((m, i) => panel(frame, series, m, { ...area, x: area.x + i * (panelWidth + gap), width: panelWidth }, options.logLoss ?? false));
  return finish(frame);
}

/** The points drawn: one row per run, split and epoch (loss: cross-entropy in nats; accuracy as a fraction in [0, 1]). */
export function trainingCurvesTable(data: TrainingRun | readonly TrainingRun[], options: Pick<TrainingCurvesOptions, "splits"> = {}): FigureTable {
  const runs = runsOf(data);
  const splits = splitsOf(runs, options.splits);
  const rows: (string | number)[][] = [];
  for (const run of runs) {
    for (const split of splits) {
      for (const p of run.points.filter((q) => q.split === split).slice().sort((a, b) => a.epoch - b.epoch)) {
        rows.push([run.id, run.mode ?? "", split, p.epoch, p.loss, p.accuracy]);
      }
    }
  }
  return { columns: ["run", "mode", "split", "epoch", "loss_nats", "accuracy_fraction"], rows };
}
