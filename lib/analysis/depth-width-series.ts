/**
 * Which rows of depth-and-width results make a curve: a depth series is one width trained at two
 * or more depths, a width series one depth trained at two or more widths (ResNet-8 and WRN-8-2
 * make the depth-8 width series). Imports nothing, so figures in the browser can use it.
 */

export type SeriesAxis = "depth" | "width";

/** The rows a series needs (`AggregateRow` and the API's rows alike). */
export interface SeriesRow {
  dataset: string;
  depth: number;
  width: number;
  mode: string;
}

/** One curve: a mode, at one width (a depth series) or one depth (a width series), x ascending. */
export interface DepthWidthSeries<R extends SeriesRow> {
  axis: SeriesAxis;
  mode: string;
  /** The width of a depth series, the depth of a width series. */
  fixed: number;
  rows: R[];
}

/**
 * The curves of one dataset's rows along an axis: a depth series for each width with two or more
 * depths (in any mode), a width series for each depth with two or more widths, one curve per mode
 * (which may hold a single point where only some modes were run at every size). Ordered by the
 * fixed value, then mode; empty when no size was varied along the axis.
 */
export function depthWidthSeries<R extends SeriesRow>(rows: readonly R[], axis: SeriesAxis): DepthWidthSeries<R>[] {
  const fixedOf = (r: SeriesRow) => (axis === "depth" ? r.width : r.depth);
  const xOf = (r: SeriesRow) => (axis === "depth" ? r.depth : r.width);
  const sizes = new Map<number, Set<number>>();
  for (const r of rows) {
    const set = sizes.get(fixedOf(r)) ?? new Set<number>();
    set.add(xOf(r));
    sizes.set(fixedOf(r), set);
  }
  const curves = new Map<string, DepthWidthSeries<R>>();
  for (const r of rows) {
    const fixed = fixedOf(r);
    if ((sizes.get(fixed)?.size ?? 0) < 2) continue;
    const k = `${fixed}\u0000${r.mode}`;
    const c = curves.get(k) ?? { axis, mode: r.mode, fixed, rows: [] };
    c.rows.push(r);
    curves.set(k, c);
  }
  const out = [...curves.values()];
  for (const c of out) c.rows.sort((a, b) => xOf(a) - xOf(b));
  return out.sort((a, b) => a.fixed - b.fixed || a.mode.localeCompare(b.mode));
}
