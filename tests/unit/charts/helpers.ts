/**
 * Figures rendered in Node: linkedom's document, an SVG parser for the standalone strings, and
 * small deterministic data sets built by code (resnet-8 at width 4: 84 BN channels, 3 of them
 * shortcut layers), through the real analysis functions where they are pure.
 */
import { DOMParser, parseHTML } from "linkedom";
import { aggregateRuns, type AggregateRow, type RunResult } from "../../../lib/analysis/aggregate";
import type { AblationSummary } from "../../../lib/analysis/ablation";
import { collectGammas, fractionBelow, type GammaSet } from "../../../lib/analysis/gamma";
import type { PruningCurve } from "../../../lib/analysis/pruning";
import { wilson } from "../../../lib/analysis/stats";
import { bnLayers, resnetSpec } from "../../../lib/models/arch";
import { initialStateDict } from "../../../lib/models/init";
import type { RenderContext } from "../../../lib/charts/core";
import type { TrainingRun } from "../../../lib/charts/training-curves";

export function renderContext(): RenderContext {
  const { document } = parseHTML("<!doctype html><html><body></body></html>");
  return { document: document as unknown as Document };
}

/** Parses a standalone SVG string as XML (image/svg+xml). */
export function parseSvg(text: string): Document {
  return new DOMParser().parseFromString(text, "image/svg+xml") as unknown as Document;
}

export const all = (root: ParentNode, selector: string): Element[] => Array.from(root.querySelectorAll(selector));
export const one = (root: ParentNode, selector: string): Element => {
  const e = root.querySelector(selector);
  if (!e) throw new Error(`no element matches ${selector}`);
  return e;
};
export const num = (e: Element, attr: string): number => Number(e.getAttribute(attr));

/** Translation of an element and its ancestors' `translate(x,y)` up to the svg (what a reader sees). */
export function absoluteX(e: Element, attr: string): number {
  let x = num(e, attr);
  for (let p = e.parentElement; p && p.localName !== "svg"; p = p.parentElement) {
    const m = /translate\(([-\d.e]+)[ ,]([-\d.e]+)\)/.exec(p.getAttribute("transform") ?? "");
    if (m) x += Number(m[1]);
  }
  return x;
}

// ---- training curves

function curve(epochs: number, seed: number, split: "train" | "test" | "val", final: number): { epoch: number; step: number; split: string; loss: number; accuracy: number; lr: number; seconds: number }[] {
  const out = [];
  for (let e = split === "test" ? 0 : 1; e <= epochs; e++) {
    const p = 1 - Math.exp(-e / 3);
    const wobble = 0.01 * Math.sin(e * 1.7 + seed);
    const accuracy = Math.min(1, 0.1 + (final - 0.1) * p + wobble + (split === "train" ? 0.03 * p : 0));
    out.push({ epoch: e, step: e * 50, split, loss: 2.3 * (1 - accuracy) + 0.1, accuracy, lr: 0.1, seconds: 12 });
  }
  return out;
}

export const RUN_BN: TrainingRun = { id: "r-bn-s0", label: "resnet-20 bn (seed 0)", mode: "bn", points: [...curve(12, 0, "train", 0.62), ...curve(12, 0, "test", 0.6)] };
export const RUN_ALL: TrainingRun = { id: "r-all-s0", label: "resnet-20 all (seed 0)", mode: "all", points: [...curve(12, 1, "train", 0.93), ...curve(12, 1, "test", 0.9), ...curve(12, 1, "val", 0.89)] };

// ---- γ

export const SPEC = resnetSpec({ depth: 8, width: 4, inChannels: 3, classes: 10 });
export const TOTAL_CHANNELS = 84;

/**
 * "Trained" γ: channel i of 84 gets ±10^(−3.9 + 4.2·u) with u a fixed scramble of i, and every
 * 9th channel exactly 0 — spread over five decades with exact zeros, like BN-only training.
 */
export function trainedGammas(): { now: GammaSet; init: GammaSet } {
  const init = initialStateDict(SPEC, { seed: 3, bnInit: "uniform" });
  const now = initialStateDict(SPEC, { seed: 3, bnInit: "uniform" });
  let i = 0;
  for (const { name, channels } of bnLayers(SPEC)) {
    const g = now.get(`${name}.weight`)!.data as Float32Array;
    for (let c = 0; c < channels; c++, i++) {
      const u = ((i * 37) % 84) / 83;
      g[c] = i % 9 === 4 ? 0 : (i % 2 ? -1 : 1) * 10 ** (-3.9 + 4.2 * u);
    }
  }
  return { now: collectGammas(now, SPEC), init: collectGammas(init, SPEC) };
}

/** The API's heatmap rows (`GammaBody.layers`). */
export function heatmapLayers(g: GammaSet) {
  return g.layers.map((l) => ({ name: l.name, shortcut: l.shortcut, channels: l.channels, absGammaSorted: Array.from(l.sortedAbs) }));
}

export function fractionBelowOf(g: GammaSet, t = 0.01) {
  return fractionBelow(g, t);
}

