/**
 * The figures of a run, a comparison and the depth/width page, as `FigureSpec`s built from plain
 * data: the page builds them in the browser as the threshold moves, the export routes build the
 * same specs on the server for SVG, PNG, CSV and zip downloads. The threshold arithmetic on the γ
 * the pages hold is lib/analysis/snapshot's.
 */
import { absValues, channelCount, fractionBelowOf, removedAt, type GammaSnapshot } from "../analysis/snapshot";
import type { DepthWidthOptions, DepthWidthPoint, GammaSeries, LayerFractionSeries, PruningCurveLike, Theme, TrainingRun } from "./index";
import type { FigureSpec } from "./figure-spec";
import { architectureName } from "../models/names";

export type { GammaSnapshot } from "../analysis/snapshot";

export interface RunInfo {
  id: string;
  mode: string;
  dataset: string;
  depth: number;
  width: number;
  seed: number;
  classes: number;
}

/** Everything the run page draws (and the export routes re-draw). */
export interface RunFigureData {
  run: RunInfo;
  metrics: TrainingRun["points"][number][];
  /** γ of the chosen checkpoint; null with `gammaError` when there is none or it is unreadable. */
  gamma: GammaSnapshot | null;
  gammaError: string | null;
  /** γ at epoch 0 (the initialisation), when that checkpoint exists and is not the chosen one. */
  init: GammaSnapshot | null;
  /** A run of another trainable mode with the same dataset, architecture and seed: its checkpoint at the chosen epoch, else its last. */
  sibling: GammaSnapshot | null;
  /** [smallest |γ| > 0, largest |γ|] over the run's checkpoints: the log axis, fixed as the epoch changes. */
  gammaAxis?: [number, number] | null;
  /** [lowest γ, highest γ] over the same checkpoints: the linear axis, fixed as the epoch changes. */
  gammaLinearAxis?: [number, number] | null;
}

export interface FigureState {
  threshold: number;
  theme?: Theme;
}

// ---- specs

const MODE_LABEL = (g: GammaSnapshot, what: string) => `${g.mode} (${what})`;

function gammaSeries(g: GammaSnapshot, label: string, scale: "log" | "linear", threshold: number): GammaSeries {
  const base = { key: g.runId, label, mode: g.mode };
  if (scale === "log") return { ...base, values: absValues(g) };
  return { ...base, histogram: g.histogram, fractionBelow: fractionBelowOf(g, threshold).fraction };
}

function fixedAxis(range: [number, number] | null | undefined): [number, number][] | undefined {
  return range ? [range] : undefined;
}

function ghostSeries(g: GammaSnapshot, scale: "log" | "linear", threshold: number): GammaSeries {
  const s = gammaSeries(g, "epoch 0", scale, threshold);
  return { ...s, key: "init", mode: undefined };
}

export const RUN_FIGURES = ["training-curves", "gamma-heatmap", "gamma-histogram-log", "gamma-histogram-linear", "layer-fraction", "removed-per-layer"] as const;
export type RunFigureName = (typeof RUN_FIGURES)[number] | "pruning-curve";

export const FIGURE_TITLES: Record<RunFigureName, string> = {
  "training-curves": "Loss and accuracy",
  "gamma-heatmap": "|γ| per BN layer",
  "gamma-histogram-log": "|γ| histogram (log)",
  "gamma-histogram-linear": "γ histogram (linear)",
  "layer-fraction": "Fraction below t per layer",
  "removed-per-layer": "Channels removed per layer",
  "pruning-curve": "Accuracy vs channels pruned",
};

function subtitle(data: RunFigureData): string {
  const r = data.run;
  return `${r.id}${data.gamma ? ` · epoch ${data.gamma.epoch}` : ""}`;
}

/** A figure of the run page; null when the run lacks what it draws (no metrics, no γ). */
export function runFigureSpec(name: (typeof RUN_FIGURES)[number], data: RunFigureData, state: FigureState): FigureSpec | null {
  const theme = state.theme;
  const t = state.threshold;
  const g = data.gamma;
  switch (name) {
    case "training-curves":
      if (data.metrics.length === 0) return null;
      return {
        kind: "training-curves",
        data: { id: data.run.id, label: data.run.id, mode: data.run.mode, points: data.metrics },
        options: { theme, title: `Training curves — ${data.run.mode}, ${architectureName(data.run)}`, subtitle: data.run.id },
      };
    case "gamma-heatmap":
      if (!g) return null;
      // Rows tall enough to read in a shallow network, 8 px each in a deep one.
      return { kind: "gamma-heatmap", data: g.layers, options: { theme, threshold: t, subtitle: subtitle(data), rowHeight: Math.max(8, Math.min(22, Math.floor(240 / Math.max(1, g.layers.length)))) } };
    case "gamma-histogram-log":
    case "gamma-histogram-linear": {
      if (!g) return null;
      const scale = name === "gamma-histogram-log" ? "log" : "linear";
      const series = [gammaSeries(g, MODE_LABEL(g, "this run"), scale, t)];
      if (data.sibling) series.push(gammaSeries(data.sibling, MODE_LABEL(data.sibling, `sibling, epoch ${data.sibling.epoch}`), scale, t));
      return {
        kind: "gamma-histogram",
        data: { series, ghost: data.init ? ghostSeries(data.init, scale, t) : undefined },
        options: { theme, scale, threshold: t, subtitle: subtitle(data), axisValues: fixedAxis(scale === "log" ? data.gammaAxis : data.gammaLinearAxis), yScale: data.sibling && channelCount(data.sibling) !== channelCount(g) ? "fraction" : "count" },
      };
    }
    case "layer-fraction": {
      if (!g) return null;
      const series: LayerFractionSeries[] = [{ key: g.runId, label: MODE_LABEL(g, "this run"), mode: g.mode, data: fractionBelowOf(g, t) }];
      if (data.sibling) series.push({ key: data.sibling.runId, label: MODE_LABEL(data.sibling, "sibling"), mode: data.sibling.mode, data: fractionBelowOf(data.sibling, t) });
      return { kind: "layer-fraction-bars", data: series, options: { theme, subtitle: subtitle(data) } };
    }
    case "removed-per-layer":
      if (!g) return null;
      return { kind: "removed-per-layer", data: removedAt(g, t), options: { theme } };
  }
}

