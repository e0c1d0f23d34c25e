/**
 * What the findings page reads: the complete runs of one dataset with their budgets and γ
 * fractions (final and epoch 0, from the summaries ingest stored), and the pruning comparisons of
 * the BN-only runs the pruning claim rests on — from the analysis cache only. A missing pruning
 * curve is started in the background and reported as pending; the page never waits for one.
 */
import { findings, pruningCandidates, type Finding, type FindingRun, type PruningComparison } from "../analysis/findings";
import { getDataset } from "../data/registry";
import type { Db } from "../db/client";
import { gammaFractionsBelow001, listAllRuns } from "../db/queries";
import { pruningCurveOrStart, explain, PRUNING_RANDOM_DRAWS } from "./page-data";

/** The pruning claim is judged where the paper looks: with 30% of the channels removed. */
export const PRUNE_FRACTION = 0.3;

type RunRow = Awaited<ReturnType<typeof listAllRuns>>[number];

/** The training subset of a stored config (the one budget field the index has no column for). */
function trainSubsetOf(row: RunRow): number | undefined {
  try {
    return (JSON.parse(row.config) as { data?: { trainSubset?: number } }).data?.trainSubset;
  } catch {
    return undefined;
  }
}

export function findingRun(row: RunRow, gamma: Map<string, number>): FindingRun {
  return {
    id: row.id, dataset: row.dataset, family: row.family, depth: row.depth, width: row.width, bnPlacement: row.bnPlacement, shortcut: row.shortcut,
    mode: row.mode, seed: row.seed, finalAccuracy: row.finalTestAccuracy, paramsTotal: row.paramsTotal, paramsTrainable: row.paramsTrainable,
    gammaBelow001: gamma.get(`${row.id}@${row.epochsDone}`) ?? null,
    gammaBelow001Init: gamma.get(`${row.id}@0`) ?? null,
    epochs: row.epochsDone,
    trainSize: Math.min(trainSubsetOf(row) ?? Infinity, getDataset(row.dataset).trainCount),
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

export async function loadFindings(db: Db, wanted?: string): Promise<FindingsData> {
  const rows = await listAllRuns(db, { status: "complete" });
  const datasets = [...new Set(rows.map((r) => r.dataset))].sort();
  const count = (d: string) => rows.filter((r) => r.dataset === d).length;
  const dataset = wanted && datasets.includes(wanted) ? wanted : ([...datasets].sort((a, b) => count(b) - count(a))[0] ?? null);
  if (!dataset) return { datasets, dataset, runs: 0, list: [], pruningErrors: {} };

  const mine = rows.filter((r) => r.dataset === dataset);
  const gamma = await gammaFractionsBelow001(db, mine.map((r) => r.id), [0, ...mine.map((r) => r.epochsDone)]);
  const runs = mine.map((r) => findingRun(r, gamma));

  const pruning: PruningComparison[] = [];
  const pending: string[] = [];
  const pruningErrors: Record<string, string> = {};
  for (const id of pruningCandidates(runs, dataset)) {
    try {
      const curve = await pruningCurveOrStart(db, id);
      if (!curve) {
        pending.push(id);
        continue;
      }
      const at = curve.points.reduce((best, p) => (Math.abs(p.fraction - PRUNE_FRACTION) < Math.abs(best.fraction - PRUNE_FRACTION) ? p : best));
      pruning.push({ runId: id, fraction: at.fraction, gammaOrdered: at.gamma.accuracy, randomMean: at.random.mean, randomSd: at.random.sd, randomDraws: PRUNING_RANDOM_DRAWS });
    } catch (e) {
      pruningErrors[id] = explain(e, `findings: pruning curve of ${id}`);
    }
  }
  return { datasets, dataset, runs: runs.length, list: findings(runs, { dataset, pruning, pruningPending: pending }), pruningErrors };
}
