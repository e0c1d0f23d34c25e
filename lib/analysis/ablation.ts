/**
 * Channel masks and ablation: switch off the BN channels whose |γ| is small and see what the
 * network loses.
 *
 * Modes:
 * - `zero`: γ = 0 and β = 0, so the channel's post-BN output is exactly 0 whatever its input.
 * - `gamma-only`: γ = 0 only, so the channel outputs the constant β (what a γ driven to zero by
 *   training leaves behind).
 *
 * Shortcut BNs (`blocks.i.shortcut.1`, the projection shortcuts) are included by default: they
 * are BN layers whose γ is trained and counted by the paper. `includeShortcut: false` leaves them
 * untouched and out of every count and fraction. The residual sum itself is never changed: a
 * removed channel of `bn2` adds 0 (or β) to the sum and the shortcut path still flows through;
 * a removed channel of a shortcut BN removes that channel of the projection path only.
 *
 * Masks act on a copy of the state dict; the input is never modified. Thresholds compare in
 * float32 like the γ statistics (`|γ| < Math.fround(t)`), so `ablate(t)` removes exactly the
 * channels that `fractionBelow(t)` counts.
 *
 * Pure maths: evaluating an ablated network (tfjs) is lib/eval's.
 */
import { bnLayers, type ModelSpec } from "../models/arch";
import type { StateDict } from "../models/state-dict";
import { collectGammas, fractionBelow, isShortcutBn, type GammaSet } from "./gamma";
import { float32Threshold } from "./stats";


export const ABLATION_MODES = ["zero", "gamma-only"] as const;
export type AblationMode = (typeof ABLATION_MODES)[number];

/** How shortcut BNs were treated, in words, for the returned objects and the UI. */
export function shortcutPolicy(includeShortcut: boolean): string {
  return includeShortcut
    ? "shortcut BNs (blocks.i.shortcut.1) are masked like every other BN layer; the residual sum is unchanged"
    : "shortcut BNs (blocks.i.shortcut.1) are left untouched and not counted; the residual sum is unchanged";
}

export interface LayerMask {
  name: string;
  channels: number;
  shortcut: boolean;
  /** 1 where the channel is removed. */
  removed: Uint8Array;
  removedCount: number;
}

export interface ChannelMask {
  includeShortcut: boolean;
  /** The layers the mask may touch (all BN layers, or all but the shortcut BNs), in forward order. */
  layers: LayerMask[];
  /** BN layers deliberately left out (the shortcut BNs when includeShortcut is false). */
  excluded: string[];
  removed: number;
  /** Channels eligible for removal. */
  total: number;
}

function excludedLayers(gammas: GammaSet): string[] {
  if (gammas.includeShortcut) return [];
  return bnLayers(gammas.spec)
    .map((l) => l.name)
    .filter(isShortcutBn);
}

function makeMask(gammas: GammaSet, removed: Uint8Array[]): ChannelMask {
  const layers = gammas.layers.map((l, i) => ({
    name: l.name,
    channels: l.channels,
    shortcut: l.shortcut,
    removed: removed[i],
    removedCount: removed[i].reduce((s, v) => s + v, 0),
  }));
  return {
    includeShortcut: gammas.includeShortcut,
    layers,
    excluded: excludedLayers(gammas),
    removed: layers.reduce((s, l) => s + l.removedCount, 0),
    total: gammas.gamma.length,
  };
}

/** Removes every channel with |γ| < threshold (float32 comparison). t = 0 removes nothing. */
export function thresholdMask(gammas: GammaSet, threshold: number): ChannelMask {
  const t = float32Threshold(threshold);
  return makeMask(
    gammas,
    gammas.layers.map((l) => Uint8Array.from(l.absGamma, (a) => (a < t ? 1 : 0))),
  );
}

/**
 * Removes exactly `count` channels: the smallest |γ| across the network, ties broken by forward
 * order (earlier layer, lower channel first). Equals `thresholdMask` except where |γ| ties at the
 * boundary, where a threshold could not remove exactly `count`.
 */
export function smallestGammaMask(gammas: GammaSet, count: number): ChannelMask {
  const n = gammas.absGamma.length;
  if (!Number.isInteger(count) || count < 0 || count > n) throw new RangeError(`count must be an integer in 0..${n}, got ${count}`);
  const order = Array.from({ length: n }, (_, i) => i);
  const a = gammas.absGamma;
  order.sort((i, j) => a[i] - a[j] || i - j);
  const flat = new Uint8Array(n);
  for (let k = 0; k < count; k++) flat[order[k]] = 1;
  return makeMask(
    gammas,
    gammas.layers.map((l, i) => flat.slice(gammas.offsets[i], gammas.offsets[i] + l.channels)),
  );
}

/** The smallest float32 strictly above x (x finite, ≥ 0). */
function nextFloat32Up(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Uint32Array(f.buffer);
  bits[0] = f[0] === 0 ? 1 : bits[0] + 1;
  return f[0];
}

