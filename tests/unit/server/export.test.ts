/**
 * Figure export: the run figures' specs (lib/charts/run-figures) render on the server
 * (lib/server/render) to standalone SVG, PNG at 2× and CSV; a zip holds every figure in every
 * format; the export routes' and pages' query parameters (lib/server/figure-query).
 */
import { unzipSync, strFromU8 } from "fflate";
import { describe, expect, it } from "vitest";
import { fractionBelow } from "../../../lib/analysis/gamma";
import type { GammaSnapshot } from "../../../lib/analysis/snapshot";
import { histogram } from "../../../lib/analysis/stats";
import { figureTable, withLayout } from "../../../lib/charts/figure-spec";
import { pruningCurveSpec, RUN_FIGURES, runFigureSpec, type RunFigureData } from "../../../lib/charts/run-figures";
import { tableCsv } from "../../../lib/server/csv";
import { flatParams, lenientParse, RunFigureQuery } from "../../../lib/server/figure-query";
import { exportFigure, figureSize, renderSvg, safeFileName, svgToPng, thresholdInName, zipFigures } from "../../../lib/server/render";
import { heatmapLayers, pruningFixture, RUN_BN, trainedGammas, TOTAL_CHANNELS } from "../charts/helpers";

const { now, init } = trainedGammas();

function snapshot(g: typeof now, runId: string, mode: string, epoch: number): GammaSnapshot {
  return { runId, mode, epoch, layers: heatmapLayers(g), histogram: histogram(g.gamma, { bins: 30 }) };
}

const data: RunFigureData = {
  run: { id: "r-bn-s0", mode: "bn", dataset: "synthetic", depth: 8, width: 4, seed: 0, classes: 10 },
  metrics: RUN_BN.points.map((p) => ({ ...p })),
  gamma: snapshot(now, "r-bn-s0", "bn", 12),
  gammaError: null,
  init: snapshot(init, "r-bn-s0", "bn", 0),
  sibling: snapshot(init, "r-all-s0", "all", 12),
};

describe("run figure specs", () => {
  it("the run's |γ| axis stays put across epochs (gammaAxis), and the sibling is named with its epoch", () => {
    const axis: [number, number] = [1e-4, 2];
    const edges = (d: RunFigureData) => figureTable(runFigureSpec("gamma-histogram-log", d, { threshold: 0.01 })!).rows.filter((r) => r[2] === "bin" && r[1] === "primary").map((r) => [r[3], r[4]]);
    const atInit: RunFigureData = { ...data, gamma: data.init, init: null, sibling: null, gammaAxis: axis };
    const atEnd: RunFigureData = { ...data, sibling: null, gammaAxis: axis };
    expect(edges(atInit)).toEqual(edges(atEnd));
    const table = figureTable(runFigureSpec("gamma-histogram-log", data, { threshold: 0.01 })!);
    expect(table.rows.some((r) => r[1] === "overlay")).toBe(true);
  });

  it("the linear γ axis stays put across epochs too (gammaLinearAxis)", () => {
    const lo = Math.min(data.init!.histogram.edges[0], data.gamma!.histogram.edges[0]);
    const hi = Math.max(data.init!.histogram.edges.at(-1)!, data.gamma!.histogram.edges.at(-1)!);
    const edges = (d: RunFigureData) => figureTable(runFigureSpec("gamma-histogram-linear", d, { threshold: 0.01 })!).rows.filter((r) => r[2] === "bin" && r[1] === "primary").map((r) => [r[3], r[4]]);
    const atInit: RunFigureData = { ...data, gamma: data.init, init: null, sibling: null, gammaLinearAxis: [lo, hi] };
    const atEnd: RunFigureData = { ...data, sibling: null, gammaLinearAxis: [lo, hi] };
    // The two checkpoints' own ranges differ, so without the run's axis the bins would move.
    expect(edges({ ...atInit, gammaLinearAxis: null })).not.toEqual(edges({ ...atEnd, gammaLinearAxis: null }));
    expect(edges(atInit)).toEqual(edges(atEnd));
    const first = edges(atEnd)[0];
    expect(Number(first[0])).toBeLessThanOrEqual(lo);
  });

  it("builds every run figure, and none without γ", () => {
    for (const name of RUN_FIGURES) expect(runFigureSpec(name, data, { threshold: 0.01 }), name).not.toBeNull();
    const none = { ...data, gamma: null, gammaError: "no checkpoint" };
    for (const name of RUN_FIGURES.filter((n) => n !== "training-curves")) expect(runFigureSpec(name, none, { threshold: 0.01 })).toBeNull();
    expect(runFigureSpec("training-curves", { ...data, metrics: [] }, { threshold: 0.01 })).toBeNull();
  });

  it("overlays the sibling and the epoch-0 ghost on the histograms", () => {
    const spec = runFigureSpec("gamma-histogram-log", data, { threshold: 0.01 })!;
    const svg = renderSvg(spec);
    expect(svg).toContain('class="ghost"');
    expect(svg).toContain('data-series="r-all-s0"');
    expect(svg.match(/class="threshold"/g)).toHaveLength(1);
  });

  it("puts the pruning-curve marker at the fraction t removes", () => {
    const spec = pruningCurveSpec(pruningFixture(), data, { threshold: 0.01, accuracy: 0.5 });
    expect(spec.kind).toBe("pruning-curve");
    const f = fractionBelow(now, 0.01).fraction;
    expect(renderSvg(spec)).toContain(`data-fraction="${f}"`);
  });
});

