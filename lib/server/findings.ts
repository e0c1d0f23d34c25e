/**
 * What the findings page reads: the complete runs of one dataset with their budgets and γ
 * fractions (final and epoch 0, from the summaries ingest stored), and the pruning comparisons of
 * the BN-only runs the pruning claim rests on — from the analysis cache only. A missing pruning
 * curve is started in the background and reported as pending; the page never waits for one.
 */
import { findings, pruningCandidates, type Finding, type FindingRun, type PruningComparison } from "../analysis/findings";
import type { PruningCurveLike } from "../charts";
import { getDataset } from "../data/registry";
import type { Db } from "../db/client";
import { completeRunCounts, findingInputs, type FindingInputRow } from "../db/queries";
import { explain, pruningCurvesOrStart, PRUNING_RANDOM_DRAWS } from "./page-data";

/** The pruning claim is judged where the paper looks: with 30% of the channels removed. */
export const PRUNE_FRACTION = 0.3;

export function findingRun(row: FindingInputRow): FindingRun {
  return {
    id: row.id, dataset: row.dataset, family: row.family, depth: row.depth, width: row.width, bnPlacement: row.bnPlacement, shortcut: row.shortcut,
    mode: row.mode, seed: row.seed, finalAccuracy: row.finalTestAccuracy, paramsTotal: row.paramsTotal, paramsTrainable: row.paramsTrainable,
    gammaBelow001: row.gammaBelow001,
    gammaBelow001Init: row.gammaBelow001Init,
    epochs: row.epochsDone,
    trainSize: Math.min(row.trainSubset ?? Infinity, getDataset(row.dataset).trainCount),
  };
}

export interface FindingsData {
  datasets: string[];
  dataset: string | null;
  runs: number;
  list: Finding[];
  /** Pruning curves that failed, by run id. */
  pruningErrors: Record<string, string>;
}

/**
 * Reads only rows the index already holds — run columns, γ fractions aggregated from the stored
 * summaries, cached pruning curves — in a handful of queries whatever the number of runs.
 */
export async function loadFindings(db: Db, wanted?: string): Promise<FindingsData> {
  const counts = await completeRunCounts(db);
  const datasets = [...counts.keys()].sort();
  const dataset = wanted && datasets.includes(wanted) ? wanted : ([...datasets].sort((a, b) => counts.get(b)! - counts.get(a)!)[0] ?? null);
  if (!dataset) return { datasets, dataset, runs: 0, list: [], pruningErrors: {} };

  const runs = (await findingInputs(db, dataset)).map(findingRun);
  const pruning: PruningComparison[] = [];
  const pending: string[] = [];
  const pruningErrors: Record<string, string> = {};
  for (const [id, curve] of await pruningCurvesOrStart(db, pruningCandidates(runs, dataset))) {
    if (curve === null) {
      pending.push(id);
    } else if ("error" in curve) {
      pruningErrors[id] = explain(curve.error, `findings: pruning curve of ${id}`);
    } else {
      const at = (curve as PruningCurveLike).points.reduce((best, p) => (Math.abs(p.fraction - PRUNE_FRACTION) < Math.abs(best.fraction - PRUNE_FRACTION) ? p : best));
      pruning.push({ runId: id, fraction: at.fraction, gammaOrdered: at.gamma.accuracy, randomMean: at.random.mean, randomSd: at.random.sd, randomDraws: PRUNING_RANDOM_DRAWS });
    }
  }
  return { datasets, dataset, runs: runs.length, list: findings(runs, { dataset, pruning, pruningPending: pending }), pruningErrors };
}
