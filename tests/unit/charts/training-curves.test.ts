import { describe, expect, it } from "vitest";
import { toSvgString } from "../../../lib/charts/svg";
import { trainingCurves, trainingCurvesTable } from "../../../lib/charts/training-curves";
import { all, one, parseSvg, renderContext, RUN_ALL, RUN_BN } from "./helpers";

describe("trainingCurves", () => {
  it("one run: two panels, a line per split, a legend entry per split", () => {
    const svg = trainingCurves(RUN_BN, {}, renderContext());
    expect(one(svg, "text.title").textContent).toBe("Training curves — resnet-20 bn (seed 0)");
    expect(all(svg, "g.panel").map((p) => p.getAttribute("data-metric"))).toEqual(["loss", "accuracy"]);
    const labels = all(svg, "text.axis-label").map((t) => t.textContent);
    expect(labels).toEqual(["epoch", "loss (cross-entropy, nats)", "epoch", "accuracy (%)"]);
    const lines = all(svg, "path.series");
    expect(lines.map((l) => `${l.getAttribute("data-metric")}:${l.getAttribute("data-series")}`)).toEqual([
      "loss:r-bn-s0/train",
      "loss:r-bn-s0/test",
      "accuracy:r-bn-s0/train",
      "accuracy:r-bn-s0/test",
    ]);
    expect(all(svg, ".legend-item").map((e) => e.getAttribute("data-split"))).toEqual(["train", "test"]);
    // test has the epoch-0 point: 13 points, train 12
    expect(lines.map((l) => l.getAttribute("data-points"))).toEqual(["12", "13", "12", "13"]);
  });

  it("several runs: colour per run, dash per split, legend lists runs and the split key", () => {
    const svg = trainingCurves([RUN_BN, RUN_ALL], { metric: "accuracy", colorBy: "mode" }, renderContext());
    expect(all(svg, "g.panel")).toHaveLength(1);
    expect(all(svg, "path.series")).toHaveLength(5);
    expect(all(svg, ".legend-item[data-run]").map((e) => e.getAttribute("data-series"))).toEqual(["r-bn-s0", "r-all-s0"]);
    expect(all(svg, ".legend-key").map((e) => e.getAttribute("data-split"))).toEqual(["train", "val", "test"]);
    const bnTrain = one(svg, 'path.series[data-series="r-bn-s0/train"]');
    const bnTest = one(svg, 'path.series[data-series="r-bn-s0/test"]');
    expect(bnTrain.getAttribute("stroke")).toBe("#D55E00");
    expect(bnTest.getAttribute("stroke")).toBe("#D55E00");
    expect(bnTest.getAttribute("stroke-dasharray")).toBe("6 3");
    expect(one(svg, 'path.series[data-series="r-all-s0/val"]').getAttribute("stroke")).toBe("#0072B2");
  });

  it("empty runs render a message; the table holds every point", () => {
    const svg = trainingCurves({ id: "x", points: [] }, {}, renderContext());
    expect(one(svg, "text.empty").textContent).toBe("no metrics yet");
    const t = trainingCurvesTable([RUN_BN, RUN_ALL]);
    expect(t.columns).toEqual(["run", "mode", "split", "epoch", "loss_nats", "accuracy_fraction"]);
    expect(t.rows).toHaveLength(RUN_BN.points.length + RUN_ALL.points.length);
    expect(t.rows[0].slice(0, 4)).toEqual(["r-bn-s0", "bn", "train", 1]);
  });

  it("standalone string parses; dark theme", () => {
    const svg = trainingCurves(RUN_BN, { theme: "dark" }, renderContext());
    const doc = parseSvg(toSvgString(svg));
    expect(doc.documentElement.getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg");
    expect(one(doc, "rect.background").getAttribute("fill")).toBe("#0f1318");
  });

  it("gallery", async () => {
    const ctx = renderContext();
    await expect(toSvgString(trainingCurves(RUN_BN, {}, ctx))).toMatchFileSnapshot("__snapshots__/training-curves.svg");
    await expect(toSvgString(trainingCurves([RUN_BN, RUN_ALL], { colorBy: "mode", theme: "dark", title: "Compare: bn vs all" }, ctx))).toMatchFileSnapshot("__snapshots__/training-curves-compare-dark.svg");
  });
});
