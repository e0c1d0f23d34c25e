/**
 * Where a pruning curve is measured. Accuracy falls fastest at small fractions (the random
 * baseline can lose most of its accuracy in the first 10 %), so the default plan is dense there:
 * 0, 1, 2, 3, 5, 7, 10, 15, 20 %, then every 10 % to 90 %. With the network's channel count the
 * fractions are snapped to whole channels (round(f·N)/N, what a mask removes) and duplicates
 * dropped; the current threshold's fraction is added so γ-ordered and random can be compared
 * exactly there. `refineFractions` adds midpoints wherever a measured curve still changes by
 * more than a step between neighbours (adaptive sampling), never finer than one channel.
 * Pure arithmetic: the evaluation lives with the pruning curve itself.
 */

export const DENSE_PRUNE_FRACTIONS: readonly number[] = [0, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** Random masks per fraction: enough for the ± 1 sd band to mean something. */
export const DEFAULT_RANDOM_DRAWS = 10;

function checkFraction(f: number, what: string): void {
  if (!(f >= 0 && f <= 1)) throw new RangeError(`${what} must be in [0, 1], got ${f}`);
}

/** f snapped to a whole number of channels out of N (unchanged without N). */
export function snapToChannels(f: number, channels?: number): number {
  if (channels === undefined) return f;
  if (!(Number.isInteger(channels) && channels > 0)) throw new RangeError(`channels must be a positive integer, got ${channels}`);
  return Math.round(f * channels) / channels;
}

function uniqueSorted(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

export interface FractionPlanOptions {
  /** The fraction removed by the current threshold, measured as a point of its own. */
  current?: number | null;
  /** Eligible BN channels N: fractions snap to k/N and collapse where they remove the same count. */
  channels?: number;
  /** The base fractions (default `DENSE_PRUNE_FRACTIONS`). */
  base?: readonly number[];
}

/** The fractions to measure, ascending, distinct in channels removed. */
export function pruneFractionPlan(o: FractionPlanOptions = {}): number[] {
  const base = [...(o.base ?? DENSE_PRUNE_FRACTIONS)];
  if (o.current !== undefined && o.current !== null) base.push(o.current);
  for (const f of base) checkFraction(f, "pruning fraction");
  return uniqueSorted(base.map((f) => snapToChannels(f, o.channels)));
}

export interface MeasuredPoint {
  fraction: number;
  accuracy: number;
}

/**
 * Midpoints of the neighbouring measured points whose accuracies differ by more than `maxStep`
 * (default 0.05), snapped to whole channels; an interval already one channel wide gets none.
 * Pass each curve (γ-ordered, random mean) and measure the union.
 */
export function refineFractions(points: readonly MeasuredPoint[], o: { maxStep?: number; channels?: number } = {}): number[] {
  const step = o.maxStep ?? 0.05;
  const sorted = [...points].filter((p) => Number.isFinite(p.accuracy)).sort((a, b) => a.fraction - b.fraction);
  const out: number[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1], sorted[i]];
    if (Math.abs(b.accuracy - a.accuracy) <= step) continue;
    const mid = snapToChannels((a.fraction + b.fraction) / 2, o.channels);
    if (mid > a.fraction && mid < b.fraction) out.push(mid);
  }
  return uniqueSorted(out);
}
