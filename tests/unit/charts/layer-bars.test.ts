import { describe, expect, it } from "vitest";
import { fractionBelow } from "../../../lib/analysis/gamma";
import { layerFractionBars, layerFractionBarsTable, removedPerLayer, removedPerLayerTable } from "../../../lib/charts/layer-bars";
import { toSvgString } from "../../../lib/charts/svg";
import { ablationSummary, all, annotationCollisions, num, one, parseSvg, renderContext, trainedGammas } from "./helpers";

const { now, init } = trainedGammas();
const f = fractionBelow(now, 0.01);

describe("layerFractionBars", () => {
  it("the network label never sits on a bar", () => {
    const { now } = trainedGammas();
    const found: string[] = [];
    for (const t of [0.001, 0.01, 0.1, 0.5]) {
      for (const width of [720, 390]) {
        const svg = layerFractionBars([{ key: "bn", mode: "bn", data: fractionBelow(now, t) }], { width }, renderContext());
        expect(all(svg, "text.overall-label")).toHaveLength(1);
        found.push(...annotationCollisions(svg).map((c) => `t=${t} w=${width}: ${c}`));
      }
    }
    expect(found).toEqual([]);
  });

  it("a bar per layer at the layer's fraction, the network line, labels", () => {
    const svg = layerFractionBars(f, {}, renderContext());
    expect(one(svg, "text.title").textContent).toBe("Channels with |γ| < 0.01, per BN layer");
    const bars = all(svg, "rect.bar");
    expect(bars.map((b) => b.getAttribute("data-layer"))).toEqual(now.layers.map((l) => l.name));
    expect(bars.map((b) => num(b, "data-fraction"))).toEqual(f.layers.map((l) => l.fraction));
    expect(all(svg, 'rect.bar[data-shortcut="true"]')).toHaveLength(2);
    // bar tops on the y scale: height ∝ fraction
    const base = num(bars[0], "y") + num(bars[0], "height");
    for (const b of bars) expect(num(b, "y") + num(b, "height")).toBeCloseTo(base, 1);
    const line = one(svg, "line.overall");
    expect(num(line, "data-fraction")).toBe(f.fraction);
    expect(one(svg, "text.overall-label").textContent).toBe(`network: ${(f.fraction * 100).toFixed(1)}%`);
    expect(all(svg, "text.axis-label").map((t) => t.textContent)).toEqual(["BN layer (forward order)", "channels with |γ| < t (%)"]);
    expect(all(svg, ".legend-item")).toHaveLength(0);
  });

  it("several series: grouped bars and a legend entry per series", () => {
    const svg = layerFractionBars(
      [
        { key: "bn", mode: "bn", data: f },
        { key: "init", label: "epoch 0", data: fractionBelow(init, 0.01) },
      ],
      {},
      renderContext(),
    );
    expect(all(svg, ".legend-item").map((e) => e.getAttribute("data-series"))).toEqual(["bn", "init"]);
    // The network fractions are in the legend, not as labels on the lines (close ones collide).
    expect(all(svg, ".legend-item").map((e) => e.textContent)).toEqual([`bn (network ${(f.fraction! * 100).toFixed(1)}%)`, "epoch 0 (network 0.0%)"]);
    expect(all(svg, "text.overall-label")).toHaveLength(0);
    expect(all(svg, "line.overall")).toHaveLength(2);
    expect(all(svg, 'rect.bar[data-series="bn"]')).toHaveLength(now.layers.length);
    expect(all(svg, 'rect.bar[data-series="init"]')).toHaveLength(now.layers.length);
    expect(one(svg, 'rect.bar[data-series="bn"]').getAttribute("fill")).toBe("#D55E00");
    const t = layerFractionBarsTable([{ key: "bn", data: f }]);
    expect(t.columns).toEqual(["series", "threshold", "layer", "shortcut", "count_below", "channels", "fraction_below"]);
    expect(t.rows[0]).toEqual(["bn", 0.01, "bn", "false", f.layers[0].count, f.layers[0].total, f.layers[0].fraction]);
  });

  it("standalone string parses; dark theme", () => {
    const doc = parseSvg(toSvgString(layerFractionBars(f, { theme: "dark" }, renderContext())));
    expect(doc.documentElement.getAttribute("viewBox")).toBe("0 0 720 400");
    expect(one(doc, "rect.background").getAttribute("fill")).toBe("#0f1318");
  });
});

describe("removedPerLayer", () => {
  const ab = ablationSummary(now, 0.01);
  it("removed over total per layer, with the counts in the subtitle", () => {
    const svg = removedPerLayer(ab, {}, renderContext());
    expect(one(svg, "text.title").textContent).toBe("Channels removed per BN layer at |γ| < 0.01");
    expect(one(svg, "text.subtitle").textContent).toBe(`${ab.removed} of 84 channels removed (${(ab.fractionRemoved * 100).toFixed(1)}%) · mode zero`);
    const removed = all(svg, "rect.bar");
    const totals = all(svg, "rect.bar-total");
    expect(removed.map((b) => num(b, "data-removed"))).toEqual(ab.layers.map((l) => l.removed));
    expect(totals).toHaveLength(ab.layers.length);
    expect(all(svg, ".legend-item").map((e) => e.getAttribute("data-series"))).toEqual(["channels", "removed"]);
    // same baseline; removed bar height / total bar height = removed / channels
    ab.layers.forEach((l, i) => expect(num(removed[i], "height") / num(totals[i], "height")).toBeCloseTo(l.removed / l.channels, 1));
    const t = removedPerLayerTable(ab);
    expect(t.columns).toEqual(["layer", "shortcut", "channels", "removed", "fraction_removed"]);
    expect(t.rows.map((r) => r[3])).toEqual(ab.layers.map((l) => l.removed));
  });

  it("gallery", async () => {
    const ctx = renderContext();
    await expect(toSvgString(layerFractionBars(f, { subtitle: "resnet-8 ×4 · synthetic γ" }, ctx))).toMatchFileSnapshot("__snapshots__/layer-fraction-bars.svg");
    await expect(
      toSvgString(layerFractionBars([{ key: "bn", mode: "bn", label: "trained (bn)", data: f }, { key: "init", label: "epoch 0", data: fractionBelow(init, 0.01) }], { theme: "dark" }, ctx)),
    ).toMatchFileSnapshot("__snapshots__/layer-fraction-bars-compare-dark.svg");
    await expect(toSvgString(removedPerLayer(ab, {}, ctx))).toMatchFileSnapshot("__snapshots__/removed-per-layer.svg");
  });
});
