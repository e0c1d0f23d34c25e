import * as d3 from "d3";
import { describe, expect, it } from "vitest";
import { fractionBelow, gammaHistograms } from "../../../lib/analysis/gamma";
import { gammaHistogram, gammaHistogramTable } from "../../../lib/charts/gamma-histogram";
import { toSvgString } from "../../../lib/charts/svg";
import { absoluteX, all, annotationCollisions, num, one, parseSvg, rectBox, renderContext, textBox, TOTAL_CHANNELS, trainedGammas } from "./helpers";

const { now, init } = trainedGammas();
const zeros = now.absGamma.filter((v) => v === 0).length;

describe("gammaHistogram", () => {
  it("log |γ|: bars per bin, a zero bar, a log axis, title and labels", () => {
    const svg = gammaHistogram({ series: { key: "bn", mode: "bn", values: now.gamma } }, { threshold: 0.01, bins: 20 }, renderContext());
    expect(one(svg, "text.title").textContent).toBe("Distribution of |γ| (log scale)");
    expect(one(svg, 'text.axis-label[data-axis="x"]').textContent).toContain("|γ|");
    expect(one(svg, 'text.axis-label[data-axis="x"]').textContent).toContain("log₁₀");
    expect(one(svg, 'text.axis-label[data-axis="y"]').textContent).toBe("channels (count)");
    expect(one(svg, "g.axis-x").getAttribute("data-scale")).toBe("log");
    // |γ| spans 1.3e-4 … 2: whole decades 1e-4 … 10 → 5 decades, 4 bins each
    const bars = all(svg, 'rect.bar[data-series="bn"]');
    expect(bars).toHaveLength(20);
    expect(bars.reduce((s, b) => s + num(b, "data-count"), 0) + zeros).toBe(TOTAL_CHANNELS);
    expect(num(bars[0], "data-lo")).toBeCloseTo(1e-4, 12);
    expect(num(one(svg, 'rect.zero-bar[data-series="bn"]'), "data-count")).toBe(zeros);
    expect(one(svg, "text.zero-label").textContent).toBe("0");
    // no legend for a single series
    expect(all(svg, ".legend-item")).toHaveLength(0);
    // the tick labels are powers of ten
    expect(all(svg, "g.axis-x .tick text").map((t) => t.textContent).filter(Boolean)).toEqual(["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "1", "10"]);
  });

  it("the threshold line sits at the scale's value and the fraction printed is fractionBelow's", () => {
    const t = 0.01;
    const width = 640;
    const svg = gammaHistogram({ series: { key: "bn", values: now.gamma } }, { threshold: t, bins: 20, width }, renderContext());
    const line = one(svg, "line.threshold");
    expect(line.getAttribute("data-threshold")).toBe("0.01");
    // the scale: log over [1e-4, 10] on [zero band 30 + gap 14, plot width]
    const plotWidth = width - 62 - 20;
    const x = d3.scaleLog().domain([1e-4, 10]).range([44, plotWidth]);
    expect(num(line, "x1")).toBeCloseTo(x(t), 2);
    expect(absoluteX(line, "x1")).toBeCloseTo(62 + x(t), 2);
    const expected = fractionBelow(now, t).fraction;
    expect(expected).toBeGreaterThan(0.2);
    const label = one(svg, 'text.fraction-below[data-series="bn"]');
    expect(num(label, "data-fraction")).toBeCloseTo(expected, 12);
    expect(label.textContent).toBe(`${(expected * 100).toFixed(1)}% below`);
    expect(one(svg, "text.threshold-label").textContent).toBe("|γ| < 0.01");
  });

  it("ghost and overlay series: outlines, a legend entry per series", () => {
    const sibling = now.gamma.map((v) => v * 3);
    const svg = gammaHistogram(
      { series: [{ key: "bn", mode: "bn", values: now.gamma }, { key: "all", mode: "all", values: sibling }], ghost: { key: "init", label: "epoch 0", values: init.gamma } },
      { threshold: 0.01 },
      renderContext(),
    );
    expect(all(svg, ".legend-item").map((e) => e.getAttribute("data-series"))).toEqual(["bn", "all", "init"]);
    expect(one(svg, 'path.series.overlay[data-series="all"]').getAttribute("stroke")).toBe("#0072B2");
    const ghost = one(svg, "path.ghost");
    expect(ghost.getAttribute("fill")).toBe("none");
    expect(ghost.getAttribute("stroke-dasharray")).toBe("4 2");
    expect(all(svg, "rect.zero-bar")).toHaveLength(3);
    expect(all(svg, "text.fraction-below")).toHaveLength(3);
    // the same edges for every series
    const bins = all(svg, "rect.bar").length;
    expect(one(svg, 'path.series.overlay').getAttribute("d")!.match(/H/g)).toHaveLength(bins);
  });

  it("precomputed histograms from lib/analysis: drawn on their edges, fraction ≈ interpolated", () => {
    const h = gammaHistograms(now, { log: { bins: 12 }, linear: { bins: 16 } });
    const svg = gammaHistogram({ series: { key: "bn", histogram: h.absGamma } }, { threshold: 0.01 }, renderContext());
    expect(all(svg, "rect.bar")).toHaveLength(12);
    expect(num(one(svg, "rect.zero-bar"), "data-count")).toBe(h.absGamma.zeros);
    expect(one(svg, "text.fraction-below").textContent).toMatch(/^≈\d+\.\d% below$/);
    // linear γ with the threshold at ±t
    const lin = gammaHistogram({ series: { key: "bn", histogram: h.gamma, fractionBelow: 0.25 } }, { scale: "linear", threshold: 0.5 }, renderContext());
    expect(all(lin, "rect.bar")).toHaveLength(16);
    expect(all(lin, "line.threshold").map((l) => l.getAttribute("data-value"))).toEqual(["-0.5", "0.5"]);
    expect(one(lin, "text.fraction-below").textContent).toBe("25.0% below");
    expect(all(lin, "rect.zero-bar")).toHaveLength(0);
    expect(() => gammaHistogram({ series: { key: "bn", histogram: h.gamma } }, { scale: "log" }, renderContext())).toThrow(/log histogram/);
  });

  it("precomputed histograms on different edges are drawn and tabled on one set of shared edges", () => {
    // this run, a sibling and the initialisation, each binned by the analysis over its own range
    const own = gammaHistograms(now, { linear: { bins: 30 } }).gamma;
    const sibling = gammaHistograms({ ...now, gamma: now.gamma.map((v) => v * 0.6) }, { linear: { bins: 30 } }).gamma;
    const start = gammaHistograms(init, { linear: { bins: 30 } }).gamma;
    expect(own.edges[1] - own.edges[0]).not.toBeCloseTo(start.edges[1] - start.edges[0], 3);
    const data = { series: [{ key: "bn", histogram: own, fractionBelow: 0.3 }, { key: "all", histogram: sibling, fractionBelow: 0.2 }], ghost: { key: "init", histogram: start, fractionBelow: 0 } };
    const table = gammaHistogramTable(data, { scale: "linear", threshold: 0.05 });
    const edgesOf = (key: string) => table.rows.filter((r) => r[0] === key && r[2] === "bin").map((r) => [r[3], r[4]]);
    expect(edgesOf("bn").length).toBeGreaterThan(5);
    expect(edgesOf("all")).toEqual(edgesOf("bn"));
    expect(edgesOf("init")).toEqual(edgesOf("bn"));
    // every channel is still counted once per series
    for (const [key, h] of [["bn", own], ["all", sibling], ["init", start]] as const) {
      const sum = table.rows.filter((r) => r[0] === key).reduce((s, r) => s + (r[5] as number), 0);
      expect(sum).toBeCloseTo(h.total, 6);
    }
    // the figure draws the outlines on the bars' edges and says the counts were re-binned
    const svg = gammaHistogram(data, { scale: "linear", threshold: 0.05 }, renderContext());
    const bars = all(svg, "rect.bar");
    expect(bars.map((b) => [num(b, "data-lo"), num(b, "data-hi")])).toEqual(edgesOf("bn"));
    expect(one(svg, "path.ghost").getAttribute("d")!.match(/H/g)).toHaveLength(bars.length);
    expect(all(svg, "text.note").map((n) => n.textContent).join(" ")).toMatch(/re-binned/);
  });

  it("threshold annotations never overlap a bar, at any width, threshold or number of series", () => {
    // tall bars everywhere: many channels in few bins
    const many = Float32Array.from({ length: 4000 }, (_, i) => (i % 7 === 0 ? 0 : 10 ** (-3 + 3 * ((i * 0.618) % 1))));
    const sibling = many.map((v) => v * 0.5);
    const cases = [
      { series: [{ key: "bn", label: "bn (this run)", values: many }] },
      { series: [{ key: "bn", label: "bn (this run)", mode: "bn", values: many }, { key: "all", label: "all (sibling, epoch 3)", mode: "all", values: sibling }], ghost: { key: "init", label: "epoch 0", values: init.gamma } },
    ];
    const found: string[] = [];
    for (const data of cases) {
      for (const width of [640, 390]) {
        for (const t of [1e-3, 0.01, 0.2, 0.9]) {
          for (const scale of ["log", "linear"] as const) {
            const svg = gammaHistogram(data, { threshold: t, bins: 12, width, scale }, renderContext());
            expect(all(svg, "text.fraction-below")).toHaveLength(data.series.length + (data.ghost ? 1 : 0));
            found.push(...annotationCollisions(svg).map((c) => `${scale} w=${width} t=${t}: ${c}`));
            // and every annotation stays inside the figure
            for (const a of all(svg, "text.annotation")) {
              const b = textBox(a);
              if (b.x < 0 || b.x + b.width > width) found.push(`${scale} w=${width} t=${t}: "${a.textContent}" leaves the figure`);
            }
          }
        }
      }
    }
    expect(found).toEqual([]);
    // the geometry helper does see bars (the check above is not vacuous)
    const svg = gammaHistogram(cases[0], { threshold: 0.01, bins: 12 }, renderContext());
    expect(Math.max(...all(svg, "rect.bar").map((r) => rectBox(r).height))).toBeGreaterThan(100);
  });

  it("axisValues fix the axis across epochs: the same edges whichever checkpoint is drawn", () => {
    const epochs = [init.gamma, now.gamma];
    const edgesOf = (values: Float32Array, scale: "log" | "linear") =>
      gammaHistogramTable({ series: { key: "bn", values } }, { scale, axisValues: epochs }).rows.filter((r) => r[2] === "bin").map((r) => [r[3], r[4]]);
    for (const scale of ["log", "linear"] as const) {
      expect(edgesOf(init.gamma, scale)).toEqual(edgesOf(now.gamma, scale));
      // without them the initialisation alone gets a narrower axis
      const alone = gammaHistogramTable({ series: { key: "bn", values: init.gamma } }, { scale }).rows.filter((r) => r[2] === "bin");
      expect(alone[0][3]).not.toEqual(edgesOf(now.gamma, scale)[0][0]);
    }
  });

  it("a fixed domain counts the values outside it and says so", () => {
    const svg = gammaHistogram({ series: { key: "bn", values: now.gamma } }, { domain: [1e-3, 1], bins: 6 }, renderContext());
    expect(all(svg, "rect.bar")).toHaveLength(6);
    const inside = all(svg, "rect.bar").reduce((s, b) => s + num(b, "data-count"), 0);
    const outside = TOTAL_CHANNELS - zeros - inside;
    expect(outside).toBeGreaterThan(0);
    expect(one(svg, "text.note").textContent).toBe(`${outside} values outside the axis range (not drawn)`);
    // the fraction below is exact whatever the domain
    expect(num(one(svg, "text.fraction-below"), "data-fraction")).toBe(fractionBelow(now, 0.01).fraction);
  });

  it("table: the bins drawn, zeros row first", () => {
    const t = gammaHistogramTable({ series: { key: "bn", values: now.gamma } }, { bins: 20 });
    expect(t.columns).toEqual(["series", "role", "kind", "abs_gamma_low_unitless", "abs_gamma_high_unitless", "channels", "fraction_below_0.01", "binning"]);
    expect(t.rows[0].slice(0, 6)).toEqual(["bn", "primary", "zeros", 0, 0, zeros]);
    expect(t.rows).toHaveLength(21);
    expect(t.rows.reduce((s, r) => s + (r[5] as number), 0)).toBe(TOTAL_CHANNELS);
  });

  it("standalone string parses; dark theme background", () => {
    const svg = gammaHistogram({ series: { key: "bn", values: now.gamma } }, { theme: "dark" }, renderContext());
    const doc = parseSvg(toSvgString(svg));
    expect(doc.documentElement.getAttribute("viewBox")).toBe("0 0 640 380");
    expect(one(doc, "rect.background").getAttribute("fill")).toBe("#0f1318");
    expect(all(doc, "rect.bar").length).toBeGreaterThan(0);
  });

  it("gallery", async () => {
    const ctx = renderContext();
    const data = { series: [{ key: "bn", label: "bn (trained)", mode: "bn", values: now.gamma }], ghost: { key: "init", label: "epoch 0", values: init.gamma } };
    await expect(toSvgString(gammaHistogram(data, { threshold: 0.01, bins: 20, subtitle: "resnet-8 ×4 · synthetic γ" }, ctx))).toMatchFileSnapshot("__snapshots__/gamma-histogram-log.svg");
    await expect(toSvgString(gammaHistogram(data, { scale: "linear", threshold: 0.05, bins: 24, theme: "dark" }, ctx))).toMatchFileSnapshot("__snapshots__/gamma-histogram-linear-dark.svg");
  });
});
