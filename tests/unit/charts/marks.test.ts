import { describe, expect, it } from "vitest";
import { createFrame } from "../../../lib/charts/core";
import { bandMark, barMark, besideX, dotMark, lineMark, ruleX, ruleY } from "../../../lib/charts/marks";
import { plotArea } from "../../../lib/charts/plot";
import { THEMES } from "../../../lib/charts/theme";
import { num, renderContext } from "./helpers";

function plot(theme: "light" | "dark" = "light") {
  const frame = createFrame(renderContext(), { kind: "t", width: 300, height: 200, title: "t", description: "d", theme });
  return plotArea(frame, { x: 40, y: 30, width: 200, height: 100 });
}

describe("marks", () => {
  it("line: an unfilled series path through the points, broken where not defined", () => {
    const p = plot();
    const data: [number, number][] = [[0, 10], [1, NaN], [2, 30], [3, 40]];
    const path = lineMark(p, p.g, data, { x: (d) => d[0] * 10, y: (d) => d[1], defined: (d) => Number.isFinite(d[1]), stroke: "#123456", attrs: { "data-series": "s" } });
    expect(path.getAttribute("class")).toBe("series line");
    expect(path.getAttribute("d")).toBe("M0,10ZM20,30L30,40");
    expect(path.getAttribute("fill")).toBe("none");
    expect(path.getAttribute("stroke-width")).toBe("2");
    expect(path.getAttribute("stroke-dasharray")).toBeNull();
    expect(path.getAttribute("data-series")).toBe("s");
    const dashed = lineMark(p, p.g, data.slice(2), { x: (d) => d[0], y: (d) => d[1], stroke: "#000", strokeWidth: 1.75, dash: "6 3" });
    expect([dashed.getAttribute("stroke-width"), dashed.getAttribute("stroke-dasharray")]).toEqual(["1.75", "6 3"]);
  });

  it("band: the area between y0 and y1", () => {
    const p = plot();
    const band = bandMark(p, p.g, [[0, 10, 20], [10, 15, 25]] as [number, number, number][], { x: (d) => d[0], y0: (d) => d[1], y1: (d) => d[2], fill: "#f00", opacity: 0.2 });
    expect(band.getAttribute("class")).toBe("band");
    expect(band.getAttribute("d")).toBe("M0,20L10,25L10,15L0,10Z");
    expect(band.getAttribute("fill-opacity")).toBe("0.2");
  });

  it("dot: a halo in the background colour only when asked", () => {
    const p = plot("dark");
    const haloed = dotMark(p, p.g, 5, 6, { r: 4, fill: "#f00", halo: 1.5 });
    expect([haloed.getAttribute("class"), num(haloed, "cx"), num(haloed, "cy"), num(haloed, "r")]).toEqual(["point", 5, 6, 4]);
    expect([haloed.getAttribute("stroke"), haloed.getAttribute("stroke-width")]).toEqual([THEMES.dark.background, "1.5"]);
    const plain = dotMark(p, p.g, 1, 2, { class: "series dot", r: 3, fill: "#0f0" });
    expect(plain.getAttribute("stroke")).toBeNull();
    expect(plain.getAttribute("class")).toBe("series dot");
  });

  it("rules span the plot; the default style is the threshold's", () => {
    const p = plot();
    const v = ruleX(p, p.g, 50, { class: "threshold", attrs: { "data-threshold": 0.01 } });
    expect([num(v, "x1"), num(v, "x2"), num(v, "y1"), num(v, "y2")]).toEqual([50, 50, 0, 100]);
    expect([v.getAttribute("stroke"), v.getAttribute("stroke-width"), v.getAttribute("stroke-dasharray")]).toEqual([THEMES.light.threshold, "1.5", "5 3"]);
    expect(v.getAttribute("data-threshold")).toBe("0.01");
    const h = ruleY(p, p.g, 20, { class: "chance", stroke: "#999", strokeWidth: 1.25, dash: "1 3" });
    expect([num(h, "x1"), num(h, "x2"), num(h, "y1"), num(h, "y2")]).toEqual([0, 200, 20, 20]);
    expect([h.getAttribute("stroke"), h.getAttribute("stroke-width"), h.getAttribute("stroke-dasharray")]).toEqual(["#999", "1.25", "1 3"]);
  });

  it("bar: stands on the bottom of the plot up to its top", () => {
    const p = plot();
    const bar = barMark(p, p.g, { x: 10, width: 8, top: 30, fill: "#00f", attrs: { "data-count": 3 } });
    expect([bar.getAttribute("class"), num(bar, "x"), num(bar, "y"), num(bar, "width"), num(bar, "height")]).toEqual(["bar", 10, 30, 8, 70]);
    expect(barMark(p, p.g, { class: "bar-total", x: 0, width: 1, top: 100, fill: "#000" }).getAttribute("height")).toBe("0");
  });

  it("a label beside a line goes right of it in the left part of the plot, else left", () => {
    expect(besideX({ width: 100 }, 20, 6, 0.6)).toEqual({ x: 26, anchor: "start" });
    expect(besideX({ width: 100 }, 80, 6, 0.6)).toEqual({ x: 74, anchor: "end" });
  });
});
