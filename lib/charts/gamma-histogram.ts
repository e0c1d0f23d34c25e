/**
 * Histogram of γ (linear axis) or of |γ| (log10 axis). On the log axis exact zeros have no place,
 * so they get their own bar in a band left of the axis, labelled "0". A threshold line (`threshold`)
 * with the fraction of channels below it printed per series: |γ| < t, compared in float32 like
 * lib/analysis (`|γ| < Math.fround(t)`), so the number matches `fractionBelow`. On the linear axis
 * the threshold is drawn at ±t.
 *
 * Series: the first is drawn as filled bars; further series (a sibling run of another trainable
 * mode, or several runs on the compare page) as translucent step outlines; the optional `ghost`
 * (γ at epoch 0, the initialisation) as a dashed outline. A series gives either raw `values`
 * (binned here on edges shared by all series, so they compare bin for bin) or a precomputed
 * `histogram` (the API's `histograms.gamma` / `histograms.absGamma`). A lone precomputed histogram
 * is drawn on its own edges; beside other series it is re-binned onto the figure's shared edges
 * (its counts spread evenly within its own bins, noted in the header and the table's `binning`
 * column), so bars of different widths never stand side by side. Without values the fraction
 * below t is interpolated inside the bin, printed with "≈", unless `fractionBelow` is given.
 *
 * Marks: `rect.bar[data-series]` (one per bin of the first series), `path.series.overlay`,
 * `path.ghost`, `rect.zero-bar[data-series]`, `line.threshold[data-threshold]`,
 * `text.fraction-below[data-series][data-fraction]`.
 */
import * as d3 from "d3";
import type { Histogram, LogHistogram } from "../analysis/stats";
import {
  el,
  emptyFigure,
  finish,
  formatPercent,
  formatValue,
  headerAnnotations,
  headerNote,
  legend,
  openFigure,
  powerOfTenLabel,
  thresholdOption,
  tickCount,
  type FigureOptions,
  type FigureTable,
  type Frame,
  type HeaderAnnotation,
  type LegendItem,
  type RenderContext,
} from "./core";
import { barMark, ruleX } from "./marks";
import { axes, gridLines, plotArea, plotBox, yTickCount } from "./plot";
import { seriesColor, type SeriesIdentity } from "./theme";

export interface GammaSeries extends SeriesIdentity {
  /** Raw γ (signed, e.g. `GammaSet.gamma`, or the concatenated `absGammaSorted` of the API's layers). */
  values?: ArrayLike<number>;
  /** A precomputed histogram: linear bins of γ for `scale: "linear"`, log bins of |γ| (with zeros) for "log". */
  histogram?: Histogram | LogHistogram;
  /** The exact fraction with |γ| < threshold when known (e.g. the API's `fractionBelow.fraction`). */
  fractionBelow?: number;
}

export interface GammaHistogramData {
  /** The run's γ first; then overlays. */
  series: GammaSeries | readonly GammaSeries[];
  /** γ at initialisation (epoch 0), drawn as a dashed outline. */
  ghost?: GammaSeries;
}

export interface GammaHistogramOptions extends FigureOptions {
  /** "log": |γ| on a log10 axis with a zero bar (default); "linear": γ. */
  scale?: "log" | "linear";
  /** Threshold t on |γ| (default 0.01); null for none. */
  threshold?: number | null;
  /** Bins for raw values (default 30; on the log axis rounded to a whole number per decade, so powers of ten are edges). */
  bins?: number;
  /** Axis range for raw values ([lo, hi], positive for "log"); values outside are counted and noted. */
  domain?: readonly [number, number];
  /**
   * Values that widen the axis without being drawn (γ of every checkpoint of the run), so the
   * axis, and the bins, stay the same as the viewer steps through epochs.
   */
  axisValues?: readonly ArrayLike<number>[];
  /** Bar heights as counts (default) or as fractions of each series' channels (runs of different sizes). */
  yScale?: "count" | "fraction";
}

