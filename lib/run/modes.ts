/**
 * Which parameters train: the four parameter groups and the paper's named modes. The one list
 * of modes — the CLI, the run id, the run index, the API, chart colours and findings read it
 * from here, so "BN-only" means the same thing everywhere.
 *
 * A run's mode is a string: one of the named modes, or for any other set of groups the groups
 * joined by "+" ("bn+shortcut"). `modeName` and `modeGroups` convert between the two.
 * `random-k` is the paper's control: no group trains whole, k random weights of each output
 * channel of every conv do (`training.randomK`; the choice is lib/models/random-k's).
 */
import { PARAM_GROUPS, type ParamGroup } from "../models/arch";

export { PARAM_GROUPS, type ParamGroup };

export const TRAINABLE_MODES = {
  all: ["bn", "output", "shortcut", "other"],
  bn: ["bn"],
  "bn+output": ["bn", "output"],
  output: ["output"],
  none: [],
} as const satisfies Record<string, readonly ParamGroup[]>;

export type TrainableMode = keyof typeof TRAINABLE_MODES;

/** The named modes as the CLI lists them. */
export const MODE_NAMES = Object.keys(TRAINABLE_MODES) as TrainableMode[];

/** The random-k control's mode name, and its k when none is given (BN's γ and β: 2 per channel). */
export const RANDOM_K_MODE = "random-k";
export const DEFAULT_RANDOM_K = 2;

/** Every value `--trainable` and a sweep's `trainable` take: the named modes, then random-k. */
export const TRAINABLE_CHOICES: readonly string[] = [...MODE_NAMES, RANDOM_K_MODE];

/** The training-config fields a `--trainable` value sets (`random-k` → no groups, k = 2 unless given). */
export function modeFields(mode: string, randomK?: number): { trainable: ParamGroup[]; randomK?: number } {
  if (mode === RANDOM_K_MODE) return { trainable: [], randomK: randomK ?? DEFAULT_RANDOM_K };
  if (!isTrainableMode(mode)) throw new Error(`trainable "${mode}" is not one of ${TRAINABLE_CHOICES.join(", ")}`);
  return { trainable: trainableGroups(mode) };
}

/** The named modes in the order legends list them; also each mode's stable colour slot. */
export const MODE_ORDER: readonly TrainableMode[] = ["all", "bn+output", "bn", "output", "none"];

/** How pages and findings name a mode in prose. */
const MODE_LABELS: Record<TrainableMode, string> = {
  all: "all parameters",
  bn: "BN-only",
  "bn+output": "BN + output",
  output: "output-only",
  none: "no training",
};

export function isTrainableMode(s: string): s is TrainableMode {
  return Object.prototype.hasOwnProperty.call(TRAINABLE_MODES, s);
}

export function trainableGroups(mode: TrainableMode): ParamGroup[] {
  return [...TRAINABLE_MODES[mode]];
}

function isParamGroup(s: string): s is ParamGroup {
  return (PARAM_GROUPS as readonly string[]).includes(s);
}

/** Parses a comma list of groups ("bn,output"), rejecting unknown names; sorted in PARAM_GROUPS order. */
export function parseGroups(list: string): ParamGroup[] {
  const names = list.split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!isParamGroup(n)) throw new Error(`unknown parameter group "${n}": groups are ${PARAM_GROUPS.join(", ")}`);
  }
  return [...new Set(names as ParamGroup[])].sort((a, b) => PARAM_GROUPS.indexOf(a) - PARAM_GROUPS.indexOf(b));
}

/**
 * The mode name for a set of groups when it is one of the paper's, else the groups joined by "+";
 * with `randomK`, `random-k` (plus "+groups" when groups train whole too).
 */
export function modeName(groups: readonly ParamGroup[], randomK?: number): string {
  if (randomK !== undefined) return groups.length === 0 ? RANDOM_K_MODE : `${RANDOM_K_MODE}+${modeName(groups)}`;
  const key = [...groups].sort().join(",");
  for (const mode of MODE_NAMES) if ([...TRAINABLE_MODES[mode]].sort().join(",") === key) return mode;
  return groups.join("+");
}

/**
 * The groups a mode name trains: a named mode's groups, or the "+"-joined groups of another, in
 * PARAM_GROUPS order. Names that are not groups are dropped (a broken run's mode is "").
 */
export function modeGroups(mode: string): ParamGroup[] {
  if (isTrainableMode(mode)) return trainableGroups(mode);
  return PARAM_GROUPS.filter((g) => mode.split("+").includes(g));
}

/** A mode's name in prose ("BN-only"); a mode outside the paper's is shown as its name. */
export function modeLabel(mode: string): string {
  if (mode === RANDOM_K_MODE) return "random-k control";
  return isTrainableMode(mode) ? MODE_LABELS[mode] : mode;
}

/** A named mode's fixed colour slot (its place in MODE_ORDER), or null for any other mode. */
export function modeColorKey(mode: string): number | null {
  const i = (MODE_ORDER as readonly string[]).indexOf(mode);
  return i >= 0 ? i : null;
}

/** Sort order: the paper's modes first, in MODE_ORDER, then the others by name. */
export function compareModes(a: string, b: string): number {
  const ia = modeColorKey(a);
  const ib = modeColorKey(b);
  if (ia !== null && ib !== null) return ia - ib;
  if (ia !== null) return -1;
  if (ib !== null) return 1;
  return a.localeCompare(b);
}
