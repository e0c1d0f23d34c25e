import * as d3 from "d3";
import { describe, expect, it } from "vitest";
import { interpolateAccuracy, pruningCurve, pruningCurveTable } from "../../../lib/charts/pruning-curve";
import { textWidth } from "../../../lib/charts/core";
import { toSvgString } from "../../../lib/charts/svg";
import { FONT_SIZE } from "../../../lib/charts/theme";
import { all, num, one, parseSvg, pruningFixture, renderContext } from "./helpers";

const curve = pruningFixture();

describe("pruningCurve", () => {
  it("γ-ordered and random lines with their bands, a point per fraction, a legend of two", () => {
    const svg = pruningCurve(curve, {}, renderContext());
    expect(one(svg, "text.title").textContent).toBe("Accuracy as BN channels are removed");
    expect(one(svg, "text.subtitle").textContent).toBe("ablation mode zero · 1,000 test images · 3 random masks per point");
    expect(all(svg, "path.series.line").map((p) => p.getAttribute("data-series"))).toEqual(["random", "gamma"]);
    expect(all(svg, "path.band").map((p) => p.getAttribute("data-series"))).toEqual(["gamma", "random"]);
    expect(all(svg, 'circle.point[data-series="gamma"]')).toHaveLength(curve.points.length);
    expect(all(svg, 'circle.point[data-series="random"]')).toHaveLength(curve.points.length);
    expect(all(svg, ".legend-item").map((e) => e.getAttribute("data-series"))).toEqual(["gamma", "random"]);
    expect(all(svg, "text.axis-label").map((t) => t.textContent)).toEqual(["BN channels removed (% of all channels)", "test accuracy (%)"]);
    // points on the scales
    const p = one(svg, 'circle.point[data-series="gamma"][data-fraction="0.5"]');
    expect(num(p, "data-accuracy")).toBe(curve.points[5].gamma.accuracy);
  });

  it("the marker sits at the current fraction, on the interpolated γ curve", () => {
    const width = 640;
    const svg = pruningCurve(curve, { marker: { fraction: 0.25, threshold: 0.01 }, width, chance: 0.1 }, renderContext());
    const plotWidth = width - 62 - 20;
    const x = d3.scaleLinear().domain([0, 0.9]).range([0, plotWidth]).nice();
    const line = one(svg, "line.current");
    expect(num(line, "x1")).toBeCloseTo(x(0.25), 2);
    const acc = interpolateAccuracy(curve.points, 0.25);
    expect(acc).toBeCloseTo((curve.points[2].gamma.accuracy + curve.points[3].gamma.accuracy) / 2, 12);
    expect(num(one(svg, "g.current-group"), "data-accuracy")).toBeCloseTo(acc, 12);
    expect(one(svg, "text.marker-label").textContent).toMatch(`|γ| < 0.01: 25.0% removed — smallest |γ| first ≈${(acc * 100).toFixed(1)}%`);
    expect(one(svg, "line.chance").getAttribute("data-accuracy")).toBe("0.1");
  });

  it("the random band says what it is, and the current threshold shows γ-ordered against random", () => {
    const ten = { ...curve, seeds: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], points: curve.points.map((p) => ({ ...p, random: { ...p.random, n: 10 } })) };
    const svg = pruningCurve(ten, { marker: { fraction: 0.25, threshold: 0.01 } }, renderContext());
    expect(one(svg, '.legend-item[data-series="random"] text').textContent).toMatch(/± 1 sd over 10 random masks/);
    const rnd = one(svg, 'circle.marker[data-series="random"]');
    const expected = (curve.points[2].random.mean + curve.points[3].random.mean) / 2;
    expect(num(rnd, "data-accuracy")).toBeCloseTo(expected, 12);
    const label = one(svg, "text.marker-label").textContent!;
    expect(label).toMatch(/smallest \|γ\| first ≈\d+\.\d%/);
    expect(label).toMatch(/random ≈\d+\.\d%/);
    // a measured random value at the current fraction is shown as measured (no ≈), with its sd
    const measured = pruningCurve(ten, { marker: { fraction: 0.25, threshold: 0.01, accuracy: 0.5, random: { mean: 0.2, sd: 0.03, n: 10 } } }, renderContext());
    expect(one(measured, "text.marker-label").textContent).toMatch(/smallest \|γ\| first 50\.0%, random 20\.0% ± 3\.0/);
    // and the annotation sits above the plot, not on the curves
    expect(num(one(measured, "text.marker-label"), "y")).toBeLessThan(Number(/translate\([\d.]+,([\d.]+)\)/.exec(one(measured, "g.plot").getAttribute("transform")!)![1]));
  });

  it("one seed: no random band; table", () => {
    const one_ = { ...curve, seeds: [0], points: curve.points.map((p) => ({ ...p, random: { ...p.random, sd: null, n: 1 } })) };
    const svg = pruningCurve(one_, {}, renderContext());
    expect(all(svg, "path.band").map((p) => p.getAttribute("data-series"))).toEqual(["gamma"]);
    const t = pruningCurveTable(curve);
    expect(t.columns[0]).toBe("fraction_removed");
    expect(t.rows).toHaveLength(curve.points.length);
    expect(t.rows[1].slice(0, 4)).toEqual([0.1, 8, 84, curve.points[1].gamma.accuracy]);
  });

  it("standalone string parses; dark theme", () => {
    const doc = parseSvg(toSvgString(pruningCurve(curve, { theme: "dark" }, renderContext())));
    expect(doc.documentElement.getAttribute("viewBox")).toBe("0 0 640 400");
    expect(one(doc, "rect.background").getAttribute("fill")).toBe("#0f1318");
  });

  it("gallery", async () => {
    const ctx = renderContext();
    await expect(toSvgString(pruningCurve(curve, { marker: { fraction: 0.3, threshold: 0.01 }, chance: 0.1 }, ctx))).toMatchFileSnapshot("__snapshots__/pruning-curve.svg");
    await expect(toSvgString(pruningCurve(curve, { theme: "dark" }, ctx))).toMatchFileSnapshot("__snapshots__/pruning-curve-dark.svg");
  });

  it("at a phone's width, the subtitle, legend and annotations wrap inside the figure", () => {
    const width = 330;
    const svg = pruningCurve(curve, { width, marker: { fraction: 0.25, threshold: 0.01 }, subtitle: "a long subtitle that names the run, its checkpoint epoch and how many test images the curve was measured on" }, renderContext());
    const lines = (sel: string) => all(svg, sel).flatMap((t) => (t.querySelectorAll("tspan").length ? [...t.querySelectorAll("tspan")] : [t]));
    const wrapped = [...lines("text.subtitle"), ...lines(".legend-item text"), ...lines("text.annotation")];
    expect(all(svg, "text.subtitle tspan").length).toBeGreaterThan(1);
    for (const l of wrapped) {
      const x = Number(l.getAttribute("x") ?? l.parentElement?.getAttribute("x") ?? 0);
      const shift = Number(/translate\(([\d.]+)/.exec(l.closest(".legend-item")?.getAttribute("transform") ?? "")?.[1] ?? 0);
      const size = l.closest("text.annotation") ? FONT_SIZE.note : l.closest("text.subtitle") ? FONT_SIZE.subtitle : FONT_SIZE.label;
      expect(shift + x + textWidth(l.textContent!.trim(), size), l.textContent!).toBeLessThanOrEqual(width - 12 + 1e-9);
    }
    // the text is unchanged for readers: spaces kept between the lines
    expect(one(svg, "text.subtitle").textContent).toBe("a long subtitle that names the run, its checkpoint epoch and how many test images the curve was measured on");
  });
});
