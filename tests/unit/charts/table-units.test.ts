/**
 * Every figure's CSV says the unit and scale of its numbers in the header: accuracies are
 * fractions (0–1) while the pages show %, loss is cross-entropy in nats, counts say what they count.
 */
import { describe, expect, it } from "vitest";
import { depthWidthTable } from "../../../lib/charts/depth-width";
import { gammaHistogramTable } from "../../../lib/charts/gamma-histogram";
import { pruningCurveTable } from "../../../lib/charts/pruning-curve";
import { trainingCurvesTable } from "../../../lib/charts/training-curves";
import { depthWidthRows, pruningFixture, RUN_BN, trainedGammas } from "./helpers";

describe("figure tables name their units", () => {
  it("training curves: loss in nats, accuracy as a fraction", () => {
    expect(trainingCurvesTable(RUN_BN).columns).toEqual(["run", "mode", "split", "epoch", "loss_nats", "accuracy_fraction"]);
  });

  it("pruning curve: fractions, channel counts, the number of random masks", () => {
    expect(pruningCurveTable(pruningFixture()).columns).toEqual(["fraction_removed", "removed_channels", "total_channels", "gamma_accuracy_fraction", "gamma_ci95_low_fraction", "gamma_ci95_high_fraction", "random_mean_fraction", "random_sd_fraction", "random_masks"]);
  });

  it("depth vs width: accuracy as a fraction, parameters as counts", () => {
    const cols = depthWidthTable(depthWidthRows()).columns;
    expect(cols).toEqual(expect.arrayContaining(["accuracy_mean_fraction", "accuracy_sd_fraction", "params_total_count", "params_trainable_count", "runs_n"]));
  });

  it("γ histogram: unitless γ said so, channel counts", () => {
    const cols = gammaHistogramTable({ series: { key: "bn", values: trainedGammas().now.gamma } }).columns;
    expect(cols).toEqual(["series", "role", "kind", "abs_gamma_low_unitless", "abs_gamma_high_unitless", "channels", "fraction_below_0.01", "binning"]);
  });
});