/** The pruning curve with a marker at the fraction removed by t (and the measured accuracy there, when known). */
export function pruningCurveSpec(curve: PruningCurveLike, data: Pick<RunFigureData, "run" | "gamma">, state: FigureState & { accuracy?: number | null }): FigureSpec {
  const removed = data.gamma ? removedAt(data.gamma, state.threshold) : null;
  // Where the curve measured the very channel count t removes, its random masks are the random value at t (no interpolation).
  const same = removed ? curve.points.find((p) => p.removed === removed.removed && p.total === removed.total) : undefined;
  return {
    kind: "pruning-curve",
    data: curve,
    options: {
      theme: state.theme,
      subtitle: `${data.run.id}${data.gamma ? ` · epoch ${data.gamma.epoch}` : ""}${curve.count ? ` · ${curve.count} test images` : ""}`,
      chance: data.run.classes > 0 ? 1 / data.run.classes : null,
      marker: removed && removed.total ? { fraction: removed.removed / removed.total, threshold: state.threshold, accuracy: state.accuracy ?? same?.gamma.accuracy, random: same?.random } : null,
    },
  };
}

// ---- comparison

export interface CompareRun {
  run: RunInfo;
  metrics: TrainingRun["points"][number][];
  gamma: GammaSnapshot | null;
}

export const COMPARE_FIGURES = ["training-curves", "gamma-histogram", "layer-fraction"] as const;
export type CompareFigureName = (typeof COMPARE_FIGURES)[number];

/** Short legend label of a run among others: what differs is usually mode, depth, width or seed. */
export function runLabel(r: RunInfo): string {
  return `${r.mode} · R${r.depth}×${r.width} · s${r.seed}${r.dataset ? ` · ${r.dataset}` : ""}`;
}

export function compareFigureSpec(name: CompareFigureName, runs: CompareRun[], state: FigureState): FigureSpec | null {
  const theme = state.theme;
  const sub = `${runs.length} runs`;
  switch (name) {
    case "training-curves": {
      const withMetrics = runs.filter((r) => r.metrics.length > 0);
      if (withMetrics.length === 0) return null;
      return { kind: "training-curves", data: withMetrics.map((r) => ({ id: r.run.id, label: runLabel(r.run), mode: r.run.mode, points: r.metrics })), options: { theme, subtitle: sub } };
    }
    case "gamma-histogram": {
      const withGamma = runs.filter((r) => r.gamma);
      if (withGamma.length === 0) return null;
      return {
        kind: "gamma-histogram",
        data: { series: withGamma.map((r, i) => ({ key: r.run.id, label: runLabel(r.run), mode: withGamma.some((o, j) => j !== i && o.run.mode === r.run.mode) ? undefined : r.run.mode, values: absValues(r.gamma!) })) },
        options: { theme, scale: "log", threshold: state.threshold, yScale: "fraction", subtitle: sub },
      };
    }
    case "layer-fraction": {
      const withGamma = runs.filter((r) => r.gamma);
      if (withGamma.length === 0) return null;
      return {
        kind: "layer-fraction-bars",
        data: withGamma.map((r, i) => ({ key: r.run.id, label: runLabel(r.run), mode: withGamma.some((o, j) => j !== i && o.run.mode === r.run.mode) ? undefined : r.run.mode, data: fractionBelowOf(r.gamma!, state.threshold) })),
        options: { theme, subtitle: sub },
      };
    }
  }
}

// ---- depth and width

export interface DepthWidthState {
  family: "resnet" | "wide";
  x: NonNullable<DepthWidthOptions["x"]>;
  metric: "final" | "best";
  dataset?: string;
  theme?: Theme;
}

export function depthWidthSpec(rows: DepthWidthPoint[], s: DepthWidthState): FigureSpec {
  return { kind: "depth-width", data: rows, options: { theme: s.theme, family: s.family, x: s.x, metric: s.metric, dataset: s.dataset } };
}
