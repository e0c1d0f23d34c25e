/**
 * The paper's claims, checked against the runs a user has: for each, what bnlab measured and a
 * verdict — supported, not supported, or needs runs (with the command that would make them).
 * Pure: the caller gathers runs (with their final γ fraction) and one pruning comparison.
 */
import { getDataset } from "../data/registry";
import { resnetSpec } from "../models/arch";
import { countParameters } from "../models/groups";

export interface FindingRun {
  id: string;
  dataset: string;
  depth: number;
  width: number;
  /** Mode name: all, bn, bn+output, output, none, … */
  mode: string;
  seed: number;
  finalAccuracy: number | null;
  paramsTotal: number;
  paramsTrainable: number;
  /** Fraction of BN channels with |γ| < 0.01 at the final checkpoint (whole network). */
  gammaBelow001: number | null;
}

/** γ-ordered vs random pruning of one BN-only run at one fraction of channels removed. */
export interface PruningComparison {
  runId: string;
  fraction: number;
  gammaOrdered: number;
  randomMean: number;
  randomSd: number | null;
}

export type Verdict = "supported" | "not supported" | "needs runs";

export interface Finding {
  id: string;
  claim: string;
  paper: string;
  measured: string;
  verdict: Verdict;
  /** When runs are missing: what to run. */
  needs?: string;
  /** The figure the claim rests on (a dashboard path). */
  figure: string;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

interface Cell {
  depth: number;
  width: number;
  mode: string;
  accuracy: number;
  gamma: number | null;
  runs: FindingRun[];
}

/** Mean final accuracy (and γ fraction) per (depth, width, mode) over seeds. */
function cells(runs: FindingRun[]): Cell[] {
  const groups = new Map<string, FindingRun[]>();
  for (const r of runs) {
    if (r.finalAccuracy === null) continue;
    const k = `${r.depth}/${r.width}/${r.mode}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((rs) => {
    const g = rs.map((r) => r.gammaBelow001).filter((v): v is number => v !== null);
    return { depth: rs[0].depth, width: rs[0].width, mode: rs[0].mode, accuracy: mean(rs.map((r) => r.finalAccuracy!)), gamma: g.length ? mean(g) : null, runs: rs };
  });
}

export function findings(allRuns: FindingRun[], opts: { dataset: string; pruning?: PruningComparison | null; sweepHint?: string }): Finding[] {
  const runs = allRuns.filter((r) => r.dataset === opts.dataset);
  const info = getDataset(opts.dataset);
  const chance = 1 / info.classes;
  const sweep = opts.sweepHint ?? "npx bnlab sweep trainer/sweeps/demo.json";
  const all = cells(runs);
  const byMode = (m: string) => all.filter((c) => c.mode === m);
  const bnParams = (c: Cell) => countParameters(resnetSpec({ depth: c.depth, width: c.width, inChannels: info.channels, classes: info.classes })).bn;
  const arch = (c: Cell) => `resnet-${c.depth}${c.width === 16 ? "" : ` width ${c.width}`}`;
  const needs = (what: string) => ({ verdict: "needs runs" as const, measured: "not enough runs yet", needs: `${what}: ${sweep}` });
  const out: Finding[] = [];

  // 1. BN-only training reaches far above chance with a tiny fraction of the parameters.
  const bn = byMode("bn");
  if (bn.length === 0) out.push({ id: "bn-above-chance", claim: "BN-only training reaches far above chance while training a tiny fraction of the parameters", paper: "ResNet-110: ~70% on CIFAR-10 with 0.48% of parameters", figure: "/compare/depth-width", ...needs("BN-only runs") });
  else {
    const best = bn.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    const r = best.runs[0];
    const frac = r.paramsTrainable / r.paramsTotal;
    out.push({
      id: "bn-above-chance",
      claim: "BN-only training reaches far above chance while training a tiny fraction of the parameters",
      paper: "ResNet-110: ~70% on CIFAR-10 with 0.48% of parameters",
      measured: `${arch(best)}: ${pct(best.accuracy)} test accuracy (chance ${pct(chance)}) training ${pct(frac)} of ${r.paramsTotal.toLocaleString("en-US")} parameters`,
      verdict: best.accuracy >= chance + 0.2 && frac < 0.05 ? "supported" : "not supported",
      figure: `/runs/${encodeURIComponent(r.id)}`,
    });
  }

  // 2. BN-only is below full training (same architecture).
  const pairs = bn.map((b) => ({ b, a: all.find((c) => c.mode === "all" && c.depth === b.depth && c.width === b.width) })).filter((p) => p.a);
  out.push(
    pairs.length === 0
      ? { id: "bn-below-all", claim: "BN-only training stays below training every parameter", paper: "e.g. ResNet-110: ~70% BN-only vs ~94% full", figure: "/compare/depth-width", ...needs("BN-only and full runs of one architecture") }
      : {
          id: "bn-below-all",
          claim: "BN-only training stays below training every parameter",
          paper: "e.g. ResNet-110: ~70% BN-only vs ~94% full",
          measured: pairs.map((p) => `${arch(p.b)} ${pct(p.b.accuracy)} vs ${pct(p.a!.accuracy)}`).join("; "),
          verdict: pairs.every((p) => p.b.accuracy < p.a!.accuracy) ? "supported" : "not supported",
          figure: "/compare/depth-width",
        },
  );

  // 3. BN-only accuracy grows with depth (width 16).
  const deep = bn.filter((c) => c.width === 16).sort((a, b) => a.depth - b.depth);
  out.push(
    deep.length < 2
      ? { id: "bn-grows-with-depth", claim: "BN-only accuracy grows with depth", paper: "ResNet-14 → 866: BN-only accuracy rises steadily", figure: "/compare/depth-width", ...needs("BN-only runs at two or more depths (width 16)") }
      : {
          id: "bn-grows-with-depth",
          claim: "BN-only accuracy grows with depth",
          paper: "ResNet-14 → 866: BN-only accuracy rises steadily",
          measured: deep.map((c) => `${arch(c)} ${pct(c.accuracy)}`).join(" → "),
          verdict: deep[deep.length - 1].accuracy > deep[0].accuracy ? "supported" : "not supported",
          figure: "/compare/depth-width",
        },
  );

  // 4. At (about) equal BN-parameter count, deeper beats wider.
  const comparable = bn.flatMap((d) => bn.filter((w) => w.depth < d.depth && w.width > d.width && Math.abs(bnParams(w) / bnParams(d) - 1) <= 0.25).map((w) => ({ d, w })));
  out.push(
    comparable.length === 0
      ? { id: "deeper-beats-wider", claim: "At equal BN-parameter count, deeper networks beat wider ones", paper: "deep ResNets beat WRN-14-k with as many BN parameters", figure: "/compare/depth-width", ...needs("BN-only runs of a deep-narrow and a shallow-wide net with about as many BN parameters (e.g. resnet-20 and wrn-8-2)") }
      : {
          id: "deeper-beats-wider",
          claim: "At equal BN-parameter count, deeper networks beat wider ones",
          paper: "deep ResNets beat WRN-14-k with as many BN parameters",
          measured: comparable.map(({ d, w }) => `${arch(d)} (${bnParams(d)} BN params) ${pct(d.accuracy)} vs ${arch(w)} (${bnParams(w)}) ${pct(w.accuracy)}`).join("; "),
          verdict: comparable.every(({ d, w }) => d.accuracy > w.accuracy) ? "supported" : "not supported",
          figure: "/compare/depth-width",
        },
  );

  // 5. BN-only leaves more γ near zero than full training.
  const g = (m: string) => byMode(m).map((c) => c.gamma).filter((v): v is number => v !== null);
  const [gbn, gall] = [g("bn"), g("all")];
  out.push(
    gbn.length === 0 || gall.length === 0
      ? { id: "gamma-near-zero", claim: "BN-only training leaves more γ near zero than full training", paper: "~27% of |γ| < 0.01 after BN-only vs ~9% after full training", figure: "/", ...needs("BN-only and full runs") }
      : {
          id: "gamma-near-zero",
          claim: "BN-only training leaves more γ near zero than full training",
          paper: "~27% of |γ| < 0.01 after BN-only vs ~9% after full training",
          measured: `|γ| < 0.01: ${pct(mean(gbn))} after BN-only vs ${pct(mean(gall))} after full training (mean over runs)`,
          verdict: mean(gbn) > mean(gall) ? "supported" : "not supported",
          figure: bn[0] ? `/runs/${encodeURIComponent(bn[0].runs[0].id)}` : "/",
        },
  );

  // 6. Removing small-|γ| channels costs less than removing random ones.
  const p = opts.pruning;
  out.push(
    !p
      ? { id: "prune-small-gamma", claim: "Removing the channels with the smallest |γ| costs less accuracy than removing random channels", paper: "BN-only nets lose little when their small-γ features are removed", figure: "/", ...needs("a complete BN-only run") }
      : {
          id: "prune-small-gamma",
          claim: "Removing the channels with the smallest |γ| costs less accuracy than removing random channels",
          paper: "BN-only nets lose little when their small-γ features are removed",
          measured: `${pct(p.fraction)} of channels removed: ${pct(p.gammaOrdered)} by smallest |γ| vs ${pct(p.randomMean)}${p.randomSd === null ? "" : ` ± ${pct(p.randomSd)}`} at random`,
          verdict: p.gammaOrdered > p.randomMean ? "supported" : "not supported",
          figure: `/runs/${encodeURIComponent(p.runId)}/prune`,
        },
  );

  // 7. The affine parameters matter: BN-only beats output-only, which beats no training.
  const triples = bn
    .map((b) => ({ b, o: all.find((c) => c.mode === "output" && c.depth === b.depth && c.width === b.width), n: all.find((c) => c.mode === "none" && c.depth === b.depth && c.width === b.width) }))
    .filter((t) => t.o && t.n);
  out.push(
    triples.length === 0
      ? { id: "affine-matters", claim: "Training only γ and β beats training only the output layer, and both beat no training", paper: "BN-only outperforms random features with a trained output layer", figure: "/compare/depth-width", ...needs("BN-only, output-only and untrained runs of one architecture") }
      : {
          id: "affine-matters",
          claim: "Training only γ and β beats training only the output layer, and both beat no training",
          paper: "BN-only outperforms random features with a trained output layer",
          measured: triples.map((t) => `${arch(t.b)}: BN-only ${pct(t.b.accuracy)}, output-only ${pct(t.o!.accuracy)}, none ${pct(t.n!.accuracy)}`).join("; "),
          verdict: triples.filter((t) => t.b.accuracy > t.o!.accuracy && t.o!.accuracy > t.n!.accuracy).length > triples.length / 2 ? "supported" : "not supported",
          figure: "/compare/depth-width",
        },
  );
  return out;
}
