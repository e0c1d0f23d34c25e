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
import {
  axisLabel,
  createFrame,
  drawAxis,
  el,
  emptyMessage,
  finish,
  gridY,
  legend,
  tickCount,
  type FigureOptions,
  type FigureTable,
  type Frame,
  type LegendItem,
  type RenderContext,
} from "./core";
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

function panel(frame: Frame, series: Series[], metric: TrainingMetric, box: { x: number; y: number; width: number; height: number }, logLoss: boolean): void {
  const { doc } = frame;
  const g = el(doc, "g", { class: "panel", "data-metric": metric, transform: `translate(${box.x},${box.y})` }, frame.svg);
  const value = (p: MetricPoint) => (metric === "accuracy" ? p.accuracy * 100 : p.loss);
  const all = series.flatMap((s) => s.points);
  const epochs = d3.extent(all, (p) => p.epoch) as [number, number];
  const x = d3.scaleLinear().domain(epochs[0] === epochs[1] ? [epochs[0], epochs[0] + 1] : epochs).range([0, box.width]);
  const maxEpoch = x.domain()[1];
  if (Number.isInteger(maxEpoch) && maxEpoch < 8) x.nice();
  let y: d3.ScaleContinuousNumeric<number, number>;
  if (metric === "accuracy") {
    y = d3.scaleLinear().domain([0, 100]).range([box.height, 0]);
  } else {
    const losses = all.map(value).filter((v) => Number.isFinite(v) && (!logLoss || v > 0));
    const hi = d3.max(losses) ?? 1;
    y = logLoss
      ? d3.scaleLog().domain([d3.min(losses) ?? 0.01, hi]).range([box.height, 0]).nice()
      : d3.scaleLinear().domain([0, hi > 0 ? hi : 1]).range([box.height, 0]).nice();
  }
  const yTicks = y.ticks(tickCount(box.height, 45));
  gridY(frame, g, yTicks.map((t) => y(t)), box.width);
  const xAxis = d3.axisBottom(x).ticks(Math.min(tickCount(box.width), Math.max(1, Math.round(maxEpoch - x.domain()[0])))).tickFormat(d3.format("~d"));
  drawAxis(frame, g, xAxis, "x", `translate(0,${box.height})`);
  const yAxis = d3.axisLeft(y).ticks(tickCount(box.height, 45), metric === "loss" && logLoss ? "~g" : undefined);
  drawAxis(frame, g, yAxis, "y", "translate(0,0)");
  axisLabel(frame, g, "x", box.width / 2, box.height + 34, "epoch");
  axisLabel(frame, g, "y", -42, box.height / 2, METRIC_LABEL[metric], true);
  frame.text(g, 0, -8, metric === "loss" ? "Loss" : "Accuracy", { class: "panel-title", "font-weight": 600 });

  const line = d3
    .line<MetricPoint>()
    .defined((p) => Number.isFinite(value(p)) && (metric !== "loss" || !logLoss || value(p) > 0))
    .x((p) => x(p.epoch))
    .y((p) => y(value(p)));
  const marks = el(doc, "g", { class: "marks" }, g);
  for (const s of series) {
    const attrs = { "data-series": s.key, "data-run": s.run.id, "data-split": s.split, "data-metric": metric, "data-points": s.points.length };
    if (s.points.length === 1) {
      const p = s.points[0];
      el(doc, "circle", { class: "series dot", cx: x(p.epoch), cy: y(value(p)), r: 3, fill: s.color, ...attrs }, marks);
      continue;
    }
    el(doc, "path", { class: "series line", d: line(s.points) ?? "", fill: "none", stroke: s.color, "stroke-width": 1.75, "stroke-dasharray": s.dash, "stroke-linejoin": "round", ...attrs }, marks);
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
  const width = options.width ?? (metrics.length === 2 ? 760 : 520);
  const height = options.height ?? 360;
  const theme = options.theme ?? "light";
  const splits = splitsOf(runs, options.splits);
  const series = seriesOf(runs, splits, options.colorBy ?? "run", theme);
  const title = options.title ?? (runs.length === 1 ? `Training curves — ${runs[0].label ?? runs[0].id}` : `Training curves — ${runs.length} runs`);
  const frame = createFrame(ctx, {
    kind: "training-curves",
    width,
    height,
    theme,
    title,
    subtitle: options.subtitle,
    description: options.description ?? `${metrics.join(" and ")} per epoch for ${splits.join(", ")} of ${runs.map((r) => r.label ?? r.id).join(", ")}`,
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

  const margin = { left: 60, right: 16, bottom: 46, gap: 64 };
  const top = frame.top + 24;
  const boxH = height - top - margin.bottom;
  const boxW = (width - margin.left - margin.right - margin.gap * (metrics.length - 1)) / metrics.length;
  if (series.length === 0) {
    emptyMessage(frame, { x: 0, y: top, width, height: boxH }, "no metrics yet");
    return finish(frame);
  }
  metrics.forEach((m, i) => panel(frame, series, m, { x: margin.left + i * (boxW + margin.gap), y: top, width: boxW, height: boxH }, options.logLoss ?? false));
  return finish(frame);
}

/** The points drawn: one row per run, split and epoch (accuracy in [0, 1]). */
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
  return { columns: ["run", "mode", "split", "epoch", "loss", "accuracy"], rows };
}
