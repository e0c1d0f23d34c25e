import { describe, expect, it } from "vitest";
import { findingRun } from "../../../lib/server/findings";

type Row = Parameters<typeof findingRun>[0];

const row = (over: Partial<Row>): Row =>
  ({
    id: "r1", dataset: "fashion-mnist", family: "resnet", bnPlacement: "before-relu", shortcut: "projection", depth: 8, width: 16, mode: "bn", seed: 2, epochsDone: 4, finalTestAccuracy: 0.61,
    paramsTotal: 77_754, paramsTrainable: 672, trainSubset: 2000, gammaBelow001: 0.2, gammaBelow001Init: 0.01, ...over,
  }) as Row;

describe("findingRun", () => {
  it("takes the budget from the run and its config, and the γ fractions of its final checkpoint and epoch 0", () => {
    expect(findingRun(row({}))).toMatchObject({ id: "r1", epochs: 4, trainSize: 2000, gammaBelow001: 0.2, gammaBelow001Init: 0.01, family: "resnet", bnPlacement: "before-relu", shortcut: "projection" });
  });

  it("uses the whole training set without a subset (and never more), the index's architecture columns, null for a missing γ", () => {
    const r = findingRun(row({ bnPlacement: "after-relu", shortcut: "none", trainSubset: 10 ** 9, gammaBelow001: null, gammaBelow001Init: null }));
    expect(r).toMatchObject({ trainSize: 60_000, bnPlacement: "after-relu", shortcut: "none", gammaBelow001: null, gammaBelow001Init: null });
    expect(findingRun(row({ trainSubset: null })).trainSize).toBe(60_000);
  });
});
