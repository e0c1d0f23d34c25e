/**
 * The plot area every chart draws in (Observable Plot's frame, in small): margins around a box
 * under the figure's header, a `<g>` translated to that box so marks draw in plot pixels, grid
 * lines at the y scale's ticks, and a bottom x axis and a left y axis with their titles. A builder
 * states only its margins, scales, tick formats and axis titles.
 */
import type * as d3 from "d3";
import { axisLabel, drawAxis, el, gridY, tickCount, type AnyAxis, type Attrs, type Box, type Frame } from "./core";

/** Pixels around the plot; `top` is counted from the bottom of the header (`frame.top`). */
export interface Margins {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The box inside the margins of the whole figure. */
export function plotBox(frame: Frame, m: Margins): Box {
  const y = frame.top + m.top;
  return { x: m.left, y, width: frame.width - m.left - m.right, height: frame.height - y - m.bottom };
}

/** A box with its `<g>`: marks appended to `g` are positioned in the box's own pixels. */
export interface Plot extends Box {
  frame: Frame;
  g: SVGGElement;
}

/** The plot's `<g>` (by default `class="plot"`), translated to the box. */
export function plotArea(frame: Frame, box: Box, attrs: Attrs = { class: "plot" }): Plot {
  const g = el(frame.doc, "g", { ...attrs, transform: `translate(${box.x},${box.y})` }, frame.svg);
  return { ...box, frame, g };
}

/** Ticks on a y axis: about one per 45 pixels of the plot's height (the grid uses the same). */
export function yTickCount(plot: Box): number {
  return tickCount(plot.height, 45);
}

/** Horizontal grid lines at the y scale's ticks, across the plot. */
export function gridLines(plot: Plot, y: d3.ScaleContinuousNumeric<number, number>): SVGGElement {
  return gridY(plot.frame, plot.g, y.ticks(yTickCount(plot)).map((t) => y(t)), plot.width);
}

export interface AxisSpec {
  /** The d3 axis (scale, ticks, format); a y axis without one draws only its title. */
  axis?: AnyAxis;
  /** The axis title (what is measured, in which unit). */
  label: string;
  /** x: the title's baseline below the plot; y: the title's centre left of the plot (pixels). */
  labelOffset: number;
  /** x only: the title's centre (default the middle of the plot). */
  labelAt?: number;
  /** `data-scale` of the axis group ("log"). */
  scale?: string;
}

/** The bottom x axis and the left y axis, then their titles (the y title rotated). */
export function axes(plot: Plot, x: AxisSpec & { axis: AnyAxis }, y: AxisSpec): { x: SVGGElement; y: SVGGElement | null } {
  const { frame, g } = plot;
  const xg = drawAxis(frame, g, x.axis, "x", `translate(0,${plot.height})`);
  const yg = y.axis ? drawAxis(frame, g, y.axis, "y", "translate(0,0)") : null;
  for (const [node, spec] of [[xg, x], [yg, y]] as const) if (node && spec.scale) node.setAttribute("data-scale", spec.scale);
  axisLabel(frame, g, "x", x.labelAt ?? plot.width / 2, plot.height + x.labelOffset, x.label);
  axisLabel(frame, g, "y", -y.labelOffset, plot.height / 2, y.label, true);
  return { x: xg, y: yg };
}