interface Binned {
  key: string;
  label: string;
  color: string;
  role: "primary" | "overlay" | "ghost";
  edges: number[];
  counts: number[];
  zeros: number;
  underflow: number;
  overflow: number;
  total: number;
  /** Fraction with |γ| < t; null without a threshold. */
  below: number | null;
  /** The fraction was interpolated from bins. */
  approximate: boolean;
  /** A precomputed histogram spread onto the figure's shared edges (counts approximate). */
  rebinned: boolean;
}

function seriesList(data: GammaHistogramData): GammaSeries[] {
  const s = data.series;
  return Array.isArray(s) ? [...(s as readonly GammaSeries[])] : [s as GammaSeries];
}

/** [lo, hi] over every series: the raw values (|γ| > 0 on the log axis) and the precomputed histograms' outer edges. */
function extentOf(raws: ArrayLike<number>[], hists: Histogram[], scale: "log" | "linear"): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const values of raws) {
    for (let i = 0; i < values.length; i++) {
      const v = scale === "log" ? Math.abs(values[i]) : values[i];
      if (!Number.isFinite(v)) throw new RangeError(`γ value ${i} is ${values[i]}; histograms need finite values`);
      if (scale === "log" && v === 0) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  for (const h of hists) {
    if (h.edges.length < 2) continue;
    lo = Math.min(lo, h.edges[0]);
    hi = Math.max(hi, h.edges[h.edges.length - 1]);
  }
  return lo === Infinity ? null : [lo, hi];
}

/** Edges shared by every series of a figure (whole decades on the log axis, nice numbers on the linear one). */
function sharedEdges(extent: [number, number] | null, scale: "log" | "linear", bins: number, domain?: readonly [number, number]): number[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  let [lo, hi] = domain ?? extent ?? (scale === "log" ? [0.1, 1] : [0, 1]);
  if (scale === "log") {
    if (!(lo > 0 && hi >= lo)) throw new RangeError(`log histogram domain must be positive, got [${lo}, ${hi}]`);
    const a = domain ? Math.log10(lo) : Math.floor(Math.log10(lo));
    let b = domain ? Math.log10(hi) : Math.ceil(Math.log10(hi));
    if (b <= a) b = a + 1;
    const perDecade = Math.min(20, Math.max(1, Math.round(bins / (b - a))));
    const n = Math.max(1, Math.round((b - a) * perDecade));
    return Array.from({ length: n + 1 }, (_, i) => Number((10 ** (a + ((b - a) * i) / n)).toPrecision(12)));
  }
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  if (!domain) [lo, hi] = d3.scaleLinear().domain([lo, hi]).nice(bins).domain() as [number, number];
  return Array.from({ length: bins + 1 }, (_, i) => Number((lo + ((hi - lo) * i) / bins).toPrecision(12)));
}

const sameEdges = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((e, i) => e === b[i]);

/**
 * A precomputed histogram moved onto other edges: each bin's count is spread evenly (in the axis'
 * own coordinate, log10 on the log axis) over the target bins it overlaps, so counts may be
 * fractional; mass outside the target range goes to under- or overflow.
 */
function rebin(h: Histogram | LogHistogram, edges: number[], scale: "log" | "linear"): Omit<Binned, "key" | "label" | "color" | "role" | "below" | "approximate" | "rebinned"> {
  const pos = (v: number) => (scale === "log" ? Math.log10(v) : v);
  const n = edges.length - 1;
  const counts = new Array<number>(n).fill(0);
  let underflow = h.underflow;
  let overflow = h.overflow;
  const [first, last] = [pos(edges[0]), pos(edges[n])];
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i];
    if (c === 0) continue;
    const [a, b] = [pos(h.edges[i]), pos(h.edges[i + 1])];
    const span = b - a;
    const share = (lo: number, hi: number) => (span > 0 ? Math.max(0, Math.min(b, hi) - Math.max(a, lo)) / span : a >= lo && a <= hi ? 1 : 0);
    underflow += c * share(-Infinity, first);
    overflow += c * share(last, Infinity);
    for (let j = 0; j < n; j++) counts[j] += c * share(pos(edges[j]), pos(edges[j + 1]));
  }
  const tidy = (v: number) => Number(v.toPrecision(12));
  return { edges, counts: counts.map(tidy), zeros: "zeros" in h ? h.zeros : 0, underflow: tidy(underflow), overflow: tidy(overflow), total: h.total };
}

