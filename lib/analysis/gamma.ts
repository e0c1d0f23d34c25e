/**
 * γ statistics: what BN's scale looks like after training, per BN layer and for the whole
 * network. The paper's headline is the fraction of channels with |γ| below a small threshold
 * (≈ 27 % below 0.01 after BN-only training against ≈ 9 % after full training on ResNet-110):
 * those channels are (nearly) switched off. `fractionBelow(gammas, 0.01).fraction` is that number
 * for any run.
 *
 * Which channels count: every BN layer of `bnLayers(spec)` — the stem `bn`, each block's `bn1`
 * and `bn2`, and the projection shortcuts' `blocks.i.shortcut.1` — since all of them have a γ
 * that BN-only training learns. `includeShortcut: false` leaves the shortcut BNs out of the set
 * (and hence of the network totals, masks and pruning built on it).
 *
 * Non-finite γ or β is an error naming the tensor, never a silently wrong statistic.
 */
import type { ModelSpec } from "../models/arch";
import { bnLayers } from "../models/arch";
import { checkStateDict, type StateDict } from "../models/state-dict";
import {
  countBelowSorted,
  DEFAULT_QUANTILES,
  float32Threshold,
  histogram,
  logHistogram,
  mean,
  pearson,
  pow10,
  quantilesSorted,
  sampleSd,
  type Histogram,
  type HistogramOptions,
  type LogHistogram,
  type Quantile,
} from "./stats";

export class GammaError extends Error {}

/** Thresholds reported by default in summaries. */
export const DEFAULT_GAMMA_THRESHOLDS: readonly number[] = [1e-3, 1e-2, 1e-1];

/** One BN layer's affine parameters. */
export interface BnLayerGamma {
  /** Layer prefix as in `bnLayers`: `bn`, `blocks.3.bn1`, `blocks.3.shortcut.1`. */
  name: string;
  channels: number;
  /** A projection shortcut's BN (`…shortcut.1`). */
  shortcut: boolean;
  gamma: Float32Array;
  absGamma: Float32Array;
  beta: Float32Array;
  /** |γ| ascending (float64 copy), for thresholds and quantiles. */
  sortedAbs: Float64Array;
}

/** The γ and β of a network's BN layers, per layer and concatenated in forward order. */
export interface GammaSet {
  spec: ModelSpec;
  includeShortcut: boolean;
  layers: BnLayerGamma[];
  /** Concatenation of the layers' arrays, in the order of `layers`. */
  gamma: Float32Array;
  absGamma: Float32Array;
  beta: Float32Array;
  sortedAbs: Float64Array;
  /** Start of each layer in the concatenated arrays. */
  offsets: number[];
}

export interface GammaOptions {
  /** Count the projection shortcuts' BN layers (default true). */
  includeShortcut?: boolean;
}

export function isShortcutBn(name: string): boolean {
  return name.endsWith(".shortcut.1");
}

/** Throws a GammaError when a tensor holds NaN or ±Infinity, naming it and the first channels. */
export function assertFinite(name: string, data: Float32Array): void {
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      count++;
      if (bad.length < 4) bad.push(`channel ${i}: ${data[i]}`);
    }
  }
  if (count > 0) {
    throw new GammaError(`${name} has ${count} non-finite value${count === 1 ? "" : "s"} (${bad.join(", ")}${count > bad.length ? ", …" : ""})`);
  }
}

function sortedAbsOf(a: Float32Array): Float64Array {
  const s = Float64Array.from(a, Math.abs);
  s.sort();
  return s;
}

/**
 * Reads γ (`<layer>.weight`) and β (`<layer>.bias`) of every BN layer. The state dict is checked
 * strictly against the spec first (a wrong depth or width is an error, not a misread).
 */
