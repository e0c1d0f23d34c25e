/**
 * The tables of the API: the CSV columns of every tabular endpoint, the depth/width rows, and the
 * versioned names the analyses are cached under (change a body's shape and bump its version, and
 * the cache stops serving the old shape). Nothing here loads tfjs.
 */
import { aggregateRow, sortAggregateRows, type AggregateRow } from "../analysis/aggregate";
import type { AblationEvaluation, FractionBelow, GammaReport, InitComparison, PruningPoint } from "../analysis";
import type { Db } from "../db/client";
import { completeRunGroups } from "../db/queries";
import type { GammaBody } from "./compute";
import type { CsvColumn } from "./csv";
import type { PublicRun } from "./serialize";

export const ANALYSES = {
  gamma: "api-gamma@1",
  ablation: "api-ablation@1",
  accuracy: "api-accuracy@1",
  pruning: "api-pruning-curve@1",
} as const;

type GammaLayerRow = GammaReport["layers"][number] & { belowT: FractionBelow["layers"][number]; init: InitComparison["layers"][number] | null };

export function gammaLayerRows(b: GammaBody): GammaLayerRow[] {
  return b.report.layers.map((l, i) => ({ ...l, belowT: b.fractionBelow.layers[i], init: b.init?.layers[i] ?? null }));
}

const quantile = (l: GammaLayerRow, q: number) => l.absQuantiles.find((x) => x.q === q)?.value;

export function gammaColumns(threshold: number): CsvColumn<GammaLayerRow>[] {
  return [
    { header: "layer", value: (l) => l.name },
    { header: "shortcut", value: (l) => l.shortcut },
    { header: "channels", value: (l) => l.channels },
    { header: "gamma_mean", value: (l) => l.gamma.mean },
    { header: "gamma_sd", value: (l) => l.gamma.sd },
    { header: "gamma_min", value: (l) => l.gamma.min },
    { header: "gamma_max", value: (l) => l.gamma.max },
    { header: "abs_gamma_mean", value: (l) => l.absGamma.mean },
    { header: "abs_gamma_median", value: (l) => quantile(l, 0.5) },
    { header: "beta_mean", value: (l) => l.beta.mean },
    { header: "beta_sd", value: (l) => l.beta.sd },
    { header: "zeros", value: (l) => l.zeros },
    { header: `count_below_${threshold}`, value: (l) => l.belowT.count },
    { header: `fraction_below_${threshold}`, value: (l) => l.belowT.fraction },
    { header: "init_mean_abs_delta", value: (l) => l.init?.meanAbsDelta },
    { header: "init_correlation", value: (l) => l.init?.correlation },
  ];
}

type AblationLayer = AblationEvaluation["layers"][number];

export const ablationColumns: CsvColumn<AblationLayer>[] = [
  { header: "layer", value: (l) => l.name },
  { header: "shortcut", value: (l) => l.shortcut },
  { header: "channels", value: (l) => l.channels },
  { header: "removed", value: (l) => l.removed },
  { header: "fraction_removed", value: (l) => (l.channels ? l.removed / l.channels : null) },
];

export function pruningColumns(seeds: readonly number[]): CsvColumn<PruningPoint>[] {
  return [
    { header: "fraction", value: (p) => p.fraction },
    { header: "removed", value: (p) => p.removed },
    { header: "total", value: (p) => p.total },
    { header: "gamma_accuracy", value: (p) => p.gamma.accuracy },
    { header: "gamma_ci_low", value: (p) => p.gamma.interval[0] },
    { header: "gamma_ci_high", value: (p) => p.gamma.interval[1] },
    { header: "gamma_loss", value: (p) => p.gamma.loss },
    { header: "random_mean", value: (p) => p.random.mean },
    { header: "random_sd", value: (p) => p.random.sd },
    ...seeds.map((s, i): CsvColumn<PruningPoint> => ({ header: `random_seed_${s}`, value: (p) => p.random.accuracies[i] })),
  ];
}

// ---- depth and width

export type DepthWidthRow = AggregateRow & { accuracy: AggregateRow["final"] };

/** The paper's depth/width table over the complete runs of the index (all datasets, or one). */
export async function depthWidthRows(db: Db, dataset: string | undefined, metric: "final" | "best"): Promise<DepthWidthRow[]> {
  // The paper's grid is open_lth's ResNet as built by default (projection shortcuts, BN before
  // ReLU); VGG and the variants are other networks and stay out of its depth and width axes.
  const groups = await completeRunGroups(db, dataset);
  const rows = sortAggregateRows(
    groups.map((g) =>
      aggregateRow(
        { dataset: g.dataset, depth: g.depth, width: g.width, mode: g.mode, seed: g.seeds[0], finalAccuracy: null, bestAccuracy: null, parameters: { total: g.paramsTotal, trainable: g.paramsTrainable } },
        { n: g.n, seeds: g.seeds, ids: g.ids, final: g.final, best: g.best },
      ),
    ),
  );
  return rows.map((row) => ({ ...row, accuracy: row[metric] }));
}

export const depthWidthColumns: CsvColumn<DepthWidthRow>[] = [
  { header: "dataset", value: (r) => r.dataset },
  { header: "family", value: (r) => r.family },
  { header: "network", value: (r) => r.network },
  { header: "depth", value: (r) => r.depth },
  { header: "width", value: (r) => r.width },
  { header: "mode", value: (r) => r.mode },
  { header: "n", value: (r) => r.n },
  { header: "seeds", value: (r) => r.seeds.join(" ") },
  { header: "accuracy_mean", value: (r) => r.accuracy.mean },
  { header: "accuracy_sd", value: (r) => r.accuracy.sd },
  { header: "final_mean", value: (r) => r.final.mean },
  { header: "final_sd", value: (r) => r.final.sd },
  { header: "best_mean", value: (r) => r.best.mean },
  { header: "best_sd", value: (r) => r.best.sd },
  { header: "params_total", value: (r) => r.parameters.total },
  { header: "params_trainable", value: (r) => r.parameters.trainable },
];

// ---- runs and metrics

export const runColumns: CsvColumn<PublicRun>[] = [
  { header: "id", value: (r) => r.id },
  { header: "dataset", value: (r) => r.dataset },
  { header: "depth", value: (r) => r.depth },
  { header: "width", value: (r) => r.width },
  { header: "mode", value: (r) => r.mode },
  { header: "trainable", value: (r) => r.trainable.join(" ") },
  { header: "seed", value: (r) => r.seed },
  { header: "bn_init", value: (r) => r.bnInit },
  { header: "status", value: (r) => r.status },
  { header: "epochs", value: (r) => r.epochs },
  { header: "epochs_done", value: (r) => r.epochsDone },
  { header: "params_total", value: (r) => r.paramsTotal },
  { header: "params_trainable", value: (r) => r.paramsTrainable },
  { header: "final_test_accuracy", value: (r) => r.finalTestAccuracy },
  { header: "best_test_accuracy", value: (r) => r.bestTestAccuracy },
  { header: "backend", value: (r) => r.backend },
  { header: "code_version", value: (r) => r.codeVersion },
  { header: "created_at", value: (r) => r.createdAt },
  { header: "updated_at", value: (r) => r.updatedAt },
  { header: "error", value: (r) => r.error },
];

export interface MetricRow {
  epoch: number;
  step: number;
  split: string;
  loss: number;
  accuracy: number;
  lr: number;
  seconds: number;
}

export const metricColumns: CsvColumn<MetricRow>[] = (["epoch", "step", "split", "loss", "accuracy", "lr", "seconds"] as const).map((k) => ({
  header: k,
  value: (m: MetricRow) => m[k],
}));
