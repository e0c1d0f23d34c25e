/**
 * The frame every figure is built in: an injected `document` (the page's in the browser,
 * linkedom's on the server), an `<svg>` with its size, viewBox, title, embedded style and
 * background (`openFigure`: the builder's defaults under the caller's options); helpers for
 * elements, axes (d3-axis, recoloured so nothing depends on `currentColor`), legends, notes, the
 * empty figure; and `finish`, which rounds the geometry to 2 decimals so that the same data gives
 * the same bytes (the snapshot tests rely on it). The plot area is ./plot, the marks ./marks.
 *
 * A figure is `fn(data, options, { document }) → SVGSVGElement`; `toSvgString` (./svg) turns one
 * into a standalone file. Marks carry classes and `data-*` attributes (`class="series"
 * data-series="bn"`, `class="threshold" data-threshold="0.01"`) for tests and Playwright.
 */
import * as d3 from "d3";
import { FONT_FAMILY, FONT_SIZE, themeColors, type Theme, type ThemeColors } from "./theme";

export const SVG_NS = "http://www.w3.org/2000/svg";

/** What a figure needs from its environment: the document that makes its elements. */
export interface RenderContext {
  document: Document;
}

/** Options every figure takes. */
export interface FigureOptions {
  /** Pixels (default per figure, e.g. 640). */
  width?: number;
  /** Pixels (default per figure). */
  height?: number;
  theme?: Theme;
  /** Replaces the figure's default title. */
  title?: string;
  /** A second line under the title (run id, checkpoint, …); some figures write one by default. */
  subtitle?: string;
  /** The accessible description (`<desc>`); default a sentence the figure writes. */
  description?: string;
  /**
   * What the figure was drawn with (threshold, epoch, sibling, …): appended to `<desc>` and kept
   * as JSON in the root's `data-parameters`, so a downloaded file records its own settings.
   */
  parameters?: Record<string, string | number | boolean | null>;
}

/** A figure's data as a table, ready for CSV (`columns` is the header row). */
export interface FigureTable {
  columns: string[];
  rows: (string | number)[][];
}

export type Attrs = Record<string, string | number | null | undefined>;

/** Creates an SVG element with attributes (null/undefined skipped) and appends it to `parent`. */
export function el<K extends keyof SVGElementTagNameMap>(doc: Document, tag: K, attrs: Attrs = {}, parent?: Element): SVGElementTagNameMap[K] {
  const node = doc.createElementNS(SVG_NS, tag) as SVGElementTagNameMap[K];
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

/** Rectangle in pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Frame {
  doc: Document;
  svg: SVGSVGElement;
  theme: ThemeColors;
  width: number;
  height: number;
  /** y below the title, subtitle (and legend, once `legend` is called). */
  top: number;
  /** Appends a `<text>`. */
  text(parent: Element, x: number, y: number, content: string, attrs?: Attrs): SVGTextElement;
}

/**
 * The embedded style: fonts, sizes and the colours of the fixed text roles. Every element also
 * carries its colour as an attribute (a series' label is in the series' colour), so there is no
 * rule for all `text` — a CSS rule would override those attributes.
 */
const STYLE_CLASSES = (t: ThemeColors, c: string) =>
  [
    `.${c}{font-family:${FONT_FAMILY};font-size:${FONT_SIZE.label}px}`,
    `.${c} .title{font-size:${FONT_SIZE.title}px;font-weight:600}`,
    `.${c} .subtitle,.${c} .note{fill:${t.muted};font-size:${FONT_SIZE.subtitle}px}`,
    `.${c} .axis text{fill:${t.muted};font-size:${FONT_SIZE.tick}px}`,
    `.${c} .axis-label{fill:${t.foreground};font-size:${FONT_SIZE.label}px}`,
    `.${c} .legend text{font-size:${FONT_SIZE.label}px}`,
    `.${c} .annotation{font-size:${FONT_SIZE.note}px}`,
  ].join("\n");

/** What a builder decides for itself; the caller's option of the same name replaces each. */
export interface FigureDefaults {
  width: number;
  height: number;
  title: string;
  subtitle?: string;
  description: string;
}

