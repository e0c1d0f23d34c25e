import * as d3 from "d3";
import { describe, expect, it } from "vitest";
import { createFrame, finish, legend } from "../../../lib/charts/core";
import { axes, gridLines, plotArea, plotBox, yTickCount } from "../../../lib/charts/plot";
import { all, num, one, renderContext } from "./helpers";

const frameOf = (width = 400, height = 300) => createFrame(renderContext(), { kind: "t", width, height, title: "t", description: "d" });

describe("plot area", () => {
  it("the box lies inside the margins, its top counted from the bottom of the header", () => {
    const frame = frameOf();
    legend(frame, [{ key: "a", label: "a", color: "#000" }]);
    const top = frame.top;
    expect(top).toBeGreaterThan(30);
    expect(plotBox(frame, { left: 60, right: 20, top: 12, bottom: 40 })).toEqual({ x: 60, y: top + 12, width: 320, height: 300 - top - 12 - 40 });
  });

  it("sizes come from the svg as drawn (a fractional width is rounded by the frame)", () => {
    const frame = frameOf(400.6, 300);
    expect(plotBox(frame, { left: 10, right: 10, top: 0, bottom: 0 }).width).toBe(381);
  });

  it("the plot's group is translated to the box; other classes for panels", () => {
    const frame = frameOf();
    const plot = plotArea(frame, { x: 50, y: 40, width: 300, height: 200 });
    expect(plot.g.getAttribute("class")).toBe("plot");
    expect(plot.g.getAttribute("transform")).toBe("translate(50,40)");
    expect(plot.g.parentElement).toBe(frame.svg);
    const panel = plotArea(frame, { x: 1, y: 2, width: 3, height: 4 }, { class: "panel", "data-metric": "loss" });
    expect(panel.g.getAttribute("class")).toBe("panel");
    expect(panel.g.getAttribute("data-metric")).toBe("loss");
  });

  it("grid lines at the y ticks and axes with titles where the spec says", () => {
    const frame = frameOf();
    const plot = plotArea(frame, { x: 50, y: 40, width: 300, height: 200 });
    const x = d3.scaleLog().domain([1, 100]).range([0, plot.width]);
    const y = d3.scaleLinear().domain([0, 1]).range([plot.height, 0]);
    gridLines(plot, y);
    expect(yTickCount(plot)).toBe(4);
    const ys = all(plot.g, "g.grid-y line").map((l) => num(l, "y1"));
    expect(ys).toEqual(y.ticks(4).map((t) => y(t)));
    expect(all(plot.g, "g.grid-y line").every((l) => num(l, "x2") === 300)).toBe(true);
    const drawn = axes(plot, { axis: d3.axisBottom(x), label: "size", labelOffset: 36, scale: "log", labelAt: 100 }, { axis: d3.axisLeft(y), label: "accuracy", labelOffset: 46 });
    expect(drawn.x.getAttribute("transform")).toBe("translate(0,200)");
    expect(drawn.x.getAttribute("data-scale")).toBe("log");
    expect(drawn.y?.getAttribute("data-scale")).toBeNull();
    const xl = one(plot.g, 'text.axis-label[data-axis="x"]');
    expect([num(xl, "x"), num(xl, "y"), xl.textContent]).toEqual([100, 236, "size"]);
    const yl = one(plot.g, 'text.axis-label[data-axis="y"]');
    expect([num(yl, "x"), num(yl, "y"), yl.getAttribute("transform")]).toEqual([-46, 100, "rotate(-90,-46,100)"]);
    finish(frame);
  });

  it("a y axis without a d3 axis draws only its title", () => {
    const frame = frameOf();
    const plot = plotArea(frame, { x: 0, y: 0, width: 100, height: 100 });
    const drawn = axes(plot, { axis: d3.axisBottom(d3.scaleLinear()), label: "x", labelOffset: 30 }, { label: "rows", labelOffset: 20 });
    expect(drawn.y).toBeNull();
    expect(all(plot.g, "g.axis")).toHaveLength(1);
    expect(one(plot.g, 'text.axis-label[data-axis="y"]').textContent).toBe("rows");
  });
});