export function collectGammas(sd: StateDict, spec: ModelSpec, opts: GammaOptions = {}): GammaSet {
  const includeShortcut = opts.includeShortcut ?? true;
  checkStateDict(spec, sd);
  const layers: BnLayerGamma[] = [];
  for (const { name, channels } of bnLayers(spec)) {
    const shortcut = isShortcutBn(name);
    if (shortcut && !includeShortcut) continue;
    const gamma = Float32Array.from(sd.get(`${name}.weight`)!.data as Float32Array);
    const beta = Float32Array.from(sd.get(`${name}.bias`)!.data as Float32Array);
    assertFinite(`${name}.weight`, gamma);
    assertFinite(`${name}.bias`, beta);
    const absGamma = gamma.map(Math.abs);
    layers.push({ name, channels, shortcut, gamma, absGamma, beta, sortedAbs: sortedAbsOf(gamma) });
  }
  const total = layers.reduce((s, l) => s + l.channels, 0);
  const gamma = new Float32Array(total);
  const beta = new Float32Array(total);
  const offsets: number[] = [];
  let at = 0;
  for (const l of layers) {
    offsets.push(at);
    gamma.set(l.gamma, at);
    beta.set(l.beta, at);
    at += l.channels;
  }
  return { spec, includeShortcut, layers, gamma, absGamma: gamma.map(Math.abs), beta, sortedAbs: sortedAbsOf(gamma), offsets };
}

export interface BelowCount {
  count: number;
  total: number;
  /** count / total. */
  fraction: number;
}

export interface FractionBelow extends BelowCount {
  threshold: number;
  layers: (BelowCount & { name: string; shortcut: boolean })[];
}

function below(sortedAbs: Float64Array, t32: number): BelowCount {
  const count = countBelowSorted(sortedAbs, t32);
  return { count, total: sortedAbs.length, fraction: sortedAbs.length ? count / sortedAbs.length : NaN };
}

/**
 * The fraction of channels with |γ| < t, for the network and per layer. t is compared in float32
 * (as PyTorch compares a float32 tensor with a Python float), so a γ of exactly float32(t) is not
 * below t.
 */
export function fractionBelow(gammas: GammaSet, threshold: number): FractionBelow {
  const t = float32Threshold(threshold);
  return {
    threshold,
    ...below(gammas.sortedAbs, t),
    layers: gammas.layers.map((l) => ({ name: l.name, shortcut: l.shortcut, ...below(l.sortedAbs, t) })),
  };
}

export interface LogGridOptions {
  /** Smallest threshold (default 1e-4). */
  min?: number;
  /** Largest threshold (default 1). */
  max?: number;
  /** Points per decade (default 10); exact powers of ten are always on the grid when min is one. */
  perDecade?: number;
}

/** Thresholds log10-spaced from min to max (both included when max/min is a whole number of steps). */
export function logGrid(opts: LogGridOptions = {}): number[] {
  const { min = 1e-4, max = 1, perDecade = 10 } = opts;
  if (!(min > 0 && max > min && Number.isFinite(max))) throw new RangeError(`log grid needs 0 < min < max, got [${min}, ${max}]`);
  if (!Number.isInteger(perDecade) || perDecade < 1) throw new RangeError(`perDecade must be a positive integer, got ${perDecade}`);
  const a = Math.log10(min) * perDecade;
  const steps = Math.floor((Math.log10(max) * perDecade - a) + 1e-9);
  return Array.from({ length: steps + 1 }, (_, i) => pow10((a + i) / perDecade));
}

export interface FractionBelowCurve {
  thresholds: number[];
  /** Network fraction below each threshold. */
  fractions: number[];
  layers: { name: string; shortcut: boolean; fractions: number[] }[];
}

/** `fractionBelow` over a log grid of thresholds: the cumulative distribution of |γ| on a log axis. */
export function fractionBelowCurve(gammas: GammaSet, grid: LogGridOptions | readonly number[] = {}): FractionBelowCurve {
  const thresholds = Array.isArray(grid) ? [...(grid as readonly number[])] : logGrid(grid as LogGridOptions);
  const frac = (sorted: Float64Array) => thresholds.map((t) => below(sorted, float32Threshold(t)).fraction);
  return {
    thresholds,
    fractions: frac(gammas.sortedAbs),
    layers: gammas.layers.map((l) => ({ name: l.name, shortcut: l.shortcut, fractions: frac(l.sortedAbs) })),
  };
}

