/**
 * The marks several charts share, after Observable Plot: a mark is a function of data and typed
 * options that appends its SVG to a parent (the plot's `<g>` or a group in it) and returns it.
 * Positions are the parent's pixels (the caller applies its scales); `attrs` adds the classes'
 * companions, the `data-*` attributes tests and pages select on.
 */
import * as d3 from "d3";
import { el, type Attrs } from "./core";
import type { Plot } from "./plot";

export interface LineOptions<T> {
  x: (d: T) => number;
  y: (d: T) => number;
  /** Points where this is false break the line. */
  defined?: (d: T) => boolean;
  stroke: string;
  /** Default 2. */
  strokeWidth?: number;
  dash?: string;
  attrs?: Attrs;
}

/** A series as a line: `path.series.line`, unfilled. */
export function lineMark<T>(plot: Plot, parent: Element, data: readonly T[], o: LineOptions<T>): SVGPathElement {
  const line = d3.line<T>().x(o.x).y(o.y);
  if (o.defined) line.defined(o.defined);
  return el(plot.frame.doc, "path", { class: "series line", d: line(data) ?? "", fill: "none", stroke: o.stroke, "stroke-width": o.strokeWidth ?? 2, "stroke-dasharray": o.dash, ...o.attrs }, parent);
}

export interface BandOptions<T> {
  x: (d: T) => number;
  y0: (d: T) => number;
  y1: (d: T) => number;
  fill: string;
  opacity: number;
  attrs?: Attrs;
}

/** An interval around a series (a confidence interval, ± sd): `path.band`, filled, translucent. */
export function bandMark<T>(plot: Plot, parent: Element, data: readonly T[], o: BandOptions<T>): SVGPathElement {
  const area = d3.area<T>().x(o.x).y0(o.y0).y1(o.y1);
  return el(plot.frame.doc, "path", { class: "band", d: area(data) ?? "", fill: o.fill, "fill-opacity": o.opacity, ...o.attrs }, parent);
}

export interface DotOptions {
  /** Default "point". */
  class?: string;
  r: number;
  fill: string;
  /** Width of an outline in the background colour that sets the dot off the line under it. */
  halo?: number;
  attrs?: Attrs;
}

/** A point at (cx, cy). */
export function dotMark(plot: Plot, parent: Element, cx: number, cy: number, o: DotOptions): SVGCircleElement {
  const halo = o.halo === undefined ? {} : { stroke: plot.frame.theme.background, "stroke-width": o.halo };
  return el(plot.frame.doc, "circle", { class: o.class ?? "point", cx, cy, r: o.r, fill: o.fill, ...halo, ...o.attrs }, parent);
}

export interface RuleOptions {
  class: string;
  /** Default the theme's threshold colour, 1.5 px, dashed "5 3": a threshold or a current value. */
  stroke?: string;
  strokeWidth?: number;
  dash?: string;
  attrs?: Attrs;
}

function ruleStyle(plot: Plot, o: RuleOptions): Attrs {
  return { class: o.class, stroke: o.stroke ?? plot.frame.theme.threshold, "stroke-width": o.strokeWidth ?? 1.5, "stroke-dasharray": o.dash ?? "5 3", ...o.attrs };
}

/** A vertical line at x from the top of the plot to its bottom. */
export function ruleX(plot: Plot, parent: Element, x: number, o: RuleOptions): SVGLineElement {
  return el(plot.frame.doc, "line", { x1: x, x2: x, y1: 0, y2: plot.height, ...ruleStyle(plot, o) }, parent);
}

/** A horizontal line at y across the plot. */
export function ruleY(plot: Plot, parent: Element, y: number, o: RuleOptions): SVGLineElement {
  return el(plot.frame.doc, "line", { x1: 0, x2: plot.width, y1: y, y2: y, ...ruleStyle(plot, o) }, parent);
}

export interface BarOptions {
  /** Default "bar". */
  class?: string;
  x: number;
  width: number;
  /** The top of the bar (the scaled value); it stands on the bottom of the plot. */
  top: number;
  fill: string;
  attrs?: Attrs;
}

/** A bar from the plot's bottom up to `top`. */
export function barMark(plot: Plot, parent: Element, o: BarOptions): SVGRectElement {
  return el(plot.frame.doc, "rect", { class: o.class ?? "bar", x: o.x, y: o.top, width: o.width, height: plot.height - o.top, fill: o.fill, ...o.attrs }, parent);
}

/** Where a label beside a vertical line goes: right of it in the left part of the plot, else left of it. */
export function besideX(plot: { width: number }, x: number, gap: number, flipAt: number): { x: number; anchor: "start" | "end" } {
  const right = x < plot.width * flipAt;
  return { x: right ? x + gap : x - gap, anchor: right ? "start" : "end" };
}