export interface FrameOptions extends FigureDefaults {
  parameters?: FigureOptions["parameters"];
  /** Figure name: the root gets `class="bnlab-chart bnlab-<kind>"` and `data-figure="<kind>"`. */
  kind: string;
  theme?: Theme;
}

/** The frame of a figure of `kind`: the caller's options over the builder's defaults. */
export function openFigure(ctx: RenderContext, kind: string, options: FigureOptions, defaults: FigureDefaults): Frame {
  return createFrame(ctx, {
    kind,
    width: options.width ?? defaults.width,
    height: options.height ?? defaults.height,
    theme: options.theme,
    title: options.title ?? defaults.title,
    subtitle: options.subtitle ?? defaults.subtitle,
    description: options.description ?? defaults.description,
    parameters: options.parameters,
  });
}

/**
 * The `<svg>` with size, viewBox, `<title>`, `<desc>`, the embedded style, the background and the
 * visible title (and subtitle). The style is scoped by the theme's class, so several figures of
 * either theme can sit inline on one page without restyling each other.
 */
export function createFrame(ctx: RenderContext, o: FrameOptions): Frame {
  if (!ctx || !ctx.document) throw new TypeError("a figure needs { document } (the page's, or linkedom's on the server)");
  const doc = ctx.document;
  const theme = themeColors(o.theme);
  const width = Math.round(o.width);
  const height = Math.round(o.height);
  if (!(width > 0 && height > 0)) throw new RangeError(`figure size must be positive, got ${o.width}×${o.height}`);
  const themeClass = `bnlab-${theme.name}`;
  const svg = el(doc, "svg", {
    xmlns: SVG_NS,
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    class: `bnlab-chart ${themeClass} bnlab-${o.kind}`,
    "data-figure": o.kind,
    "data-theme": theme.name,
    role: "img",
    "font-family": FONT_FAMILY,
    "font-size": FONT_SIZE.label,
  });
  el(doc, "title", {}, svg).textContent = o.title;
  const params = o.parameters && Object.keys(o.parameters).length ? o.parameters : null;
  const paramText = params ? ` Parameters: ${Object.entries(params).map(([k, v]) => `${k} ${v}`).join("; ")}.` : "";
  el(doc, "desc", {}, svg).textContent = `${o.description}${paramText}`;
  if (params) svg.setAttribute("data-parameters", JSON.stringify(params));
  el(doc, "style", {}, svg).textContent = STYLE_CLASSES(theme, themeClass);
  el(doc, "rect", { class: "background", x: 0, y: 0, width, height, fill: theme.background }, svg);

  const text = (parent: Element, x: number, y: number, content: string, attrs: Attrs = {}) => {
    const t = el(doc, "text", { x, y, fill: theme.foreground, ...attrs }, parent);
    t.textContent = content;
    return t;
  };
  const frame: Frame = { doc, svg, theme, width, height, top: 0, text };
  text(svg, 12, 22, o.title, { class: "title", "font-size": FONT_SIZE.title, "font-weight": 600 });
  frame.top = 30;
  if (o.subtitle) {
    const t = text(svg, 12, 40, o.subtitle, { class: "subtitle", fill: theme.muted, "font-size": FONT_SIZE.subtitle });
    const lines = wrapText(t, o.subtitle, 12, width - 24, FONT_SIZE.subtitle, 14);
    frame.top = 48 + (lines - 1) * 14;
  }
  return frame;
}

// ---- legend

export interface LegendItem {
  /** `data-series` of the entry (the same key as the marks it names). */
  key: string;
  label: string;
  color: string;
  /** line: a stroke; swatch: a filled square; outline: an unfilled square; dot: a circle. */
  symbol?: "line" | "swatch" | "outline" | "dot";
  dash?: string;
  /** Extra attributes of the entry's group (e.g. data-split). */
  attrs?: Attrs;
}

/** Rough width of a label in pixels (no text measurement in Node): ~0.6 em per character. */
export function textWidth(s: string, fontSize: number = FONT_SIZE.label): number {
  return s.length * fontSize * 0.6;
}

