/**
 * Pruning curves: test accuracy against the fraction of BN channels removed, for γ-ordered
 * pruning (the smallest |γ| first, ranked globally across the network) and for a random baseline
 * that removes the *same number of channels in every layer* as the γ mask, chosen at random within
 * each layer. The baseline isolates "which channels" from "how many per layer": if γ carries the
 * information, γ-ordered pruning stays above the random curve.
 *
 * The γ mask at fraction f removes exactly round(f · N) channels (ties in |γ| broken by forward
 * order), N the eligible channels (see `includeShortcut` in ./ablation). Random masks are seeded
 * through lib/random: replicate seed s, fraction point k and layer name each derive their stream,
 * so a curve is reproducible and adding a layer never shifts another's draw.
 *
 * The masks and the curve's shape; evaluating the masked networks (tfjs) is lib/eval's.
 */
import { createRng, deriveSeed, permutation } from "../random";
import { smallestGammaMask, type AblationMode, type AccuracyEstimate, type ChannelMask } from "./ablation";
import type { GammaSet } from "./gamma";
import type { MeanSd } from "./stats";
import { DEFAULT_RANDOM_DRAWS, DENSE_PRUNE_FRACTIONS } from "./pruning-plan";

/**
 * The page's and the API's default curve: dense at small fractions, where accuracy falls fastest
 * (./pruning-plan), with ten random masks per point — 16 × 11 evaluations, which lib/eval runs one
 * at a time so a server keeps answering while a curve is measured.
 */
export const DEFAULT_PRUNE_FRACTIONS: readonly number[] = DENSE_PRUNE_FRACTIONS;
export const DEFAULT_RANDOM_SEEDS: readonly number[] = Array.from({ length: DEFAULT_RANDOM_DRAWS }, (_, i) => i);

/**
 * A random mask removing exactly `like`'s number of channels in each layer, the channels drawn
 * uniformly within the layer. `stream` names the draw (e.g. the fraction point).
 */
export function randomMaskLike(like: ChannelMask, seed: number, stream = "random-pruning"): ChannelMask {
  const layers = like.layers.map((l) => {
    const rng = createRng(deriveSeed(seed, `${stream}/${l.name}`));
    const perm = permutation(l.channels, rng);
    const removed = new Uint8Array(l.channels);
    for (let k = 0; k < l.removedCount; k++) removed[perm[k]] = 1;
    return { name: l.name, channels: l.channels, shortcut: l.shortcut, removed, removedCount: l.removedCount };
  });
  return { includeShortcut: like.includeShortcut, layers, excluded: [...like.excluded], removed: like.removed, total: like.total };
}

export interface PruningMasks {
  /** The requested fraction. */
  fraction: number;
  /** Channels removed: round(fraction · total). */
  removed: number;
  gamma: ChannelMask;
  /** One random mask per seed, with gamma's per-layer counts. */
  random: ChannelMask[];
}

function checkFractions(fractions: readonly number[]): void {
  for (const f of fractions) if (!(f >= 0 && f <= 1)) throw new RangeError(`pruning fraction must be in [0, 1], got ${f}`);
}

/** The γ-ordered and random masks of a pruning curve, without evaluating anything. */
export function pruningMasks(gammas: GammaSet, fractions: readonly number[] = DEFAULT_PRUNE_FRACTIONS, seeds: readonly number[] = DEFAULT_RANDOM_SEEDS): PruningMasks[] {
  checkFractions(fractions);
  const total = gammas.absGamma.length;
  return fractions.map((fraction, k) => {
    const removed = Math.round(fraction * total);
    const gamma = smallestGammaMask(gammas, removed);
    return { fraction, removed, gamma, random: seeds.map((s) => randomMaskLike(gamma, s, `random-pruning/point-${k}`)) };
  });
}

export interface PruningPoint {
  fraction: number;
  removed: number;
  total: number;
  /** Channels removed per layer (the same for the γ and the random masks). */
  layers: { name: string; removed: number; channels: number }[];
  gamma: AccuracyEstimate;
  random: MeanSd & { accuracies: number[]; seeds: number[] };
}

export interface PruningCurve {
  mode: AblationMode;
  includeShortcut: boolean;
  shortcutPolicy: string;
  /** Test images per evaluation. */
  count: number;
  seeds: number[];
  points: PruningPoint[];
}