function binValues(values: ArrayLike<number>, edges: number[], scale: "log" | "linear"): Omit<Binned, "key" | "label" | "color" | "role" | "below" | "approximate" | "rebinned"> {
  const n = edges.length - 1;
  const counts = new Array<number>(n).fill(0);
  let zeros = 0;
  let underflow = 0;
  let overflow = 0;
  for (let i = 0; i < values.length; i++) {
    const v = scale === "log" ? Math.abs(values[i]) : values[i];
    if (scale === "log" && v === 0) {
      zeros++;
      continue;
    }
    if (v < edges[0]) underflow++;
    else if (v > edges[n]) overflow++;
    else counts[Math.min(n - 1, d3.bisectRight(edges, v) - 1)]++;
  }
  return { edges, counts, zeros, underflow, overflow, total: values.length };
}

function exactBelow(values: ArrayLike<number>, t: number): number {
  const t32 = Math.fround(t);
  let c = 0;
  for (let i = 0; i < values.length; i++) if (Math.abs(values[i]) < t32) c++;
  return values.length ? c / values.length : NaN;
}

/** Fraction of |γ| < t estimated from bins: whole bins below, and the overlap of a partial bin (log- or linearly interpolated). */
function binnedBelow(b: Omit<Binned, "below" | "approximate" | "rebinned" | "key" | "label" | "color" | "role">, t: number, scale: "log" | "linear"): number {
  if (b.total === 0) return NaN;
  let c = scale === "log" ? b.zeros + (t >= b.edges[0] ? b.underflow : 0) : 0;
  const pos = (v: number) => (scale === "log" ? Math.log10(v) : v);
  const [from, to] = scale === "log" ? [0, t] : [-t, t];
  for (let i = 0; i < b.counts.length; i++) {
    const lo = b.edges[i];
    const hi = b.edges[i + 1];
    const a = Math.max(lo, from);
    const z = Math.min(hi, to);
    if (z <= a || b.counts[i] === 0) continue;
    const share = scale === "log" ? (pos(z) - pos(Math.max(a, lo))) / (pos(hi) - pos(lo)) : (z - a) / (hi - lo);
    c += b.counts[i] * Math.min(1, Math.max(0, share));
  }
  return c / b.total;
}

/** A series' name in the legend and beside the threshold: the ghost is marked as the initialisation. */
function legendLabel(b: Binned): string {
  return b.role === "ghost" ? `${b.label} (init)` : b.label;
}

interface Prepared {
  scale: "log" | "linear";
  threshold: number | null;
  binned: Binned[];
}

function prepare(data: GammaHistogramData, options: GammaHistogramOptions): Prepared {
  const scale = options.scale ?? "log";
  const threshold = thresholdOption(options.threshold);
  const theme = options.theme ?? "light";
  const list = seriesList(data);
  const entries: { s: GammaSeries; role: Binned["role"]; color: string }[] = list.map((s, i) => ({ s, role: i === 0 ? "primary" : "overlay", color: seriesColor(s, i, theme) }));
  if (data.ghost) entries.push({ s: data.ghost, role: "ghost", color: data.ghost.color ?? (theme === "dark" ? "#c9d1d9" : "#57606a") });
  for (const { s } of entries) {
    if (!s.values && !s.histogram) throw new RangeError(`γ series "${s.key}" has neither values nor a histogram`);
    if (!s.values && s.histogram && scale === "log" && !("zeros" in s.histogram)) throw new RangeError(`γ series "${s.key}": the log scale needs a log histogram of |γ| (with zeros), e.g. the API's histograms.absGamma`);
  }
  const raw = entries.filter((e) => e.s.values).map((e) => e.s.values!);
  const hists = entries.filter((e) => !e.s.values).map((e) => e.s.histogram!);
  // One set of edges for the whole figure, so series compare bin for bin; a lone precomputed
  // histogram (or several on identical edges) keeps its own, exact, bins.
  const ownEdges = raw.length === 0 && hists.every((h) => sameEdges(h.edges, hists[0].edges)) && !options.domain && !options.axisValues?.length;
  const edges = ownEdges ? [...hists[0].edges] : sharedEdges(extentOf([...raw, ...(options.axisValues ?? [])], hists, scale), scale, options.bins ?? Math.max(30, ...hists.map((h) => h.counts.length)), options.domain);
  const binned = entries.map(({ s, role, color }): Binned => {
    const h = s.histogram;
    const rebinned = !s.values && !sameEdges(h!.edges, edges);
    const b = s.values
      ? binValues(s.values, edges, scale)
      : rebinned
        ? rebin(h!, edges, scale)
        : { edges, counts: [...h!.counts], zeros: "zeros" in h! ? (h as LogHistogram).zeros : 0, underflow: h!.underflow, overflow: h!.overflow, total: h!.total };
    let below: number | null = null;
    let approximate = false;
    if (threshold !== null) {
      if (s.fractionBelow !== undefined) below = s.fractionBelow;
      else if (s.values) below = exactBelow(s.values, threshold);
      else {
        below = binnedBelow(b, threshold, scale);
        approximate = true;
      }
    }
    return { key: s.key, label: s.label ?? s.key, color, role, ...b, below, approximate, rebinned };
  });
  return { scale, threshold, binned };
}

