/**
 * Parameter counts by group, from the tensor specs. Which groups train (the modes) is decided
 * in lib/run/modes.
 */
import { sizeOf, tensorSpecs, type ModelSpec, type ParamGroup } from "./arch";

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
