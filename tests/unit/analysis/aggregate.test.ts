import { describe, expect, it } from "vitest";
import { aggregateRuns, depthWidthSeries, familyOf, type RunResult } from "../../../lib/analysis/aggregate";
import { countParameters, resnetSpec } from "../../../lib/models";

const run = (depth: number, width: number, mode: string, seed: number, finalAccuracy: number | null, bestAccuracy: number | null, dataset = "cifar10"): RunResult => ({
  id: `${dataset}-${depth}-${width}-${mode}-${seed}`,
  dataset,
  depth,
  width,
  mode,
  seed,
  finalAccuracy,
  bestAccuracy,
});

describe("aggregateRuns", () => {
  it("mean ± sd over seeds per (dataset, depth, width, mode)", () => {
    const rows = aggregateRuns([
      run(20, 16, "bn", 0, 0.5, 0.55),
      run(20, 16, "bn", 1, 0.6, 0.65),
      run(20, 16, "bn", 2, 0.7, 0.75),
      run(20, 16, "all", 0, 0.9, 0.92),
    ]);
    expect(rows.map((r) => `${r.family}/${r.depth}/${r.width}/${r.mode}/${r.n}`)).toEqual(["resnet/20/16/all/1", "resnet/20/16/bn/3"]);
    const bn = rows[1];
    expect(bn.final.mean).toBeCloseTo(0.6, 12);
    expect(bn.final.sd).toBeCloseTo(0.1, 12);
    expect(bn.best.mean).toBeCloseTo(0.65, 12);
    expect(bn.best.sd).toBeCloseTo(0.1, 12);
    expect(bn.seeds).toEqual([0, 1, 2]);
    expect(bn.groups).toEqual(["bn"]);
    expect(rows[0].final).toEqual({ mean: 0.9, sd: null, n: 1 });
  });

  it("one row per network: family is the architecture's, series are found by what was varied", () => {
    expect(familyOf(16)).toBe("resnet");
    expect(familyOf(32)).toBe("wide");
    const rows = aggregateRuns([run(14, 16, "bn", 0, 0.4, 0.5), run(14, 32, "bn", 0, 0.5, 0.6), run(20, 32, "bn", 0, 0.5, 0.6), run(20, 16, "bn", 0, 0.45, 0.5)]);
    expect(rows.map((r) => `${r.family}/${r.network}`)).toEqual(["resnet/ResNet-14", "resnet/ResNet-20", "wide/WRN-14-2", "wide/WRN-20-2"]);
    // depth series at widths 16 and 32; width series at depths 14 and 20
    expect(depthWidthSeries(rows, "depth").map((c) => `${c.fixed}:${c.rows.map((r) => r.depth).join(",")}`)).toEqual(["16:14,20", "32:14,20"]);
    expect(depthWidthSeries(rows, "width").map((c) => `${c.fixed}:${c.rows.map((r) => r.width).join(",")}`)).toEqual(["14:16,32", "20:16,32"]);
    // a single size along an axis is no series
    expect(depthWidthSeries(rows.filter((r) => r.width === 16), "width")).toEqual([]);
  });

  it("parameter counts, total and trainable (resnet-14 width 16: 560 BN channels → 1,120 BN parameters)", () => {
    const [row] = aggregateRuns([run(14, 16, "bn", 0, 0.4, 0.5)]);
    const counts = countParameters(resnetSpec({ depth: 14, width: 16 }));
    expect(row.parameters.bn).toBe(1120);
    expect(row.parameters.trainable).toBe(1120);
    expect(row.parameters.total).toBe(counts.total);
    const [bo] = aggregateRuns([run(14, 16, "bn+output", 0, 0.4, 0.5)]);
    expect(bo.mode).toBe("bn+output");
    // fc: 64·10 + 10.
    expect(bo.parameters.trainable).toBe(1120 + 650);
    // MNIST has one input channel: the stem conv is 16·1·9 instead of 16·3·9.
    const [mn] = aggregateRuns([run(14, 16, "all", 0, 0.9, 0.9, "mnist")]);
    expect(mn.parameters.total).toBe(counts.total - 16 * 2 * 9);
    expect(mn.parameters.trainable).toBe(mn.parameters.total);
  });

  it("takes total and trainable from the runs when they recorded them; the group breakdown from the architecture", () => {
    const [row] = aggregateRuns([{ ...run(14, 16, "bn+shortcut", 0, 0.4, 0.5), parameters: { total: 1234, trainable: 567 } }]);
    expect(row.groups).toEqual(["bn", "shortcut"]);
    expect(row.parameters).toMatchObject({ total: 1234, trainable: 567, bn: 1120 });
  });

  it("unfinished runs count in n but not in the means", () => {
    const [row] = aggregateRuns([run(20, 16, "bn", 0, 0.5, 0.6), run(20, 16, "bn", 1, null, 0.4)]);
    expect(row.n).toBe(2);
    expect(row.final).toEqual({ mean: 0.5, sd: null, n: 1 });
    expect(row.best.n).toBe(2);
    expect(row.best.mean).toBeCloseTo(0.5, 12);
  });
});