/** Where the threshold is drawn: t on the |γ| axis, ±t on the γ axis. */
function thresholdPositions(scale: "log" | "linear", threshold: number): number[] {
  return scale === "log" ? [threshold] : [-threshold, threshold];
}

/** "|γ| < t" and each series' fraction below, in a row above the plot. */
function thresholdAnnotations(frame: Frame, binned: Binned[], scale: "log" | "linear", threshold: number): void {
  const edges = binned.flatMap((b) => (b.edges.length ? [b.edges[0], b.edges[b.edges.length - 1]] : []));
  const [lo, hi] = [d3.min(edges) ?? 0, d3.max(edges) ?? 1];
  const inRange = thresholdPositions(scale, threshold).some((p) => p >= lo && p <= hi);
  const items: HeaderAnnotation[] = [
    { content: `|γ| < ${formatValue(threshold)}${inRange ? "" : " (off axis)"}`, symbol: { kind: "rule", color: frame.theme.threshold }, attrs: { class: "threshold-label annotation", "font-weight": 600 } },
    ...binned.map((b): HeaderAnnotation => {
      const f = b.below ?? NaN;
      return {
        content: `${binned.length > 1 ? `${legendLabel(b)}: ` : ""}${b.approximate ? "≈" : ""}${formatPercent(1)(f)} below`,
        symbol: binned.length > 1 ? { kind: b.role === "primary" ? "swatch" : "outline", color: b.color, dash: b.role === "ghost" ? "2 1" : undefined } : undefined,
        attrs: { class: "fraction-below annotation", "data-series": b.key, "data-fraction": Number.isFinite(f) ? f : "" },
      };
    }),
  ];
  headerAnnotations(frame, items);
}

/**
 * γ or |γ| histogram of one run, with threshold, fraction below, the init ghost and overlays.
 *
 * @example
 *   gammaHistogram({ series: { key: "bn", mode: "bn", values: gammas.gamma }, ghost: { key: "init", label: "epoch 0", values: init.gamma } }, { threshold: 0.01 }, { document })
 */