/** An ablation summary at t with the per-layer counts of `fractionBelow` (what `ablate` returns). */
export function ablationSummary(g: GammaSet, t = 0.01): AblationSummary {
  const f = fractionBelow(g, t);
  return {
    threshold: t,
    mode: "zero",
    includeShortcut: true,
    shortcutPolicy: "shortcut BNs are masked like every other BN layer",
    layers: f.layers.map((l) => ({ name: l.name, channels: l.total, shortcut: l.shortcut, removed: l.count })),
    excluded: [],
    removed: f.count,
    total: f.total,
    fractionRemoved: f.fraction,
  };
}

// ---- pruning

export function pruningFixture(): PruningCurve {
  const fractions = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
  const count = 1000;
  return {
    mode: "zero",
    includeShortcut: true,
    shortcutPolicy: "masked",
    count,
    seeds: [0, 1, 2],
    points: fractions.map((f, k) => {
      const g = 0.6 - 0.5 * f ** 3;
      const correct = Math.round(g * count);
      const accuracies = [0, 1, 2].map((s) => Math.max(0.1, 0.6 - 0.55 * f ** 1.3 + 0.01 * Math.sin(k + s * 2)));
      const mean = accuracies.reduce((a, b) => a + b, 0) / 3;
      const sd = Math.sqrt(accuracies.reduce((a, b) => a + (b - mean) ** 2, 0) / 2);
      return {
        fraction: f,
        removed: Math.round(f * 84),
        total: 84,
        layers: [],
        gamma: { accuracy: correct / count, correct, count, loss: 1.2 + f, interval: wilson(correct, count) },
        random: { mean, sd, n: 3, accuracies, seeds: [0, 1, 2] },
      };
    }),
  };
}

// ---- depth and width

export function depthWidthRows(): AggregateRow[] {
  const runs: RunResult[] = [];
  const acc: Record<string, number> = { all: 0.92, "bn+output": 0.7, bn: 0.6, output: 0.35, none: 0.1 };
  for (const mode of ["all", "bn", "bn+output", "output", "none"]) {
    for (const depth of [14, 20, 32, 56]) {
      for (const seed of [0, 1]) {
        const a = Math.min(0.95, acc[mode] + (mode === "bn" ? 0.04 : 0.01) * Math.log2(depth / 14) + 0.01 * (seed - 0.5) * (mode === "none" ? 0 : 1));
        runs.push({ id: `c10-d${depth}-${mode}-s${seed}`, dataset: "cifar10", depth, width: 16, mode, seed, finalAccuracy: a, bestAccuracy: a + 0.005 });
      }
    }
    for (const width of [32, 64]) {
      runs.push({ id: `c10-w${width}-${mode}-s0`, dataset: "cifar10", depth: 14, width, mode, seed: 0, finalAccuracy: Math.min(0.95, acc[mode] + 0.03 * Math.log2(width / 16)), bestAccuracy: null });
    }
  }
  return aggregateRuns(runs);
}

// ---- geometry of drawn marks (what a reader sees), for collision checks

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Sum of the `translate(x,y)` of an element's ancestors up to the svg. */
export function offsetOf(e: Element): { x: number; y: number } {
  let x = 0;
  let y = 0;
  for (let p = e.parentElement; p && p.localName !== "svg"; p = p.parentElement) {
    const m = /translate\(([-\d.e]+)[ ,]([-\d.e]+)\)/.exec(p.getAttribute("transform") ?? "");
    if (m) {
      x += Number(m[1]);
      y += Number(m[2]);
    }
  }
  return { x, y };
}

/** A `<rect>`'s box in svg pixels. */
export function rectBox(e: Element): Rect {
  const o = offsetOf(e);
  return { x: o.x + num(e, "x"), y: o.y + num(e, "y"), width: num(e, "width"), height: num(e, "height") };
}

/**
 * A `<text>`'s box in svg pixels: width ~0.6 em per character (the charts' own estimate, which
 * is generous for the proportional fonts used), ascent 0.8 em above the baseline, descent 0.25 em.
 */
export function textBox(e: Element, defaultSize = 11): Rect {
  const o = offsetOf(e);
  const size = e.hasAttribute("font-size") ? num(e, "font-size") : e.getAttribute("class")?.includes("annotation") ? 10 : defaultSize;
  const width = (e.textContent ?? "").length * size * 0.6;
  const anchor = e.getAttribute("text-anchor") ?? "start";
  const x0 = o.x + num(e, "x") - (anchor === "end" ? width : anchor === "middle" ? width / 2 : 0);
  return { x: x0, y: o.y + num(e, "y") - 0.8 * size, width, height: 1.05 * size };
}

export function intersects(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Every (annotation text, bar) pair whose boxes overlap; bars of zero height do not count. */
export function annotationCollisions(svg: ParentNode, bars = "rect.bar, rect.zero-bar"): string[] {
  const rects = all(svg, bars).map(rectBox).filter((r) => r.height > 0 && r.width > 0);
  const out: string[] = [];
  for (const t of all(svg, "text.annotation")) {
    const box = textBox(t);
    const hit = rects.find((r) => intersects(box, r));
    if (hit) out.push(`"${t.textContent}" at (${box.x.toFixed(0)},${box.y.toFixed(0)}) over a bar at (${hit.x.toFixed(0)},${hit.y.toFixed(0)} ${hit.width.toFixed(0)}×${hit.height.toFixed(0)})`);
  }
  return out;
}