/**
 * A legend that flows left to right under the title, wrapping to new rows; moves `frame.top`
 * below itself. Each entry is `<g class="legend-item" data-series="key">`.
 */
export function legend(frame: Frame, items: readonly LegendItem[], opts: { title?: string } = {}): SVGGElement {
  const { doc, theme } = frame;
  const g = el(doc, "g", { class: "legend" }, frame.svg);
  const left = 12;
  const right = frame.width - 12;
  let x = left;
  let y = frame.top + 8;
  const rowH = 16;
  if (opts.title) {
    frame.text(g, x, y + 4, opts.title, { class: "legend-title", fill: theme.muted });
    x += textWidth(opts.title) + 10;
  }
  let rowLines = 1;
  for (const it of items) {
    const w = 22 + textWidth(it.label) + 14;
    if (x + w > right && x > left) {
      x = left;
      y += rowH * rowLines;
      rowLines = 1;
    }
    const item = el(doc, "g", { class: "legend-item", "data-series": it.key, transform: `translate(${x},${y})`, ...it.attrs }, g);
    const symbol = it.symbol ?? "line";
    if (symbol === "line") el(doc, "line", { x1: 0, x2: 16, y1: 0, y2: 0, stroke: it.color, "stroke-width": 2, "stroke-dasharray": it.dash }, item);
    else if (symbol === "dot") el(doc, "circle", { cx: 8, cy: 0, r: 4, fill: it.color }, item);
    else el(doc, "rect", { x: 3, y: -5, width: 10, height: 10, fill: symbol === "swatch" ? it.color : "none", stroke: it.color, "stroke-width": symbol === "outline" ? 1.5 : 0, "stroke-dasharray": it.dash }, item);
    // A label wider than the row wraps under itself (narrow figures), never past the edge.
    const lines = wrapText(frame.text(item, 22, 4, it.label), it.label, 22, right - x - 36, FONT_SIZE.label, rowH - 2);
    rowLines = Math.max(rowLines, lines);
    x += lines > 1 ? right - x : w;
  }
  frame.top = y + 14 + (rowLines - 1) * rowH;
  return g;
}

// ---- axes

export type AnyAxis = d3.Axis<d3.NumberValue> | d3.Axis<string>;

/**
 * Draws a d3 axis into a new `<g class="axis axis-{name}">` and recolours it (d3 writes
 * `currentColor`, which would follow the page's text colour); ticks at the exact scale positions.
 */
export function drawAxis(frame: Frame, parent: Element, axis: AnyAxis, name: string, transform: string): SVGGElement {
  const g = el(frame.doc, "g", { class: `axis axis-${name}`, "data-axis": name, transform }, parent);
  (axis as d3.Axis<d3.NumberValue>).offset(0);
  d3.select(g).call(axis as d3.Axis<d3.NumberValue>);
  g.removeAttribute("font-family");
  g.removeAttribute("font-size");
  g.setAttribute("font-size", String(FONT_SIZE.tick));
  recolor(g, frame.theme);
  return g;
}

function recolor(node: Element, theme: ThemeColors): void {
  for (const attr of ["stroke", "fill"]) {
    if (node.getAttribute(attr) === "currentColor") node.setAttribute(attr, node.localName === "text" ? theme.muted : theme.axis);
  }
  for (const child of Array.from(node.children)) recolor(child, theme);
}

/** Horizontal grid lines at the y values, across the plot. */
export function gridY(frame: Frame, parent: Element, ys: readonly number[], width: number): SVGGElement {
  const g = el(frame.doc, "g", { class: "grid grid-y" }, parent);
  for (const y of ys) el(frame.doc, "line", { x1: 0, x2: width, y1: y, y2: y, stroke: frame.theme.grid, "stroke-width": 1 }, g);
  return g;
}

/** An axis title: `axis-label` with `data-axis`; y labels are rotated. */
export function axisLabel(frame: Frame, parent: Element, axis: "x" | "y" | string, x: number, y: number, content: string, rotate = false): SVGTextElement {
  return frame.text(parent, x, y, content, {
    class: "axis-label",
    "data-axis": axis,
    "text-anchor": "middle",
    transform: rotate ? `rotate(-90,${x},${y})` : undefined,
  });
}

