import * as d3 from "d3";
import { describe, expect, it } from "vitest";
import { wrapLines, textWidth } from "../../../lib/charts/core";
import { depthWidth, depthWidthTable } from "../../../lib/charts/depth-width";
import { toSvgString } from "../../../lib/charts/svg";
import { modeColor } from "../../../lib/charts/theme";
import { all, depthWidthRows, num, one, parseSvg, renderContext } from "./helpers";

const rows = depthWidthRows();

describe("depthWidth", () => {
  it("accuracy against depth: a line per mode in its colour, points with run ids, error bars", () => {
    const svg = depthWidth(rows, {}, renderContext());
    expect(one(svg, "text.title").textContent).toBe("Test accuracy against depth");
    expect(all(svg, "path.series.line").map((p) => p.getAttribute("data-series"))).toEqual(["all", "bn+output", "bn", "output", "none"]);
    for (const p of all(svg, "path.series.line")) expect(p.getAttribute("stroke")).toBe(modeColor(p.getAttribute("data-series")!));
    expect(all(svg, ".legend-item")).toHaveLength(5);
    const points = all(svg, "circle.point");
    expect(points).toHaveLength(5 * 4);
    const p = one(svg, 'circle.point[data-series="bn"][data-depth="20"]');
    expect(p.getAttribute("data-run-ids")).toBe("c10-d20-bn-s0 c10-d20-bn-s1");
    expect(num(p, "data-n")).toBe(2);
    // two seeds differ except for "none": error bars on four modes
    expect(all(svg, "path.errorbar")).toHaveLength(4 * 4);
    expect(one(svg, 'text.axis-label[data-axis="x"]').textContent).toContain("depth");
    expect(all(svg, "g.axis-x .tick text").map((t) => t.textContent)).toEqual(["14", "20", "32", "56"]);
  });

  it("width family and parameter axes (log); 'none' dropped on trainable parameters", () => {
    const wide = depthWidth(rows, { family: "wide" }, renderContext());
    expect(one(wide, "text.title").textContent).toBe("Test accuracy against width");
    expect(all(wide, "g.axis-x .tick text").map((t) => t.textContent)).toEqual(["16", "32", "64"]);
    const params = depthWidth(rows, { x: "params-total" }, renderContext());
    expect(one(params, "g.axis-x").getAttribute("data-scale")).toBe("log");
    expect(one(params, 'text.axis-label[data-axis="x"]').textContent).toBe("parameters (total, count; log₁₀ axis)");
    const trainable = depthWidth(rows, { x: "params-trainable" }, renderContext());
    expect(all(trainable, "path.series.line").map((p) => p.getAttribute("data-series"))).toEqual(["all", "bn+output", "bn", "output"]);
    expect(one(trainable, "text.note").textContent).toBe("not shown (0 on a log axis): none");
    // x positions follow a log scale of the trainable parameter count
    const pts = all(trainable, 'circle.point[data-series="all"]');
    const xs = pts.map((q) => num(q, "data-x"));
    const ratio = (num(pts[1], "cx") - num(pts[0], "cx")) / (num(pts[2], "cx") - num(pts[1], "cx"));
    expect(ratio).toBeCloseTo(Math.log(xs[1] / xs[0]) / Math.log(xs[2] / xs[1]), 1);
  });

  it("table: the drawn points", () => {
    const t = depthWidthTable(rows, { family: "resnet" });
    expect(t.columns).toContain("run_ids");
    expect(t.rows).toHaveLength(20);
    expect(t.rows[0].slice(0, 6)).toEqual(["cifar10", "resnet", "ResNet-14", "all", 14, 16]);
    const d = d3.sum(t.rows, (r) => r[7] as number);
    expect(d).toBe(40);
  });

  it("standalone string parses; dark theme", () => {
    const doc = parseSvg(toSvgString(depthWidth(rows, { theme: "dark" }, renderContext())));
    expect(one(doc, "rect.background").getAttribute("fill")).toBe("#0f1318");
    expect(all(doc, "circle.point[data-run-ids]")).toHaveLength(20);
  });

  it("gallery", async () => {
    const ctx = renderContext();
    await expect(toSvgString(depthWidth(rows, {}, ctx))).toMatchFileSnapshot("__snapshots__/depth-width.svg");
    await expect(toSvgString(depthWidth(rows, { family: "wide", x: "params-trainable", theme: "dark" }, ctx))).toMatchFileSnapshot("__snapshots__/depth-width-wide-trainable-dark.svg");
  });

  it("says in words, inside the figure, when the runs hold no width series", () => {
    const depthOnly = rows.filter((r) => r.width === 16);
    const svg = depthWidth(depthOnly, { family: "wide", width: 560 }, renderContext());
    const text = one(svg, "text.empty");
    expect(text.textContent).toMatch(/^These runs hold no width series: .+\.$/);
    const lines = all(svg, "text.empty tspan").map((t) => t.textContent!.trim());
    expect(lines.length).toBeGreaterThan(1);
    // every line fits the figure's width, so none is clipped at the edge
    for (const l of lines) expect(textWidth(l, 12)).toBeLessThanOrEqual(560 - 32);
  });
});

describe("wrapLines", () => {
  it("breaks between words to fit a width, keeping every word", () => {
    const msg = "a width series needs one depth trained at two or more widths";
    const lines = wrapLines(msg, 100, 10);
    expect(lines.join(" ")).toBe(msg);
    for (const l of lines) expect(l.includes(" ") ? textWidth(l, 10) <= 100 : true).toBe(true);
    expect(wrapLines("short", 100, 10)).toEqual(["short"]);
  });
});