/**
 * The threshold t that removes the p % smallest of `sortedAbs` (|γ| ascending) with `|γ| < t`:
 * round(p/100 · N) values (fewer if they tie at the boundary, since a threshold cannot split
 * ties). p = 0 → the smallest value (removes nothing); p = 100 → the next float32 above the
 * largest. 0 for no values.
 */
export function percentThreshold(sortedAbs: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percent must be in [0, 100], got ${p}`);
  const n = sortedAbs.length;
  if (n === 0) return 0;
  const k = Math.round((p / 100) * n);
  return k >= n ? nextFloat32Up(sortedAbs[n - 1]) : sortedAbs[k];
}

/**
 * The threshold t that removes the p % smallest |γ| across the network: `thresholdMask(gammas, t)`
 * removes round(p/100 · N) channels (fewer if |γ| ties at the boundary; `smallestGammaMask`
 * removes the exact count).
 */
export function prunePercent(gammas: GammaSet, p: number): number {
  return percentThreshold(gammas.sortedAbs, p);
}

/**
 * A copy of the state dict with the mask applied: removed channels get γ = 0 and, in `zero` mode,
 * β = 0. Every other tensor is copied unchanged (so the copy can be modified freely).
 */
export function applyMask(sd: StateDict, mask: ChannelMask, mode: AblationMode = "zero"): StateDict {
  if (!ABLATION_MODES.includes(mode)) throw new RangeError(`unknown ablation mode "${mode}": modes are ${ABLATION_MODES.join(", ")}`);
  const out: StateDict = new Map();
  for (const [name, t] of sd) {
    out.set(name, t.dtype === "float32" ? { dtype: "float32", shape: [...t.shape], data: Float32Array.from(t.data) } : { dtype: "int64", shape: [...t.shape], data: BigInt64Array.from(t.data) });
  }
  for (const l of mask.layers) {
    const gamma = out.get(`${l.name}.weight`)?.data as Float32Array | undefined;
    const beta = out.get(`${l.name}.bias`)?.data as Float32Array | undefined;
    if (!gamma || !beta || gamma.length !== l.channels || beta.length !== l.channels) {
      throw new RangeError(`mask layer ${l.name} (${l.channels} channels) does not match the state dict`);
    }
    for (let c = 0; c < l.channels; c++) {
      if (!l.removed[c]) continue;
      gamma[c] = 0;
      if (mode === "zero") beta[c] = 0;
    }
  }
  return out;
}

export interface AblationOptions {
  threshold: number;
  mode?: AblationMode;
  includeShortcut?: boolean;
}

export interface AblationSummary {
  threshold: number;
  mode: AblationMode;
  includeShortcut: boolean;
  /** How shortcut BNs were treated, in words. */
  shortcutPolicy: string;
  layers: { name: string; channels: number; shortcut: boolean; removed: number }[];
  excluded: string[];
  removed: number;
  total: number;
  fractionRemoved: number;
}

export interface Ablation extends AblationSummary {
  stateDict: StateDict;
  mask: ChannelMask;
}

function summary(mask: ChannelMask, threshold: number, mode: AblationMode): AblationSummary {
  return {
    threshold,
    mode,
    includeShortcut: mask.includeShortcut,
    shortcutPolicy: shortcutPolicy(mask.includeShortcut),
    layers: mask.layers.map((l) => ({ name: l.name, channels: l.channels, shortcut: l.shortcut, removed: l.removedCount })),
    excluded: mask.excluded,
    removed: mask.removed,
    total: mask.total,
    fractionRemoved: mask.total ? mask.removed / mask.total : 0,
  };
}

/** Removes every channel with |γ| < threshold; returns the ablated copy and the per-layer counts. */
export function ablate(sd: StateDict, spec: ModelSpec, opts: AblationOptions): Ablation {
  const mode = opts.mode ?? "zero";
  const gammas = collectGammas(sd, spec, { includeShortcut: opts.includeShortcut });
  const mask = thresholdMask(gammas, opts.threshold);
  // The mask and the γ statistics must agree on what "below t" means.
  if (mask.removed !== fractionBelow(gammas, opts.threshold).count) throw new Error("internal: mask disagrees with fractionBelow");
  return { ...summary(mask, opts.threshold, mode), stateDict: applyMask(sd, mask, mode), mask };
}

export interface AccuracyEstimate {
  accuracy: number;
  correct: number;
  /** Test images evaluated. */
  count: number;
  loss: number;
  /** 95 % Wilson score interval of the accuracy (or at the z given). */
  interval: [number, number];
}

/** Test images an evaluation uses by default: the first 1,000 of the test split. */
export const DEFAULT_ABLATION_EVAL_COUNT = 1000;

/** An ablation with the accuracy of the ablated network (lib/eval's `evaluateAblation`). */
export interface AblationEvaluation extends AblationSummary, AccuracyEstimate {}
