import { describe, expect, it } from "vitest";
import { createFrame, finish, formatValue, powerOfTenLabel, round2, el } from "../../../lib/charts/core";
import { toSvgString } from "../../../lib/charts/svg";
import { compareModes, modeColor, MODE_ORDER, THEMES } from "../../../lib/charts/theme";
import { all, one, parseSvg, renderContext } from "./helpers";

describe("frame and serializer", () => {
  it("makes a standalone, parseable SVG with xmlns, size, viewBox, title and embedded style", () => {
    const frame = createFrame(renderContext(), { kind: "test", width: 300.4, height: 200, title: "A & B <test>", description: "d" });
    el(frame.doc, "path", { d: "M0.123456,1.987654L2.5e-3,-0.0001", transform: "translate(10.555,3)", fill: "#0072B2" }, frame.svg);
    const text = toSvgString(finish(frame));
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(text).toContain('viewBox="0 0 300 200"');
    expect(text).toContain("A &amp; B &lt;test&gt;");
    expect(text).not.toContain("currentColor");
    const doc = parseSvg(text);
    const svg = doc.documentElement;
    expect(svg.localName).toBe("svg");
    expect(svg.getAttribute("width")).toBe("300");
    expect(one(doc, "title").textContent).toBe("A & B <test>");
    expect(one(doc, "style").textContent).toContain("font-family");
    // geometry rounded to 2 decimals; colours untouched
    const path = one(doc, "path");
    expect(path.getAttribute("d")).toBe("M0.12,1.99L0,0");
    expect(path.getAttribute("transform")).toBe("translate(10.56,3)");
    expect(path.getAttribute("fill")).toBe("#0072B2");
    expect(toSvgString(frame.svg, { xmlDeclaration: false }).startsWith("<svg")).toBe(true);
  });

  it("themes change the background and scope the style", () => {
    const light = createFrame(renderContext(), { kind: "t", width: 10, height: 10, title: "t", description: "d" });
    const dark = createFrame(renderContext(), { kind: "t", width: 10, height: 10, title: "t", description: "d", theme: "dark" });
    expect(one(light.svg, "rect.background").getAttribute("fill")).toBe(THEMES.light.background);
    expect(one(dark.svg, "rect.background").getAttribute("fill")).toBe(THEMES.dark.background);
    expect(dark.svg.getAttribute("class")).toContain("bnlab-dark");
    expect(one(dark.svg, "style").textContent).toContain(".bnlab-dark .axis-label{fill:#e6edf3;");
  });

  it("needs a document", () => {
    expect(() => createFrame({} as never, { kind: "t", width: 10, height: 10, title: "t", description: "d" })).toThrow(/document/);
  });

  it("fixed, distinct colours per trainable mode in both themes", () => {
    for (const theme of ["light", "dark"] as const) {
      const colours = MODE_ORDER.map((m) => modeColor(m, theme));
      expect(new Set(colours).size).toBe(MODE_ORDER.length);
    }
    expect(modeColor("bn")).toBe("#D55E00");
    expect(modeColor("bn+shortcut")).toBe(modeColor("bn+shortcut"));
    expect(["none", "bn", "x", "all"].sort(compareModes)).toEqual(["all", "bn", "none", "x"]);
  });

  it("number formats", () => {
    expect(round2(-0.001)).toBe("0");
    expect(round2(1.005)).toBe("1");
    expect(round2(2.346)).toBe("2.35");
    expect(formatValue(0.01)).toBe("0.01");
    expect(formatValue(1e-4)).toBe("1e-4");
    expect(formatValue(2.5e-5)).toBe("2.5e-5");
    expect(powerOfTenLabel(0.001)).toBe("10⁻³");
    expect(powerOfTenLabel(1)).toBe("1");
    expect(powerOfTenLabel(0.002)).toBe("");
  });

  it("d3 axes are recoloured: no currentColor anywhere", async () => {
    const { trainingCurves } = await import("../../../lib/charts/training-curves");
    const { RUN_BN } = await import("./helpers");
    const svg = trainingCurves(RUN_BN, {}, renderContext());
    const withCurrent = all(svg, "*").filter((e) => e.getAttribute("stroke") === "currentColor" || e.getAttribute("fill") === "currentColor");
    expect(withCurrent).toHaveLength(0);
  });
});
