/**
 * What the findings page reads, with nothing heavy on the request path: the runs and their γ
 * fractions from the index (ingest summarised every checkpoint), and the pruning comparison from
 * the analysis cache — when it is not there yet, its computation starts in the background and the
 * page says so ("computing"), filling in on a later render.
 */
import type { FindingRun, PruningComparison } from "../analysis/findings";
import { getDataset, isDatasetName } from "../data/registry";
import type { Db } from "../db/client";
import { completeRunCounts, completeRunsWithGamma } from "../db/queries";
import { explain, pruningCurveOrStart } from "./page-data";

/** The pruning claim is judged where the paper looks: with 30% of the channels removed. */
const PRUNE_FRACTION = 0.3;

export interface FindingsData {
  /** Datasets with complete runs, and the one shown (null: no complete run yet). */
  datasets: string[];
  dataset: string | null;
  runs: FindingRun[];
  pruning: PruningComparison | null;
  /** The pruning comparison is being computed (the page refreshes until it is there). */
  pruningPending: boolean;
  pruningError: string | null;
}

export async function findingsData(db: Db, asked: string | undefined): Promise<FindingsData> {
  const counts = await completeRunCounts(db);
  const datasets = [...counts.keys()].sort();
  const dataset = asked && counts.has(asked) ? asked : ([...datasets].sort((a, b) => counts.get(b)! - counts.get(a)!)[0] ?? null);
  if (!dataset) return { datasets, dataset: null, runs: [], pruning: null, pruningPending: false, pruningError: null };

  const runs: FindingRun[] = (await completeRunsWithGamma(db, dataset)).map((r) => ({
    id: r.id, dataset: r.dataset, depth: r.depth, width: r.width, mode: r.mode, seed: r.seed,
    finalAccuracy: r.finalTestAccuracy, paramsTotal: r.paramsTotal, paramsTrainable: r.paramsTrainable, gammaBelow001: r.gammaBelow001,
    epochs: r.epochsDone, trainSize: trainSizeOf(r.dataset, r.config),
  }));

  // The pruning comparison on the deepest BN-only run (the prune page's cached curve).
  let pruning: PruningComparison | null = null;
  let pruningPending = false;
  let pruningError: string | null = null;
  const bn = runs.filter((r) => r.mode === "bn").sort((a, b) => b.depth - a.depth || a.width - b.width || a.seed - b.seed)[0];
  if (bn) {
    try {
      const curve = await pruningCurveOrStart(db, bn.id);
      if (curve) {
        const at = curve.points.reduce((best, p) => (Math.abs(p.fraction - PRUNE_FRACTION) < Math.abs(best.fraction - PRUNE_FRACTION) ? p : best));
        pruning = { runId: bn.id, fraction: at.fraction, gammaOrdered: at.gamma.accuracy, randomMean: at.random.mean, randomSd: at.random.sd };
      } else pruningPending = true;
    } catch (e) {
      pruningError = explain(e, `pruning comparison of ${bn.id}`);
    }
  }
  return { datasets, dataset, runs, pruning, pruningPending, pruningError };
}

/** Training images of a run: its `trainSubset` when it trained on a subset, else the dataset's training split. */
function trainSizeOf(dataset: string, config: string): number | null {
  let subset: unknown;
  try {
    subset = (JSON.parse(config) as { data?: { trainSubset?: unknown } }).data?.trainSubset;
  } catch {
    subset = undefined;
  }
  if (typeof subset === "number") return subset;
  return isDatasetName(dataset) ? getDataset(dataset).trainCount : null;
}