/** A muted line under the title and legend (what is left out, what a style means); moves `frame.top` below it. */
export function headerNote(frame: Frame, content: string, attrs: Attrs = {}): SVGTextElement {
  const t = frame.text(frame.svg, 12, frame.top + 12, content, { class: "note", fill: frame.theme.muted, ...attrs });
  frame.top += 16;
  return t;
}

export interface HeaderAnnotation {
  content: string;
  attrs?: Attrs;
  /** A small mark before the text: the series' swatch, or a short dashed rule for a threshold. */
  symbol?: { kind: "swatch" | "outline" | "rule"; color: string; dash?: string };
}

/**
 * Annotations of the plot (a threshold and what lies below it) set in a row above the plot,
 * wrapping like the legend, so they can never sit on a mark; text in the foreground colour for
 * contrast, the series named by its symbol. Moves `frame.top` below them.
 */
export function headerAnnotations(frame: Frame, items: readonly HeaderAnnotation[]): SVGGElement {
  const { doc, theme } = frame;
  const g = el(doc, "g", { class: "annotations" }, frame.svg);
  const left = 12;
  const right = frame.width - 12;
  const rowH = 14;
  let x = left;
  let y = frame.top + 12;
  let rowLines = 1;
  for (const it of items) {
    const sym = it.symbol ? 17 : 0;
    const w = sym + textWidth(it.content, FONT_SIZE.note) + 12;
    if (x + w > right && x > left) {
      x = left;
      y += rowH * rowLines;
      rowLines = 1;
    }
    if (it.symbol?.kind === "rule") el(doc, "line", { class: "annotation-symbol", x1: x, x2: x + 13, y1: y - 3.5, y2: y - 3.5, stroke: it.symbol.color, "stroke-width": 1.5, "stroke-dasharray": it.symbol.dash ?? "3 2" }, g);
    else if (it.symbol) el(doc, "rect", { class: "annotation-symbol", x, y: y - 8, width: 9, height: 9, fill: it.symbol.kind === "swatch" ? it.symbol.color : "none", stroke: it.symbol.color, "stroke-width": it.symbol.kind === "outline" ? 1.5 : 0, "stroke-dasharray": it.symbol.dash }, g);
    const t = frame.text(g, x + sym, y, it.content, { class: "annotation", fill: theme.foreground, "font-size": FONT_SIZE.note, ...it.attrs });
    const lines = wrapText(t, it.content, x + sym, right - x - sym - 12, FONT_SIZE.note, rowH);
    rowLines = Math.max(rowLines, lines);
    x += lines > 1 ? right - x : w;
  }
  frame.top = y + 8 + (rowLines - 1) * rowH;
  return g;
}

/** Words of `message` in lines no wider than `width` at `fontSize` (a word longer than a line gets a line of its own). */
export function wrapLines(message: string, width: number, fontSize: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of message.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, fontSize) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * Sets `t`'s text as the lines of `content` no wider than `width` (tspans at x, one line height
 * apart); its textContent stays `content`. Returns the number of lines.
 */
export function wrapText(t: SVGTextElement, content: string, x: number, width: number, fontSize: number, lineH: number): number {
  const lines = wrapLines(content, width, fontSize);
  if (lines.length <= 1) {
    t.textContent = content;
    return 1;
  }
  t.textContent = "";
  lines.forEach((l, i) => {
    el(t.ownerDocument, "tspan", { x, dy: i === 0 ? 0 : lineH }, t).textContent = i < lines.length - 1 ? `${l} ` : l;
  });
  return lines.length;
}

