import { describe, expect, it } from "vitest";
import {
  collectGammas,
  compareToInit,
  fractionBelow,
  fractionBelowCurve,
  gammaAnalysis,
  gammaHistograms,
  gammaReport,
  GammaError,
  logGrid,
} from "../../../lib/analysis/gamma";
import { resnetSpec } from "../../../lib/models/arch";
import { baseStateDict, handStateDict, sequenceStateDict, setTensor, SHORTCUT_CHANNELS, SPEC, TOTAL_CHANNELS } from "./helpers";

describe("collectGammas", () => {
  it("reads every BN layer in forward order, flags the shortcut BNs, and copies", () => {
    const sd = handStateDict();
    const g = collectGammas(sd, SPEC);
    expect(g.layers.map((l) => `${l.name}:${l.channels}${l.shortcut ? "s" : ""}`)).toEqual([
      "bn:4",
      "blocks.0.bn1:4",
      "blocks.0.bn2:4",
      "blocks.1.bn1:8",
      "blocks.1.bn2:8",
      "blocks.1.shortcut.1:8s",
      "blocks.2.bn1:16",
      "blocks.2.bn2:16",
      "blocks.2.shortcut.1:16s",
    ]);
    expect(g.gamma.length).toBe(TOTAL_CHANNELS);
    expect(Array.from(g.gamma.slice(0, 4))).toEqual(Array.from(Float32Array.from([0.005, -0.003, 0.5, 0.02])));
    expect(Array.from(g.absGamma.slice(0, 2))).toEqual(Array.from(Float32Array.from([0.005, 0.003])));
    expect(g.beta.every((b) => b === 0.25)).toBe(true);
    expect(g.offsets).toEqual([0, 4, 8, 12, 20, 28, 36, 52, 68]);
    (sd.get("bn.weight")!.data as Float32Array)[0] = 7;
    expect(g.gamma[0]).toBeCloseTo(0.005, 7);

    const noShortcut = collectGammas(handStateDict(), SPEC, { includeShortcut: false });
    expect(noShortcut.gamma.length).toBe(TOTAL_CHANNELS - SHORTCUT_CHANNELS);
    expect(noShortcut.layers.some((l) => l.shortcut)).toBe(false);
  });

  it("names the tensor holding NaN or Infinity", () => {
    const sd = baseStateDict();
    const w = sd.get("blocks.1.bn1.weight")!.data as Float32Array;
    w[2] = NaN;
    w[5] = Infinity;
    expect(() => collectGammas(sd, SPEC)).toThrow(GammaError);
    expect(() => collectGammas(sd, SPEC)).toThrow(/^blocks\.1\.bn1\.weight has 2 non-finite values \(channel 2: NaN, channel 5: Infinity\)$/);
    const sd2 = baseStateDict();
    (sd2.get("blocks.2.shortcut.1.bias")!.data as Float32Array)[0] = -Infinity;
    expect(() => collectGammas(sd2, SPEC)).toThrow("blocks.2.shortcut.1.bias has 1 non-finite value");
  });

  it("rejects a state dict of another architecture", () => {
    expect(() => collectGammas(baseStateDict(), resnetSpec({ depth: 14, width: 4 }))).toThrow(/does not match/);
  });
});

describe("fractionBelow", () => {
  it("counts |γ| < t per layer and for the network (hand-set γ)", () => {
    const g = collectGammas(handStateDict(), SPEC);
    const f = fractionBelow(g, 0.01);
    expect([f.count, f.total]).toEqual([4, 84]);
    expect(f.fraction).toBe(4 / 84);
    const byName = Object.fromEntries(f.layers.map((l) => [l.name, l.count]));
    expect(byName).toEqual({
      bn: 2,
      "blocks.0.bn1": 0,
      "blocks.0.bn2": 0,
      "blocks.1.bn1": 0,
      "blocks.1.bn2": 0,
      "blocks.1.shortcut.1": 1,
      "blocks.2.bn1": 0,
      "blocks.2.bn2": 1,
      "blocks.2.shortcut.1": 0,
    });
    expect(f.layers[0].fraction).toBe(0.5);
    expect(fractionBelow(g, 0.1).count).toBe(6);
    expect(fractionBelow(g, 0).count).toBe(0);
    expect(fractionBelow(g, 2).count).toBe(84);
    // Without the shortcut BNs: 3 of 60.
    const ns = fractionBelow(collectGammas(handStateDict(), SPEC, { includeShortcut: false }), 0.01);
    expect([ns.count, ns.total]).toEqual([3, 60]);
  });

  it("compares in float32: a γ of exactly float32(t) is not below t", () => {
    const sd = baseStateDict();
    setTensor(sd, "bn.weight", [0.01, 0.0099999, -0.01, 1]);
    const f = fractionBelow(collectGammas(sd, SPEC), 0.01);
    expect(f.layers[0].count).toBe(1);
  });

  it("the curve over a log grid is the same counts", () => {
    expect(logGrid({ min: 1e-3, max: 1, perDecade: 1 })).toEqual([0.001, 0.01, 0.1, 1]);
    expect(logGrid({ min: 1e-2, max: 1, perDecade: 2 })).toEqual([0.01, 0.0316227766017, 0.1, 0.316227766017, 1]);
    expect(logGrid().length).toBe(41);
    const g = collectGammas(handStateDict(), SPEC);
    const c = fractionBelowCurve(g, { min: 1e-3, max: 1, perDecade: 1 });
    expect(c.thresholds).toEqual([0.001, 0.01, 0.1, 1]);
    // |γ| < 0.001: the 0 and the 1e-4; < 0.01: + 0.005, 0.003; < 0.1: + 0.02, 0.05; < 1: + 0.5.
    expect(c.fractions).toEqual([2 / 84, 4 / 84, 6 / 84, 7 / 84]);
    expect(c.layers[0].fractions).toEqual([0, 0.5, 0.75, 1]);
    expect(fractionBelowCurve(g, [0.01]).fractions).toEqual([4 / 84]);
  });
});