export interface GammaHistograms {
  /** γ with linear bins. */
  gamma: Histogram;
  /** |γ| with log10 bins; exact zeros in `zeros`. */
  absGamma: LogHistogram;
}

/** Histograms of the whole network's γ (linear) and |γ| (log10 bins). */
export function gammaHistograms(gammas: GammaSet, opts: { linear?: HistogramOptions; log?: HistogramOptions } = {}): GammaHistograms {
  return { gamma: histogram(gammas.gamma, opts.linear), absGamma: logHistogram(gammas.absGamma, opts.log) };
}

/** Histograms of one layer. */
export function layerHistograms(layer: BnLayerGamma, opts: { linear?: HistogramOptions; log?: HistogramOptions } = {}): GammaHistograms {
  return { gamma: histogram(layer.gamma, opts.linear), absGamma: logHistogram(layer.absGamma, opts.log) };
}

export interface Moments {
  mean: number;
  /** Sample sd; null for fewer than two channels. */
  sd: number | null;
  min: number;
  max: number;
}

export interface GammaSummary {
  channels: number;
  gamma: Moments;
  absGamma: Moments;
  beta: Moments;
  /** Quantiles of γ (numpy's linear interpolation). */
  quantiles: Quantile[];
  /** Quantiles of |γ|. */
  absQuantiles: Quantile[];
  /** Channels with γ exactly 0. */
  zeros: number;
  /** Fraction with |γ| < t for each reported threshold. */
  below: { threshold: number; count: number; fraction: number }[];
}

export interface GammaReport {
  includeShortcut: boolean;
  network: GammaSummary;
  layers: (GammaSummary & { name: string; shortcut: boolean })[];
}

function moments(a: ArrayLike<number>): Moments {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < a.length; i++) {
    min = Math.min(min, a[i]);
    max = Math.max(max, a[i]);
  }
  const sd = sampleSd(a);
  return { mean: mean(a), sd: Number.isNaN(sd) ? null : sd, min: a.length ? min : NaN, max: a.length ? max : NaN };
}

function summarise(gamma: Float32Array, absGamma: Float32Array, beta: Float32Array, sortedAbs: Float64Array, thresholds: readonly number[], qs: readonly number[]): GammaSummary {
  const sorted = Float64Array.from(gamma);
  sorted.sort();
  return {
    channels: gamma.length,
    gamma: moments(gamma),
    absGamma: moments(absGamma),
    beta: moments(beta),
    quantiles: quantilesSorted(sorted, qs),
    absQuantiles: quantilesSorted(sortedAbs, qs),
    zeros: countBelowSorted(sortedAbs, Number.MIN_VALUE),
    below: thresholds.map((threshold) => {
      const b = below(sortedAbs, float32Threshold(threshold));
      return { threshold, count: b.count, fraction: b.fraction };
    }),
  };
}

/** Summary numbers per layer and for the network: moments, quantiles, zeros, fractions below thresholds. */
export function gammaReport(gammas: GammaSet, opts: { thresholds?: readonly number[]; quantiles?: readonly number[] } = {}): GammaReport {
  const thresholds = opts.thresholds ?? DEFAULT_GAMMA_THRESHOLDS;
  const qs = opts.quantiles ?? DEFAULT_QUANTILES;
  return {
    includeShortcut: gammas.includeShortcut,
    network: summarise(gammas.gamma, gammas.absGamma, gammas.beta, gammas.sortedAbs, thresholds, qs),
    layers: gammas.layers.map((l) => ({ name: l.name, shortcut: l.shortcut, ...summarise(l.gamma, l.absGamma, l.beta, l.sortedAbs, thresholds, qs) })),
  };
}