describe("export formats", () => {
  const spec = withLayout(runFigureSpec("gamma-heatmap", data, { threshold: 0.01 })!, { width: 600, theme: "dark" });

  it("SVG: standalone, the size asked, the theme asked", () => {
    const svg = new TextDecoder().decode(exportFigure(spec, "svg"));
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="600"')).toBe(true);
    expect(svg).toContain('data-theme="dark"');
    expect(figureSize(svg).width).toBe(600);
  });

  it("PNG: twice the SVG's size", () => {
    const svg = renderSvg(spec);
    const { png, width, height } = svgToPng(svg);
    const size = figureSize(svg);
    expect([width, height]).toEqual([2 * size.width, 2 * size.height]);
    const v = new DataView(png.buffer, png.byteOffset);
    expect([v.getUint32(16), v.getUint32(20)]).toEqual([2 * size.width, 2 * size.height]);
  });

  it("CSV: the builder's table, one row per number drawn", () => {
    const csv = tableCsv(figureTable(spec));
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("layer_index,layer,shortcut,channels,rank,abs_gamma,below_0.01");
    expect(lines).toHaveLength(1 + TOTAL_CHANNELS);
  });

  it("zip: every figure as SVG, PNG and CSV, and a README naming what is missing", () => {
    const figures = RUN_FIGURES.map((name) => ({ name, spec: runFigureSpec(name, data, { threshold: 0.01 })! }));
    const files = unzipSync(zipFigures("r-bn-s0-ep12-figures", figures, ["pruning-curve: no test data"]));
    expect(Object.keys(files)).toHaveLength(RUN_FIGURES.length * 3 + 1);
    expect(strFromU8(files["r-bn-s0-ep12-figures/README.txt"])).toContain("pruning-curve: no test data");
    expect(strFromU8(files["r-bn-s0-ep12-figures/training-curves.csv"]).split("\r\n")[0]).toBe("run,mode,split,epoch,loss_nats,accuracy_fraction");
  });

  it("zip README records the figures' parameters; t in file names is rounded", () => {
    const figures = [{ name: "gamma-heatmap", spec: runFigureSpec("gamma-heatmap", data, { threshold: 0.2913535237312317 })! }];
    const params = { threshold: 0.2913535237312317, epoch: 12, sibling: "r-all-s0 (epoch 12)", theme: "light" };
    const readme = strFromU8(unzipSync(zipFigures("f", figures, [], params))["f/README.txt"]);
    expect(readme).toContain("Parameters:");
    expect(readme).toContain("  threshold t on |γ|: 0.291");
    expect(readme).toContain("  epoch: 12");
    expect(readme).toContain("  sibling: r-all-s0 (epoch 12)");
    expect(thresholdInName(0.2913535237312317)).toBe("t0.291");
    expect(thresholdInName(1e-5)).toBe("t1e-5");
  });

  it("file names keep to letters, digits and ._+-", () => {
    expect(safeFileName('a b/c"d.svg')).toBe("a_b_c_d.svg");
  });
});

describe("query parameters", () => {
  it("validates export queries and keeps a bookmark's good fields", () => {
    expect(RunFigureQuery.parse({ t: "0.1", theme: "dark", format: "png" })).toMatchObject({ t: 0.1, theme: "dark", format: "png" });
    expect(RunFigureQuery.safeParse({ t: "0" }).success).toBe(false);
    expect(RunFigureQuery.safeParse({ format: "gif" }).success).toBe(false);
    const { value, problems } = lenientParse(RunFigureQuery, { t: "abc", epoch: "2", theme: ["dark", "light"] });
    expect(value.epoch).toBe(2);
    expect(value.t).toBe(0.01);
    expect(problems.join()).toMatch(/^t: /);
    expect(flatParams({ runs: ["a", "b"], x: "", y: undefined })).toEqual({ runs: "a,b" });
  });
});
