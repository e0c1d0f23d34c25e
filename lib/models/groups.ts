/**
 * Which parameters train. The paper's modes are named sets of the four groups; decided here
 * and only here, so the trainer, the registry and the analyses agree on what "BN-only" means.
 */
import { PARAM_GROUPS, sizeOf, tensorSpecs, type ModelSpec, type ParamGroup } from "./arch";
import { DEFAULT_RANDOM_K } from "./random-k";

export const TRAINABLE_MODES = {
  all: ["bn", "output", "shortcut", "other"],
  bn: ["bn"],
  "bn+output": ["bn", "output"],
  output: ["output"],
  none: [],
} as const satisfies Record<string, readonly ParamGroup[]>;

export type TrainableMode = keyof typeof TRAINABLE_MODES;

/**
 * The random-k control: no group trains whole; k random weights of each output channel of every
 * conv do (`training.randomK`, see ./random-k). Not a set of groups, so not in TRAINABLE_MODES.
 */
export const RANDOM_K_MODE = "random-k";
export const MODE_NAMES: readonly string[] = [...Object.keys(TRAINABLE_MODES), RANDOM_K_MODE];

export function isTrainableMode(s: string): s is TrainableMode {
  return Object.prototype.hasOwnProperty.call(TRAINABLE_MODES, s);
}

export function trainableGroups(mode: TrainableMode): ParamGroup[] {
  return [...TRAINABLE_MODES[mode]];
}

/** The training-config fields a mode name sets (`random-k` → no groups and k = 2 unless given). */
export function modeFields(mode: string, randomK?: number): { trainable: ParamGroup[]; randomK?: number } {
  if (mode === RANDOM_K_MODE) return { trainable: [], randomK: randomK ?? DEFAULT_RANDOM_K };
  if (!isTrainableMode(mode)) throw new Error(`trainable "${mode}" is not one of ${MODE_NAMES.join(", ")}`);
  return { trainable: trainableGroups(mode) };
}

/** Parses a comma list of groups ("bn,output"), rejecting unknown names. */
export function parseGroups(list: string): ParamGroup[] {
  const names = list.split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(PARAM_GROUPS as readonly string[]).includes(n)) {
      throw new Error(`unknown parameter group "${n}": groups are ${PARAM_GROUPS.join(", ")}`);
    }
  }
  return [...new Set(names as ParamGroup[])].sort((a, b) => PARAM_GROUPS.indexOf(a) - PARAM_GROUPS.indexOf(b));
}

/**
 * The mode name for a set of groups when it is one of the paper's, else the groups joined by "+";
 * `random-k` when random conv weights train (with "+groups" when groups train too).
 */
export function modeName(groups: readonly ParamGroup[], randomK?: number): string {
  if (randomK !== undefined) return groups.length === 0 ? RANDOM_K_MODE : `${RANDOM_K_MODE}+${modeName(groups)}`;
  const key = [...groups].sort().join(",");
  for (const [mode, g] of Object.entries(TRAINABLE_MODES)) if ([...g].sort().join(",") === key) return mode;
  return groups.join("+");
}

export interface ParameterCounts {
  total: number;
  bn: number;
  output: number;
  shortcut: number;
  other: number;
}

export function countParameters(spec: ModelSpec): ParameterCounts {
  const counts: ParameterCounts = { total: 0, bn: 0, output: 0, shortcut: 0, other: 0 };
  for (const t of tensorSpecs(spec)) {
    if (t.kind !== "param" || t.group === null) continue;
    const n = sizeOf(t.shape);
    counts[t.group] += n;
    counts.total += n;
  }
  return counts;
}

export function countTrainable(spec: ModelSpec, groups: readonly ParamGroup[]): number {
  const c = countParameters(spec);
  return groups.reduce((s, g) => s + c[g], 0);
}
