/**
 * The width chart draws every width series that exists (one depth at two or more widths), labels
 * its points with their network, shares the y range with the depth chart, hides no point under
 * another, and says so plainly when the runs hold no width series.
 */
import { describe, expect, it } from "vitest";
import { aggregateRuns, type RunResult } from "../../../lib/analysis/aggregate";
import { depthWidth, depthWidthTable } from "../../../lib/charts/depth-width";
import { all, num, one, renderContext } from "./helpers";

const MODES: Record<string, number> = { all: 0.9, "bn+output": 0.6, bn: 0.5, output: 0.3, none: 0.1 };

/** The demo's shape: ResNet-8/14/20 at width 16, ResNet-8 also at width 32 (WRN-8-2), two seeds. */
function demoRuns(extra: RunResult[] = []): RunResult[] {
  const out: RunResult[] = [];
  for (const [mode, acc] of Object.entries(MODES)) {
    for (const [depth, width] of [[8, 16], [14, 16], [20, 16], [8, 32]]) {
      for (const seed of [0, 1]) {
        // output-only accuracy barely depends on depth: the points coincide on the trainable axis
        const a = mode === "output" ? 0.3 + 0.001 * seed : acc + 0.01 * Math.log2(depth / 8) + 0.02 * Math.log2(width / 16) + 0.005 * seed;
        out.push({ id: `d${depth}-w${width}-${mode}-s${seed}`, dataset: "mnist", depth, width, mode, seed, finalAccuracy: a, bestAccuracy: a });
      }
    }
  }
  return [...out, ...extra];
}

const ticks = (svg: Element, axis: "x" | "y") => all(svg, `g.axis-${axis} .tick text`).map((t) => t.textContent);

describe("depth and width series", () => {
  it("one row per network and mode: ResNet-14 is not duplicated, WRN-8-2 is a network of the depth-8 width series", () => {
    const rows = aggregateRuns(demoRuns());
    const keys = rows.map((r) => `${r.depth}/${r.width}/${r.mode}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(rows).toHaveLength(4 * 5);
    const wide = rows.find((r) => r.depth === 8 && r.width === 32)!;
    expect(wide.network).toBe("WRN-8-2");
    expect(rows.find((r) => r.depth === 14 && r.width === 16)!.network).toBe("ResNet-14");
  });

  it("the width chart draws the depth-8 width series, with its points labelled by network", () => {
    const rows = aggregateRuns(demoRuns());
    const svg = depthWidth(rows, { family: "wide" }, renderContext());
    expect(ticks(svg, "x")).toEqual(["16", "32"]);
    const points = all(svg, "circle.point");
    expect(points).toHaveLength(5 * 2);
    expect(new Set(points.map((p) => p.getAttribute("data-network")))).toEqual(new Set(["ResNet-8", "WRN-8-2"]));
    const labels = all(svg, "text.network-label").map((t) => t.textContent);
    expect(labels).toEqual(expect.arrayContaining(["ResNet-8", "WRN-8-2"]));
    expect(all(svg, "path.series.line")).toHaveLength(5);
    expect(depthWidthTable(rows, { family: "wide" }).rows.map((r) => r[2])).toContain("WRN-8-2");
  });

  it("several width series (any depth): ≥ 3 widths drawn, one line per depth and mode", () => {
    const more = [16, 32, 64].flatMap((width) => ["bn", "all"].map((mode): RunResult => ({ id: `d14-w${width}-${mode}`, dataset: "mnist", depth: 14, width, mode, seed: 0, finalAccuracy: MODES[mode] + 0.01, bestAccuracy: null })));
    const rows = aggregateRuns(demoRuns(more.filter((r) => r.width !== 16)));
    const svg = depthWidth(rows, { family: "wide" }, renderContext());
    expect(ticks(svg, "x")).toEqual(["16", "32", "64"]);
    const lines = all(svg, "path.series.line").map((p) => `${p.getAttribute("data-series")}@${p.getAttribute("data-depth")}`);
    expect(lines).toEqual(expect.arrayContaining(["bn@8", "bn@14", "all@8", "all@14", "none@8"]));
    expect(all(svg, 'circle.point[data-network="WRN-14-4"]')).toHaveLength(2);
  });

  it("the depth and width charts share one y range", () => {
    const rows = aggregateRuns(demoRuns());
    const depth = depthWidth(rows, { family: "resnet" }, renderContext());
    const width = depthWidth(rows, { family: "wide" }, renderContext());
    expect(one(depth, "g.plot").getAttribute("data-y-domain")).toMatch(/^[\d.]+ [\d.]+$/);
    expect(ticks(width, "y")).toEqual(ticks(depth, "y"));
    expect(one(width, "g.plot").getAttribute("data-y-domain")).toBe(one(depth, "g.plot").getAttribute("data-y-domain"));
  });

  it("no point hides another, whatever the x axis", () => {
    const rows = aggregateRuns(demoRuns());
    for (const family of ["resnet", "wide"] as const) {
      for (const x of ["size", "params-total", "params-trainable"] as const) {
        const svg = depthWidth(rows, { family, x }, renderContext());
        const pts = all(svg, "circle.point").map((c) => ({ x: num(c, "cx"), y: num(c, "cy"), r: num(c, "r"), key: `${c.getAttribute("data-series")} ${c.getAttribute("data-network")}` }));
        for (let i = 0; i < pts.length; i++) {
          for (let j = i + 1; j < pts.length; j++) {
            const d = Math.hypot(pts[i].x - pts[j].x, pts[i].y - pts[j].y);
            expect(d, `${family}/${x}: ${pts[i].key} and ${pts[j].key}`).toBeGreaterThanOrEqual(pts[i].r + pts[j].r);
          }
        }
      }
    }
    // and the nudge is said
    const trainable = depthWidth(rows, { family: "resnet", x: "params-trainable" }, renderContext());
    expect(all(trainable, "text.note").map((n) => n.textContent).join(" ")).toMatch(/moved sideways/);
  });

  it("says plainly when the runs hold no width series", () => {
    const rows = aggregateRuns(demoRuns().filter((r) => r.width === 16));
    const svg = depthWidth(rows, { family: "wide" }, renderContext());
    expect(all(svg, "circle.point")).toHaveLength(0);
    expect(one(svg, "text.empty").textContent).toMatch(/no width series/);
    expect(one(svg, "text.empty").textContent).toMatch(/two or more widths/);
  });
});
