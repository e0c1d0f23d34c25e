/**
 * A figure as data: `FigureSpec` names one of lib/charts' builders with its data and options, all
 * plain JSON, so the same spec renders in the browser (the page's `document`) and on the server
 * (linkedom's, for SVG/PNG downloads), and gives the CSV of exactly the numbers drawn (the
 * builder's `…Table`). Nothing here touches Node or the DOM of a particular environment; the
 * server's side (linkedom, PNG, CSV files, zips) is lib/server/render.
 */
import {
  depthWidth,
  depthWidthTable,
  gammaHeatmap,
  gammaHeatmapTable,
  gammaHistogram,
  gammaHistogramTable,
  layerFractionBars,
  layerFractionBarsTable,
  pruningCurve,
  pruningCurveTable,
  removedPerLayer,
  removedPerLayerTable,
  toSvgString,
  trainingCurves,
  trainingCurvesTable,
  type DepthWidthOptions,
  type DepthWidthPoint,
  type FigureTable,
  type GammaHeatmapOptions,
  type GammaHistogramData,
  type GammaHistogramOptions,
  type HeatmapLayer,
  type LayerBarsOptions,
  type LayerFractionSeries,
  type PruningCurveLike,
  type PruningCurveOptions,
  type RemovedLike,
  type RenderContext,
  type Theme,
  type TrainingCurvesOptions,
  type TrainingRun,
} from "./index";

export type FigureSpec =
  | { kind: "training-curves"; data: TrainingRun | TrainingRun[]; options: TrainingCurvesOptions }
  | { kind: "gamma-histogram"; data: GammaHistogramData; options: GammaHistogramOptions }
  | { kind: "gamma-heatmap"; data: HeatmapLayer[]; options: GammaHeatmapOptions }
  | { kind: "layer-fraction-bars"; data: LayerFractionSeries[]; options: LayerBarsOptions }
  | { kind: "removed-per-layer"; data: RemovedLike; options: LayerBarsOptions }
  | { kind: "pruning-curve"; data: PruningCurveLike; options: PruningCurveOptions }
  | { kind: "depth-width"; data: DepthWidthPoint[]; options: DepthWidthOptions };

export type FigureKind = FigureSpec["kind"];

/** The spec with its size and theme replaced (the page fits a figure to its column and theme). */
export function withLayout<S extends FigureSpec>(spec: S, layout: { width?: number; height?: number; theme?: Theme }): S {
  const options = { ...spec.options } as S["options"];
  if (layout.width !== undefined) options.width = Math.round(layout.width);
  if (layout.height !== undefined) options.height = Math.round(layout.height);
  if (layout.theme !== undefined) options.theme = layout.theme;
  return { ...spec, options } as S;
}

/** Draws the figure with the builder its kind names. */
export function renderFigure(spec: FigureSpec, ctx: RenderContext): SVGSVGElement {
  switch (spec.kind) {
    case "training-curves":
      return trainingCurves(spec.data, spec.options, ctx);
    case "gamma-histogram":
      return gammaHistogram(spec.data, spec.options, ctx);
    case "gamma-heatmap":
      return gammaHeatmap(spec.data, spec.options, ctx);
    case "layer-fraction-bars":
      return layerFractionBars(spec.data, spec.options, ctx);
    case "removed-per-layer":
      return removedPerLayer(spec.data, spec.options, ctx);
    case "pruning-curve":
      return pruningCurve(spec.data, spec.options, ctx);
    case "depth-width":
      return depthWidth(spec.data, spec.options, ctx);
  }
}

/** The numbers drawn, as the builder's table gives them. */
export function figureTable(spec: FigureSpec): FigureTable {
  switch (spec.kind) {
    case "training-curves":
      return trainingCurvesTable(spec.data, spec.options);
    case "gamma-histogram":
      return gammaHistogramTable(spec.data, spec.options);
    case "gamma-heatmap":
      return gammaHeatmapTable(spec.data, spec.options);
    case "layer-fraction-bars":
      return layerFractionBarsTable(spec.data);
    case "removed-per-layer":
      return removedPerLayerTable(spec.data);
    case "pruning-curve":
      return pruningCurveTable(spec.data);
    case "depth-width":
      return depthWidthTable(spec.data, spec.options);
  }
}

/** The figure as a standalone .svg file. */
export function figureSvg(spec: FigureSpec, ctx: RenderContext): string {
  return toSvgString(renderFigure(spec, ctx));
}