export function gammaHistogram(data: GammaHistogramData, options: GammaHistogramOptions = {}, ctx: RenderContext): SVGSVGElement {
  const { scale, threshold, binned } = prepare(data, options);
  const yFraction = (options.yScale ?? "count") === "fraction";
  const frame = openFigure(ctx, "gamma-histogram", options, {
    width: 640,
    height: 380,
    title: scale === "log" ? "Distribution of |γ| (log scale)" : "Distribution of γ",
    description: `Histogram of ${scale === "log" ? "|γ| on a log axis, exact zeros apart" : "γ"} for ${binned.map((b) => b.label).join(", ")}${threshold !== null ? `; threshold ${formatValue(threshold)}` : ""}`,
  });
  const { doc, theme } = frame;
  if (binned.length > 1) {
    legend(
      frame,
      binned.map(
        (b): LegendItem => ({
          key: b.key,
          label: legendLabel(b),
          color: b.color,
          symbol: b.role === "primary" ? "swatch" : "outline",
          dash: b.role === "ghost" ? "4 2" : undefined,
          attrs: { "data-role": b.role },
        }),
      ),
    );
  }
  const outside = binned.reduce((s, b) => s + b.underflow + b.overflow, 0);
  const notes: string[] = [];
  if (outside > 0) notes.push(`${Number(outside.toPrecision(6))} value${outside === 1 ? "" : "s"} outside the axis range (not drawn)`);
  const rebinned = binned.filter((b) => b.rebinned);
  if (rebinned.length) notes.push(`${rebinned.map(legendLabel).join(", ")} re-binned onto shared edges (≈ counts)`);
  if (notes.length) headerNote(frame, notes.join(" · "));
  if (threshold !== null) thresholdAnnotations(frame, binned, scale, threshold);
  const plot = plotArea(frame, plotBox(frame, { left: 62, right: 20, top: 12, bottom: 48 }));
  const { g } = plot;
  if (binned.every((b) => b.total === 0)) return emptyFigure(frame, plot, "no γ values");

  // x: a zero band then the log axis, or a plain linear axis.
  const zeroBand = scale === "log" ? 30 : 0;
  const gap = scale === "log" ? 14 : 0;
  const allEdges = binned.flatMap((b) => (b.edges.length ? [b.edges[0], b.edges[b.edges.length - 1]] : []));
  const [lo, hi] = [d3.min(allEdges) ?? (scale === "log" ? 0.1 : 0), d3.max(allEdges) ?? 1];
  const x = (scale === "log" ? d3.scaleLog() : d3.scaleLinear()).domain([lo, hi]).range([zeroBand + gap, plot.width]);
  const norm = (b: Binned, c: number) => (yFraction ? (b.total ? c / b.total : 0) : c);
  const yMax = d3.max(binned.flatMap((b) => [...b.counts.map((c) => norm(b, c)), norm(b, b.zeros)])) ?? 1;
  const y = d3.scaleLinear().domain([0, yMax > 0 ? yMax : 1]).range([plot.height, 0]).nice();

  gridLines(plot, y);
  // Region below the threshold, lightly shaded (zero band included on the log axis).
  if (threshold !== null) {
    const [a, z] = scale === "log" ? [0, x(Math.min(Math.max(threshold, lo), hi))] : [x(Math.max(-threshold, lo)), x(Math.min(threshold, hi))];
    if (z > a) el(doc, "rect", { class: "below-region", x: a, y: 0, width: z - a, height: plot.height, fill: theme.threshold, "fill-opacity": 0.05 }, g);
  }
  axes(
    plot,
    {
      axis: scale === "log" ? d3.axisBottom(x).ticks(tickCount(plot.width - zeroBand - gap, 40)).tickFormat(powerOfTenLabel) : d3.axisBottom(x).ticks(tickCount(plot.width)),
      label: scale === "log" ? "|γ| (BN scale, unitless; log₁₀ axis)" : "γ (BN scale, unitless)",
      labelOffset: 36,
      labelAt: (zeroBand + gap + plot.width) / 2,
      scale,
    },
    { axis: d3.axisLeft(y).ticks(yTickCount(plot), yFraction ? "~%" : "~s"), label: yFraction ? "channels (% of the series)" : "channels (count)", labelOffset: 46 },
  );

  const marks = el(doc, "g", { class: "marks" }, g);
  const stepPath = (b: Binned) => {
    const h = (c: number) => y(norm(b, c));
    let d = `M${x(b.edges[0])},${y(0)}`;
    b.counts.forEach((c, i) => (d += `V${h(c)}H${x(b.edges[i + 1])}`));
    return d + `V${y(0)}`;
  };
  // The primary bars first, then the overlay and ghost outlines over them, so the outlines stay visible.
  for (const b of binned.filter((q) => q.role === "primary")) {
    const bars = el(doc, "g", { class: "series bars", "data-series": b.key, "data-role": b.role, "data-total": b.total }, marks);
    b.counts.forEach((c, i) => {
      const [x0, x1] = [x(b.edges[i]), x(b.edges[i + 1])];
      const attrs = { "data-series": b.key, "data-lo": b.edges[i], "data-hi": b.edges[i + 1], "data-count": c, "fill-opacity": binned.length > 1 ? 0.7 : 0.9 };
      barMark(plot, bars, { x: x0 + 0.5, width: Math.max(0, x1 - x0 - 1), top: y(norm(b, c)), fill: b.color, attrs });
    });
  }
  for (const b of binned.filter((q) => q.role !== "primary")) {
    const ghost = b.role === "ghost";
    el(doc, "path", {
      class: ghost ? "ghost" : "series overlay",
      "data-series": b.key,
      "data-role": b.role,
      "data-total": b.total,
      d: stepPath(b),
      fill: ghost ? "none" : b.color,
      "fill-opacity": ghost ? undefined : 0.12,
      stroke: b.color,
      "stroke-width": 1.5,
      "stroke-dasharray": ghost ? "4 2" : undefined,
    }, marks);
  }

  // Zero band: one bar per series side by side, "0" under it.
  if (scale === "log") {
    const zg = el(doc, "g", { class: "zeros" }, g);
    const w = zeroBand / binned.length;
    binned.forEach((b, i) => {
      const filled = b.role === "primary";
      const attrs = { "data-series": b.key, "data-role": b.role, "data-count": b.zeros, stroke: filled ? "none" : b.color, "stroke-dasharray": b.role === "ghost" ? "4 2" : undefined };
      barMark(plot, zg, { class: "zero-bar", x: i * w + 1, width: Math.max(1, w - 2), top: y(norm(b, b.zeros)), fill: filled ? b.color : "none", attrs });
    });
    el(doc, "line", { class: "zero-axis", x1: 0, x2: zeroBand, y1: plot.height, y2: plot.height, stroke: theme.axis }, zg);
    frame.text(zg, zeroBand / 2, plot.height + 16, "0", { class: "zero-label", "text-anchor": "middle", fill: theme.muted, "font-size": 10 });
    const zeros = binned.find((b) => b.role === "primary")?.zeros ?? 0;
    const tallest = Math.min(...binned.map((b) => y(norm(b, b.zeros))));
    frame.text(zg, zeroBand / 2, Math.min(tallest - 4, plot.height - 4), `${zeros}`, { class: "zero-count annotation", "data-series": binned[0].key, "text-anchor": "middle", fill: theme.muted, "font-size": 10 });
  }

  // Threshold line(s); their labels went above the plot (before it was laid out), off the bars.
  if (threshold !== null) {
    const tg = el(doc, "g", { class: "threshold-group", "data-threshold": threshold }, g);
    for (const p of thresholdPositions(scale, threshold).filter((v) => v >= lo && v <= hi)) ruleX(plot, tg, x(p), { class: "threshold", attrs: { "data-threshold": threshold, "data-value": p } });
  }
  return finish(frame);
}