describe("histograms and quantiles of γ", () => {
  it("γ = i/83 over the 84 channels: quantile q is q, equal linear bins", () => {
    const g = collectGammas(sequenceStateDict(), SPEC);
    const report = gammaReport(g);
    for (const { q, value } of report.network.quantiles) expect(value).toBeCloseTo(q, 6);
    for (const { q, value } of report.network.absQuantiles) expect(value).toBeCloseTo(q, 6);
    expect(report.network.zeros).toBe(1);
    expect(report.network.channels).toBe(84);
    expect(report.network.gamma.mean).toBeCloseTo(0.5, 6);
    expect(report.network.gamma.min).toBe(0);
    expect(report.network.gamma.max).toBe(1);
    // i/83 < 0.01 ⇔ i = 0; < 0.1 ⇔ i ≤ 8.
    expect(report.network.below.map((b) => b.count)).toEqual([1, 1, 9]);
    // Layer bn holds 0, 1/83, 2/83, 3/83: median 1.5/83.
    expect(report.layers[0].quantiles[4].value).toBeCloseTo(1.5 / 83, 7);
    expect(report.layers[0].name).toBe("bn");

    const h = gammaHistograms(g, { linear: { bins: 4 }, log: { bins: 2, range: [1 / 830, 1] } });
    // Bins [0, .25) [.25, .5) [.5, .75) [.75, 1]: i ≤ 20, 21..41, 42..62, 63..83.
    expect(h.gamma.edges).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(h.gamma.counts).toEqual([21, 21, 21, 21]);
    // |γ| log bins [1/830, 0.0347) [0.0347, 1] (edge √(1/830)): i = 1, 2 then 3..83; i = 0 is a zero.
    expect(h.absGamma.zeros).toBe(1);
    expect(h.absGamma.counts).toEqual([2, 81]);
    expect(h.absGamma.edges[1]).toBeCloseTo(Math.sqrt(1 / 830), 10);
  });

  it("a negative γ lands in the linear histogram below zero and in the |γ| histogram by magnitude", () => {
    const g = collectGammas(handStateDict(), SPEC);
    const h = gammaHistograms(g, { linear: { bins: 2, range: [-1, 1] }, log: { bins: 4, range: [1e-4, 1] } });
    expect(h.gamma.counts).toEqual([2, 82]);
    expect(h.absGamma.zeros).toBe(1);
    // [1e-4, 1e-3): 1e-4; [1e-3, 1e-2): .003 .005; [1e-2, .1): .02 .05; [.1, 1]: .5 and the 77 ones.
    expect(h.absGamma.counts).toEqual([1, 2, 2, 78]);
  });
});

describe("compareToInit", () => {
  it("mean |Δγ|, correlation and fraction below, per layer and network", () => {
    const init = baseStateDict();
    const now = baseStateDict();
    setTensor(init, "bn.weight", [0.1, 0.2, 0.3, 0.4]);
    setTensor(now, "bn.weight", [0.2, 0.4, 0.6, 0.8]);
    setTensor(now, "blocks.0.bn1.weight", Array.from(init.get("blocks.0.bn1.weight")!.data as Float32Array, (v) => -v));
    const c = compareToInit(collectGammas(now, SPEC), collectGammas(init, SPEC), { thresholds: [0.25] });
    const bn = c.layers[0];
    expect(bn.name).toBe("bn");
    expect(bn.meanAbsDelta).toBeCloseTo(0.25, 6);
    expect(bn.correlation).toBeCloseTo(1, 6);
    expect(bn.below).toEqual([{ threshold: 0.25, init: 0.5, now: 0.25 }]);
    expect(bn.meanAbsGammaInit).toBeCloseTo(0.25, 6);
    expect(bn.meanAbsGammaNow).toBeCloseTo(0.5, 6);
    expect(c.layers[1].correlation).toBeCloseTo(-1, 6);
    // Untouched layers: no change, correlation 1.
    expect(c.layers[2].meanAbsDelta).toBe(0);
    expect(c.layers[2].correlation).toBeCloseTo(1, 6);
    expect(c.network.channels).toBe(84);
    expect(() => compareToInit(collectGammas(now, SPEC), collectGammas(init, SPEC, { includeShortcut: false }))).toThrow(GammaError);
  });
});

describe("gammaAnalysis", () => {
  it("bundles report, histograms, curve and the init comparison", () => {
    const a = gammaAnalysis(handStateDict(), SPEC, { init: baseStateDict() });
    expect(a.report.network.below.find((b) => b.threshold === 0.01)!.count).toBe(4);
    expect(a.histograms.absGamma.zeros).toBe(1);
    expect(a.curve.thresholds[0]).toBe(1e-4);
    expect(a.init!.layers).toHaveLength(9);
    expect(gammaAnalysis(handStateDict(), SPEC, { includeShortcut: false }).init).toBeNull();
    expect(gammaAnalysis(handStateDict(), SPEC, { includeShortcut: false }).report.network.channels).toBe(60);
  });
});
