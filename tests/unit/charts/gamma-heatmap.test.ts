import * as d3 from "d3";
import { describe, expect, it } from "vitest";
import { fractionBelow } from "../../../lib/analysis/gamma";
import { gammaHeatmap, gammaHeatmapTable } from "../../../lib/charts/gamma-heatmap";
import { toSvgString } from "../../../lib/charts/svg";
import { all, heatmapLayers, num, one, parseSvg, renderContext, TOTAL_CHANNELS, trainedGammas } from "./helpers";

const { now } = trainedGammas();
const layers = heatmapLayers(now);

describe("gammaHeatmap", () => {
  it("a row per BN layer in forward order, a cell per channel, shortcut rows marked", () => {
    const svg = gammaHeatmap(layers, {}, renderContext());
    expect(one(svg, "text.title").textContent).toBe("|γ| per BN layer, channels sorted");
    const rows = all(svg, "g.row");
    expect(rows.map((r) => r.getAttribute("data-layer"))).toEqual(now.layers.map((l) => l.name));
    expect(rows.map((r) => num(r, "data-channels"))).toEqual(now.layers.map((l) => l.channels));
    expect(all(svg, "rect.cell")).toHaveLength(TOTAL_CHANNELS);
    expect(all(svg, '.row[data-shortcut="true"]')).toHaveLength(2);
    expect(all(svg, "path.shortcut-marker").map((m) => m.getAttribute("data-layer"))).toEqual(["blocks.1.shortcut.1", "blocks.2.shortcut.1"]);
    // cells sorted ascending within each row
    for (const r of rows) {
      const v = all(r, "rect.cell").map((c) => num(c, "data-value"));
      expect(v).toEqual([...v].sort((a, b) => a - b));
    }
    expect(all(svg, 'text.axis-label').map((t) => t.getAttribute("data-axis"))).toEqual(["x", "y"]);
    // Layer names legible at a phone's width, where the figure is drawn at the column's width.
    const narrow = gammaHeatmap(layers, { width: 340 }, renderContext());
    expect(all(narrow, "text.row-label").length).toBeGreaterThan(0);
    for (const label of all(narrow, "text.row-label")) expect(num(label, "font-size")).toBeGreaterThanOrEqual(11);
    // There the colour legend has a row of its own, under the count of channels below t (not over it).
    const at = (svg: SVGSVGElement) => /translate\(([\d.]+),([\d.]+)\)/.exec(one(svg, "g.color-legend").getAttribute("transform")!)!.slice(1).map(Number);
    const countY = num(one(narrow, "text.fraction-below"), "y");
    expect(at(narrow)[1] - 14).toBeGreaterThan(countY + 4); // the legend's title sits 6 px above it, 10-px text
    expect(at(narrow)[0] + 280).toBeLessThanOrEqual(340);
    const wide = gammaHeatmap(layers, { width: 720 }, renderContext());
    expect(at(wide)[0]).toBe(720 - 20 - 260);
  });

  it("log colour scale with a legend; zeros get the zero colour", () => {
    const svg = gammaHeatmap(layers, { domain: [1e-4, 10] }, renderContext());
    expect(one(svg, "g.axis-color").getAttribute("data-scale")).toBe("log");
    expect(all(svg, "g.color-legend rect.legend-step")).toHaveLength(48);
    const color = d3.scaleSequentialLog(d3.interpolateViridis).domain([1e-4, 10]).clamp(true);
    const cells = all(svg, "rect.cell");
    const zero = cells.find((c) => num(c, "data-value") === 0)!;
    expect(zero.getAttribute("fill")).toBe("#d0d4d9");
    const some = cells.find((c) => num(c, "data-value") > 0.05)!;
    expect(some.getAttribute("fill")).toBe(color(num(some, "data-value")));
  });

  it("the threshold crosses each row at its count below t", () => {
    const t = 0.01;
    const width = 720;
    const svg = gammaHeatmap(layers, { threshold: t, width, columns: "fraction" }, renderContext());
    const f = fractionBelow(now, t);
    expect(all(svg, "g.row").map((r) => num(r, "data-below"))).toEqual(f.layers.map((l) => l.count));
    const path = one(svg, "path.threshold").getAttribute("d")!;
    const xs = [...path.matchAll(/M([\d.]+),/g)].map((m) => Number(m[1]));
    const plotWidth = Number(one(svg, "g.axis-x path.domain").getAttribute("d")!.match(/H([\d.]+)/)![1]);
    f.layers.forEach((l, i) => expect(xs[i]).toBeCloseTo((plotWidth * l.count) / l.total, 1));
    expect(num(one(svg, "text.fraction-below"), "data-fraction")).toBeCloseTo(f.fraction, 12);
    expect(one(svg, "line.legend-threshold").getAttribute("data-threshold")).toBe("0.01");
  });

  it("pad mode: one width per channel; table", () => {
    const svg = gammaHeatmap(layers, { columns: "pad" }, renderContext());
    const first = all(one(svg, 'g.row[data-layer="bn"]'), "rect.cell");
    const last = all(one(svg, 'g.row[data-layer="blocks.2.bn2"]'), "rect.cell");
    expect(num(first[1], "x") - num(first[0], "x")).toBeCloseTo(num(last[1], "x") - num(last[0], "x"), 1);
    const t = gammaHeatmapTable(layers, { threshold: 0.01 });
    expect(t.columns).toEqual(["layer_index", "layer", "shortcut", "channels", "rank", "abs_gamma", "below_0.01"]);
    expect(t.rows).toHaveLength(TOTAL_CHANNELS);
    expect(t.rows.reduce((s, r) => s + (r[6] as number), 0)).toBe(fractionBelow(now, 0.01).count);
    // the table takes the threshold as the figure does: no threshold column values without one, a bad one refused
    expect(gammaHeatmapTable(layers, { threshold: null }).rows.every((r) => r[6] === "")).toBe(true);
    expect(() => gammaHeatmapTable(layers, { threshold: -1 })).toThrow(/threshold must be a positive number/);
  });

  it("standalone string parses; dark theme", () => {
    const doc = parseSvg(toSvgString(gammaHeatmap(layers, { theme: "dark" }, renderContext())));
    expect(doc.documentElement.getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg");
    expect(one(doc, "rect.background").getAttribute("fill")).toBe("#0f1318");
  });

  it("gallery", async () => {
    const ctx = renderContext();
    await expect(toSvgString(gammaHeatmap(layers, { threshold: 0.01, rowHeight: 14 }, ctx))).toMatchFileSnapshot("__snapshots__/gamma-heatmap.svg");
    await expect(toSvgString(gammaHeatmap(layers, { threshold: 0.01, columns: "pad", theme: "dark", rowHeight: 14 }, ctx))).toMatchFileSnapshot("__snapshots__/gamma-heatmap-pad-dark.svg");
  });
});
