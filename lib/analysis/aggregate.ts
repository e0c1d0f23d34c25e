/**
 * Depth and width aggregation: the paper's figures of accuracy against depth and against width,
 * per trainable mode, mean ± sd over seeds.
 *
 * One row per network and mode: runs are grouped by (dataset, depth, width, mode), so a network is
 * never listed twice. Its `family` is the architecture's ("resnet" at the base width 16, "wide" at
 * any other width, e.g. WRN-8-2 = ResNet-8 at width 32) and `network` its display name. Which
 * rows make a curve is decided by `depthWidthSeries`: a depth series is one width trained at two
 * or more depths, a width series one depth trained at two or more widths, at any depth.
 *
 * Every run of a group counts, so pass only the runs that should be averaged (one per seed, same
 * recipe). Accuracies may be null for a run that has not finished; such a run counts in `n` but
 * not in that metric's mean.
 */
import { resnetSpec } from "../models/arch";
import { countParameters, countTrainable, type ParameterCounts } from "../models/groups";
import { modeGroups, type ParamGroup } from "../run/modes";
import { getDataset } from "../data/registry";
import { architectureName, BASE_WIDTH } from "../models/names";
import { meanSd, type MeanSd } from "./stats";

/** The architecture's family: ResNet-D at the base width, the wide family (WRN-D-K and other widths) otherwise. */
export type Family = "resnet" | "wide";

/** The width of the paper's depth series (open_lth's default). */
export const FAMILY_WIDTH = BASE_WIDTH;

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
  /** The display name (`architectureName`): "ResNet-20", "WRN-8-2". */
  network: string;
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

export function familyOf(width: number): Family {
  return width === FAMILY_WIDTH ? "resnet" : "wide";
}

function shapeOf(run: RunResult): { inChannels: number; classes: number } {
  if (run.inChannels !== undefined && run.classes !== undefined) return { inChannels: run.inChannels, classes: run.classes };
  const info = getDataset(run.dataset);
  return { inChannels: run.inChannels ?? info.channels, classes: run.classes ?? info.classes };
}

const FAMILY_ORDER: Family[] = ["resnet", "wide"];

/** A group's own statistics, however they were gathered (from runs here, or grouped by the database). */
export interface GroupStats {
  n: number;
  seeds: number[];
  ids: string[];
  final: MeanSd;
  best: MeanSd;
}

/** The row of one (dataset, depth, width, mode) group; `first` is any of its runs (the architecture and recorded parameter counts). */
export function aggregateRow(first: RunResult, stats: GroupStats): AggregateRow {
  const { inChannels, classes } = shapeOf(first);
  const spec = resnetSpec({ depth: first.depth, width: first.width, inChannels, classes });
  const trained = modeGroups(first.mode);
  // The per-group breakdown comes from the architecture; total and trainable from the run when it has them.
  const counts = countParameters(spec);
  const parameters = { ...counts, total: first.parameters?.total ?? counts.total, trainable: first.parameters?.trainable ?? countTrainable(spec, trained) };
  return {
    dataset: first.dataset, family: familyOf(first.width), network: architectureName(first), depth: first.depth, width: first.width, mode: first.mode, groups: trained, parameters,
    n: stats.n, seeds: [...stats.seeds].sort((a, b) => a - b), ids: stats.ids, final: stats.final, best: stats.best,
  };
}

/** Sorted by dataset, family, mode, depth, width. */
export function sortAggregateRows(rows: AggregateRow[]): AggregateRow[] {
  return rows.sort(
    (a, b) =>
      a.dataset.localeCompare(b.dataset) ||
      FAMILY_ORDER.indexOf(a.family) - FAMILY_ORDER.indexOf(b.family) ||
      a.mode.localeCompare(b.mode) ||
      a.depth - b.depth ||
      a.width - b.width,
  );
}

/** Rows per (dataset, depth, width, mode), sorted by dataset, family, mode, depth, width. */
export function aggregateRuns(runs: readonly RunResult[]): AggregateRow[] {
  const groups = new Map<string, RunResult[]>();
  for (const run of runs) {
    const { inChannels, classes } = shapeOf(run);
    const k = JSON.stringify([run.dataset, run.depth, run.width, run.mode, inChannels, classes]);
    const entry = groups.get(k);
    if (entry) entry.push(run);
    else groups.set(k, [run]);
  }
  const values = (rs: RunResult[], pick: (r: RunResult) => number | null) =>
    rs.map(pick).filter((v): v is number => v !== null && Number.isFinite(v));
  return sortAggregateRows(
    [...groups.values()].map((rs) =>
      aggregateRow(rs[0], {
        n: rs.length,
        seeds: rs.map((r) => r.seed),
        ids: rs.map((r) => r.id).filter((id): id is string => id !== undefined),
        final: meanSd(values(rs, (r) => r.finalAccuracy)),
        best: meanSd(values(rs, (r) => r.bestAccuracy)),
      }),
    ),
  );
}

export { depthWidthSeries, type DepthWidthSeries, type SeriesAxis, type SeriesRow } from "./depth-width-series";
