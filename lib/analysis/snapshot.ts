/**
 * The threshold arithmetic the pages do on the γ they already hold: a checkpoint's |γ| per layer,
 * sorted (a `GammaSnapshot`, what the γ analysis sends). Counts below t and the t that removes the
 * p % smallest are the same functions the analyses use (float32 comparison, `percentThreshold`),
 * so the page, the API and a downloaded mask agree channel for channel. Pure: safe in a browser.
 */
import { percentThreshold, type AblationMode } from "./ablation";
import type { FractionBelow } from "./gamma";
import { countBelowSorted, float32Threshold, type Histogram } from "./stats";

/** One checkpoint's γ as the pages carry it: each BN layer's |γ| ascending, and the γ histogram. */
export interface GammaSnapshot {
  runId: string;
  mode: string;
  epoch: number;
  layers: { name: string; shortcut: boolean; channels: number; absGammaSorted: number[] }[];
  /** γ (signed) with linear bins, from the γ analysis. */
  histogram: Histogram;
}

/** All |γ| of the snapshot, layer after layer (each layer ascending). */
export function absValues(g: GammaSnapshot): number[] {
  return g.layers.flatMap((l) => l.absGammaSorted);
}

export function channelCount(g: GammaSnapshot): number {
  return g.layers.reduce((s, l) => s + l.channels, 0);
}

/** Channels with |γ| < t per layer (float32 comparison, as `fractionBelow` and `thresholdMask`). */
export function countsBelow(g: GammaSnapshot, threshold: number): number[] {
  const t = float32Threshold(threshold);
  return g.layers.map((l) => countBelowSorted(l.absGammaSorted, t));
}

/** `fractionBelow(gammas, t)`, from a snapshot. */
export function fractionBelowOf(g: GammaSnapshot, threshold: number): FractionBelow {
  const counts = countsBelow(g, threshold);
  const count = counts.reduce((s, c) => s + c, 0);
  const total = channelCount(g);
  return {
    threshold,
    count,
    total,
    fraction: total ? count / total : NaN,
    layers: g.layers.map((l, i) => ({ name: l.name, shortcut: l.shortcut, count: counts[i], total: l.channels, fraction: l.channels ? counts[i] / l.channels : NaN })),
  };
}

/** The channels an ablation at t removes, per layer (an `AblationSummary` without the evaluation). */
export interface RemovedCounts {
  threshold: number;
  mode: string;
  layers: { name: string; channels: number; shortcut: boolean; removed: number }[];
  removed: number;
  total: number;
}

export function removedAt(g: GammaSnapshot, threshold: number, mode: AblationMode = "zero"): RemovedCounts {
  const counts = countsBelow(g, threshold);
  return {
    threshold,
    mode,
    layers: g.layers.map((l, i) => ({ name: l.name, channels: l.channels, shortcut: l.shortcut, removed: counts[i] })),
    removed: counts.reduce((s, c) => s + c, 0),
    total: channelCount(g),
  };
}

/** `prunePercent` from a snapshot: the threshold that removes the p % smallest |γ|. */
export function thresholdForPercent(g: GammaSnapshot, percent: number): number {
  return percentThreshold(absValues(g).sort((a, b) => a - b), percent);
}

/** [lo, hi] of log10 t for a threshold slider: whole decades around the positive |γ|, at least 1e-4 … 10. */
export function thresholdRange(g: GammaSnapshot | null): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of g ? absValues(g) : []) {
    if (v > 0) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const a = Number.isFinite(lo) ? Math.min(-4, Math.floor(Math.log10(lo))) : -4;
  const b = Number.isFinite(hi) ? Math.max(1, Math.ceil(Math.log10(hi)) + 0) : 1;
  return [Math.max(a, -12), Math.min(b, 6)];
}
