/**
 * Depth and width aggregation: the paper's figures of accuracy against depth (ResNet-D, width 16)
 * and against width (ResNet-14, width 16·K), per trainable mode, mean ± sd over seeds.
 *
 * Families: a run is on the depth axis ("resnet") when its width is 16 and on the width axis
 * ("wide") when its depth is 14. ResNet-14 at width 16 is on both axes, so it appears in two rows,
 * once per family (the shared point of the two curves). A run on neither axis (e.g. resnet-20 width
 * 32) gets family "other" rather than being dropped.
 *
 * Runs are grouped by (dataset, family, depth, width, mode); every run of a group counts, so pass
 * only the runs that should be averaged (one per seed, same recipe). Accuracies may be null for a
 * run that has not finished; such a run counts in `n` but not in that metric's mean.
 */
import { resnetSpec } from "../models/arch";
import { countParameters, countTrainable, type ParameterCounts } from "../models/groups";
import { modeGroups, type ParamGroup } from "../run/modes";
import { getDataset } from "../data/registry";
import { meanSd, type MeanSd } from "./stats";

export type Family = "resnet" | "wide" | "other";

/** The depth-axis width and the width-axis depth. */
export const FAMILY_WIDTH = 16;
export const FAMILY_DEPTH = 14;

export interface RunResult {
  id?: string;
  dataset: string;
  depth: number;
  width: number;
  /** The run's mode (lib/run/modes): "bn", "all", "bn+output", …, or "a+b" for other groups. */
  mode: string;
  seed: number;
  /** Test accuracy at the last epoch, in [0, 1]. */
  finalAccuracy: number | null;
  /** Best test accuracy over the epochs, in [0, 1]. */
  bestAccuracy: number | null;
  /** Total and trainable parameters as the run recorded them; counted from the architecture when absent. */
  parameters?: { total: number; trainable: number };
  /** Input channels and classes; default from the dataset registry. */
  inChannels?: number;
  classes?: number;
}

export interface AggregateRow {
  dataset: string;
  family: Family;
  depth: number;
  width: number;
  /** The runs' mode: "bn", "all", "bn+output", "output", "none", or "a+b". */
  mode: string;
  groups: ParamGroup[];
  /** Runs in the group. */
  n: number;
  seeds: number[];
  ids: string[];
  final: MeanSd;
  best: MeanSd;
  parameters: ParameterCounts & { trainable: number };
}

export function familiesOf(depth: number, width: number): Family[] {
  const out: Family[] = [];
  if (width === FAMILY_WIDTH) out.push("resnet");
  if (depth === FAMILY_DEPTH) out.push("wide");
  return out.length ? out : ["other"];
}

function shapeOf(run: RunResult): { inChannels: number; classes: number } {
  if (run.inChannels !== undefined && run.classes !== undefined) return { inChannels: run.inChannels, classes: run.classes };
  const info = getDataset(run.dataset);
  return { inChannels: run.inChannels ?? info.channels, classes: run.classes ?? info.classes };
}

const FAMILY_ORDER: Family[] = ["resnet", "wide", "other"];

/** Rows per (dataset, family, depth, width, mode), sorted by dataset, family, mode, depth, width. */
export function aggregateRuns(runs: readonly RunResult[]): AggregateRow[] {
  const groups = new Map<string, { key: Omit<AggregateRow, "n" | "seeds" | "ids" | "final" | "best">; runs: RunResult[] }>();
  for (const run of runs) {
    const mode = run.mode;
    const { inChannels, classes } = shapeOf(run);
    const spec = resnetSpec({ depth: run.depth, width: run.width, inChannels, classes });
    for (const family of familiesOf(run.depth, run.width)) {
      const k = JSON.stringify([run.dataset, family, run.depth, run.width, mode, inChannels, classes]);
      let entry = groups.get(k);
      if (!entry) {
        const trained = modeGroups(mode);
        // The per-group breakdown comes from the architecture; total and trainable from the run when it has them.
        const counts = countParameters(spec);
        const parameters = { ...counts, total: run.parameters?.total ?? counts.total, trainable: run.parameters?.trainable ?? countTrainable(spec, trained) };
        entry = { key: { dataset: run.dataset, family, depth: run.depth, width: run.width, mode, groups: trained, parameters }, runs: [] };
        groups.set(k, entry);
      }
      entry.runs.push(run);
    }
  }
  const values = (rs: RunResult[], pick: (r: RunResult) => number | null) =>
    rs.map(pick).filter((v): v is number => v !== null && Number.isFinite(v));
  const rows: AggregateRow[] = [...groups.values()].map(({ key, runs: rs }) => ({
    ...key,
    n: rs.length,
    seeds: rs.map((r) => r.seed).sort((a, b) => a - b),
    ids: rs.map((r) => r.id).filter((id): id is string => id !== undefined),
    final: meanSd(values(rs, (r) => r.finalAccuracy)),
    best: meanSd(values(rs, (r) => r.bestAccuracy)),
  }));
  return rows.sort(
    (a, b) =>
      a.dataset.localeCompare(b.dataset) ||
      FAMILY_ORDER.indexOf(a.family) - FAMILY_ORDER.indexOf(b.family) ||
      a.mode.localeCompare(b.mode) ||
      a.depth - b.depth ||
      a.width - b.width,
  );
}
