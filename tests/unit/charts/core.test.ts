import { describe, expect, it } from "vitest";
import { belowHeader, createFrame, DEFAULT_THRESHOLD, el, emptyFigure, finish, formatValue, openFigure, powerOfTenLabel, round2, thresholdOption } from "../../../lib/charts/core";
import { toSvgString } from "../../../lib/charts/svg";
import { compareModes, isKnownMode, modeColor, MODE_ORDER, paletteColor, seriesColor, THEMES } from "../../../lib/charts/theme";
import { TRAINABLE_MODES } from "../../../lib/run/modes";
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

  it("a figure's parameters travel in the file: <desc> and a data attribute", () => {
    const parameters = { threshold: 0.01, epoch: 3, sibling: "mnist-r8-all-s0 (epoch 3)" };
    const frame = openFigure(renderContext(), "test", { parameters }, { width: 100, height: 80, title: "T", description: "A figure." });
    const doc = parseSvg(toSvgString(finish(frame)));
    expect(one(doc, "desc").textContent).toBe("A figure. Parameters: threshold 0.01; epoch 3; sibling mnist-r8-all-s0 (epoch 3).");
    expect(JSON.parse(doc.documentElement.getAttribute("data-parameters")!)).toEqual(parameters);
    expect(parseSvg(toSvgString(finish(openFigure(renderContext(), "test", {}, { width: 100, height: 80, title: "T", description: "A figure." })))).documentElement.hasAttribute("data-parameters")).toBe(false);
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

  it("a builder's defaults give way to the caller's options", () => {
    const defaults = { width: 640, height: 400, title: "Default title", subtitle: "default sub", description: "default desc" };
    const plain = openFigure(renderContext(), "k", {}, defaults);
    expect([plain.width, plain.height, one(plain.svg, "text.title").textContent, one(plain.svg, "text.subtitle").textContent, one(plain.svg, "desc").textContent]).toEqual([640, 400, "Default title", "default sub", "default desc"]);
    expect(plain.svg.getAttribute("data-figure")).toBe("k");
    const given = openFigure(renderContext(), "k", { width: 300, height: 200, title: "T", subtitle: "S", description: "D", theme: "dark" }, defaults);
    expect([given.width, given.height, one(given.svg, "text.title").textContent, one(given.svg, "text.subtitle").textContent, one(given.svg, "desc").textContent]).toEqual([300, 200, "T", "S", "D"]);
    expect(given.theme.name).toBe("dark");
  });

  it("an empty figure: the message centred under the header", () => {
    const frame = createFrame(renderContext(), { kind: "t", width: 200, height: 100, title: "t", description: "d" });
    const box = belowHeader(frame);
    expect(box).toEqual({ x: 0, y: 30, width: 200, height: 70 });
    const svg = emptyFigure(frame, box, "nothing here");
    const msg = one(svg, "text.empty");
    expect([msg.textContent, msg.getAttribute("x"), msg.getAttribute("y")]).toEqual(["nothing here", "100", "65"]);
  });

  it("threshold option: 0.01 by default, null for none, else positive and finite", () => {
    expect(thresholdOption(undefined)).toBe(DEFAULT_THRESHOLD);
    expect(DEFAULT_THRESHOLD).toBe(0.01);
    expect(thresholdOption(null)).toBeNull();
    expect(thresholdOption(0.25)).toBe(0.25);
    for (const bad of [0, -1, Infinity, NaN]) expect(() => thresholdOption(bad)).toThrow(/threshold must be a positive number/);
  });

  it("legend order and mode colours name every trainable mode", () => {
    expect([...MODE_ORDER].sort()).toEqual(Object.keys(TRAINABLE_MODES).sort());
    for (const m of Object.keys(TRAINABLE_MODES)) expect(isKnownMode(m)).toBe(true);
    expect(isKnownMode("toString")).toBe(false);
    expect(modeColor("toString")).toMatch(/^#[0-9A-F]{6}$/i);
  });

  it("a series' colour: its own, else its mode's, else the palette's", () => {
    expect(seriesColor({ color: "#abcdef", mode: "bn" }, 0)).toBe("#abcdef");
    expect(seriesColor({ mode: "bn" }, 3, "dark")).toBe(modeColor("bn", "dark"));
    expect(seriesColor({}, 2, "dark")).toBe(paletteColor(2, "dark"));
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