/** The bins drawn, per series: kind "bin", plus "zeros" (log scale), "underflow" and "overflow" rows. */
export function gammaHistogramTable(data: GammaHistogramData, options: Pick<GammaHistogramOptions, "scale" | "threshold" | "bins" | "domain" | "axisValues"> = {}): FigureTable {
  const { scale, threshold, binned } = prepare(data, options);
  const rows: (string | number)[][] = [];
  for (const b of binned) {
    const below = b.below === null ? "" : b.below;
    const binning = b.rebinned ? "re-binned" : "exact";
    if (scale === "log") rows.push([b.key, b.role, "zeros", 0, 0, b.zeros, below, "exact"]);
    if (b.underflow) rows.push([b.key, b.role, "underflow", "", b.edges[0], b.underflow, below, binning]);
    b.counts.forEach((c, i) => rows.push([b.key, b.role, "bin", b.edges[i], b.edges[i + 1], c, below, binning]));
    if (b.overflow) rows.push([b.key, b.role, "overflow", b.edges[b.edges.length - 1], "", b.overflow, below, binning]);
  }
  const belowColumn = threshold === null ? "fraction_below" : `fraction_below_${threshold}`;
  return { columns: ["series", "role", "kind", scale === "log" ? "abs_gamma_low_unitless" : "gamma_low_unitless", scale === "log" ? "abs_gamma_high_unitless" : "gamma_high_unitless", "channels", belowColumn, "binning"], rows };
}