export interface InitComparisonEntry {
  channels: number;
  /** Mean over channels of |γ − γ₀|. */
  meanAbsDelta: number;
  /** Pearson correlation of γ with γ₀ over the channels; null when undefined (a constant side, < 2 channels). */
  correlation: number | null;
  meanAbsGammaInit: number;
  meanAbsGammaNow: number;
  below: { threshold: number; init: number; now: number }[];
}

export interface InitComparison {
  includeShortcut: boolean;
  network: InitComparisonEntry;
  layers: (InitComparisonEntry & { name: string; shortcut: boolean })[];
}

function compareEntry(now: Float32Array, init: Float32Array, nowSorted: Float64Array, initSorted: Float64Array, thresholds: readonly number[]): InitComparisonEntry {
  let delta = 0;
  for (let i = 0; i < now.length; i++) delta += Math.abs(now[i] - init[i]);
  return {
    channels: now.length,
    meanAbsDelta: now.length ? delta / now.length : NaN,
    correlation: pearson(now, init),
    meanAbsGammaInit: mean(initSorted),
    meanAbsGammaNow: mean(nowSorted),
    below: thresholds.map((threshold) => {
      const t = float32Threshold(threshold);
      return { threshold, init: below(initSorted, t).fraction, now: below(nowSorted, t).fraction };
    }),
  };
}

/**
 * How far γ moved from its initialisation (the epoch-0 checkpoint of the same run): per layer and
 * for the network, mean |Δγ|, the correlation of γ with γ₀, and the fraction below each threshold
 * at init and now. Both sets must come from the same architecture and shortcut choice.
 */
export function compareToInit(now: GammaSet, init: GammaSet, opts: { thresholds?: readonly number[] } = {}): InitComparison {
  const thresholds = opts.thresholds ?? [1e-2];
  if (now.includeShortcut !== init.includeShortcut || now.gamma.length !== init.gamma.length || now.layers.some((l, i) => l.name !== init.layers[i]?.name)) {
    throw new GammaError("compareToInit: the two γ sets come from different architectures or shortcut choices");
  }
  return {
    includeShortcut: now.includeShortcut,
    network: compareEntry(now.gamma, init.gamma, now.sortedAbs, init.sortedAbs, thresholds),
    layers: now.layers.map((l, i) => ({
      name: l.name,
      shortcut: l.shortcut,
      ...compareEntry(l.gamma, init.layers[i].gamma, l.sortedAbs, init.layers[i].sortedAbs, thresholds),
    })),
  };
}

export interface GammaAnalysisOptions extends GammaOptions {
  /** The epoch-0 state dict of the same run, for `compareToInit`. */
  init?: StateDict;
  thresholds?: readonly number[];
  quantiles?: readonly number[];
  histograms?: { linear?: HistogramOptions; log?: HistogramOptions };
  grid?: LogGridOptions;
}

export interface GammaAnalysis {
  report: GammaReport;
  histograms: GammaHistograms;
  curve: FractionBelowCurve;
  /** Present when `init` was given. */
  init: InitComparison | null;
}

/** Everything above for one checkpoint: summary, histograms, fraction-below curve, and the change since init. */
export function gammaAnalysis(sd: StateDict, spec: ModelSpec, opts: GammaAnalysisOptions = {}): GammaAnalysis {
  const gammas = collectGammas(sd, spec, opts);
  const thresholds = opts.thresholds ?? DEFAULT_GAMMA_THRESHOLDS;
  return {
    report: gammaReport(gammas, { thresholds, quantiles: opts.quantiles }),
    histograms: gammaHistograms(gammas, opts.histograms),
    curve: fractionBelowCurve(gammas, opts.grid),
    init: opts.init ? compareToInit(gammas, collectGammas(opts.init, spec, opts), { thresholds }) : null,
  };
}