/** A centred message in an empty plot, wrapped to the plot's width (its text is the message, spaces kept). */
export function emptyMessage(frame: Frame, box: Box, message: string): SVGTextElement {
  const size = FONT_SIZE.subtitle;
  const lines = wrapLines(message, Math.max(80, box.width - 32), size);
  const lineH = size * 1.4;
  const cx = box.x + box.width / 2;
  const text = frame.text(frame.svg, cx, box.y + box.height / 2 - ((lines.length - 1) * lineH) / 2, "", { class: "empty note", fill: frame.theme.muted, "text-anchor": "middle" });
  const doc = text.ownerDocument;
  lines.forEach((l, i) => {
    el(doc, "tspan", { x: cx, dy: i === 0 ? 0 : lineH }, text).textContent = i < lines.length - 1 ? `${l} ` : l;
  });
  return text;
}

/** A figure with nothing to draw: the message centred in `box`, finished. */
export function emptyFigure(frame: Frame, box: Box, message: string): SVGSVGElement {
  emptyMessage(frame, box, message);
  return finish(frame);
}

/** The whole figure under its header (title, legend, notes). */
export function belowHeader(frame: Frame): Box {
  return { x: 0, y: frame.top, width: frame.width, height: frame.height - frame.top };
}

// ---- numbers

/** The threshold t on |γ| that figures mark unless told otherwise. */
export const DEFAULT_THRESHOLD = 0.01;

/** A figure's `threshold` option: default {@link DEFAULT_THRESHOLD}, null for none, else a positive number. */
export function thresholdOption(threshold: number | null | undefined): number | null {
  const t = threshold === undefined ? DEFAULT_THRESHOLD : threshold;
  if (t !== null && !(t > 0 && Number.isFinite(t))) throw new RangeError(`threshold must be a positive number, got ${t}`);
  return t;
}

/** Tick count that keeps labels apart: about one tick per `spacing` pixels. */
export function tickCount(pixels: number, spacing = 70): number {
  return Math.max(2, Math.floor(pixels / spacing));
}

export const formatPercent = (digits = 1) => (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(digits)}%` : "–");

/** A threshold or |γ| as people write it: 0.01, 1e-4, 0.25. */
export function formatValue(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e4) return String(Number(v.toPrecision(3)));
  const [m, e] = v.toExponential(2).split("e");
  return `${Number(m)}e${Number(e)}`;
}

/** Log-axis tick labels: powers of ten as 10⁻³, others blank (readable, no crowding). */
export function powerOfTenLabel(v: d3.NumberValue): string {
  const n = Number(v);
  if (!(n > 0)) return "";
  const e = Math.log10(n);
  const r = Math.round(e);
  if (Math.abs(e - r) > 1e-9) return "";
  if (r === 0) return "1";
  if (r === 1) return "10";
  return `10${superscript(r)}`;
}

const SUP: Record<string, string> = { "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹" };

export function superscript(n: number): string {
  return String(n)
    .split("")
    .map((c) => SUP[c] ?? c)
    .join("");
}

/** Rounds to 2 decimals, without "-0" or trailing zeros. */
export function round2(v: number): string {
  const r = Math.round(v * 100) / 100;
  return String(Object.is(r, -0) ? 0 : r);
}

/** Attributes whose numbers are geometry (rounded by `finish`); everything else is left alone. */
const GEOMETRY = new Set(["x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "width", "height", "d", "transform", "points", "dx", "dy", "stroke-width"]);
const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g;

function roundGeometry(node: Element): void {
  for (const name of node.getAttributeNames()) {
    if (!GEOMETRY.has(name)) continue;
    const v = node.getAttribute(name);
    if (v !== null) node.setAttribute(name, v.replace(NUMBER, (m) => round2(Number(m))));
  }
  for (const child of Array.from(node.children)) roundGeometry(child);
}

/** Last step of every figure: rounds geometry to 2 decimals so the output is stable byte for byte. */
export function finish(frame: Frame): SVGSVGElement {
  roundGeometry(frame.svg);
  return frame.svg;
}

/** `data-*` value of a list (run ids): space-separated. */
export function listAttr(values: readonly (string | number)[]): string {
  return values.join(" ");
}

/** Finite numbers only (for extents). */
export function finite(values: Iterable<number | null | undefined>): number[] {
  const out: number[] = [];
  for (const v of values) if (typeof v === "number" && Number.isFinite(v)) out.push(v);
  return out;
}
