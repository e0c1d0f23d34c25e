/**
 * The paper's claims, checked against the runs a user has: for each, what bnlab measured and a
 * verdict — supported, not supported, or needs runs (with the command that would make them).
 * Pure: the caller gathers runs (with their final γ fraction) and one pruning comparison.
 *
 * Each claim is one record in CLAIMS: its words, the paper's figure, how bnlab measures it, what
 * to run when the evidence is missing, and the rules as functions — gather the evidence from the
 * runs (null: not enough runs), say what was measured, and decide.
 */
import { getDataset } from "../data/registry";
import { resnetSpec } from "../models/arch";
import { architectureName } from "../models/names";
import { countParameters } from "../models/groups";
// The one place this file learns the trainable modes' names: every mode it looks up is checked against them.
import type { TrainableMode } from "../run/modes";

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
  /** The training budget: epochs run and training images (null or absent when unknown). */
  epochs?: number | null;
  trainSize?: number | null;
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
  /** What the measurement rests on: its runs, their training budget, and the paper's budget. */
  basis: { runs: string[]; budget: string | null; paper: string };
}

/** The paper's training budget for its CIFAR-10 ResNets (open_lth's recipe), to set beside bnlab's. */
export const PAPER_BUDGET = "CIFAR-10 · 160 epochs · 50,000 training images (SGD, batch 128)";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** One architecture trained in one mode: the mean over its seeds. */
export interface Cell {
  depth: number;
  width: number;
  mode: string;
  /** Mean final accuracy over the runs, their sample sd (null for one run) and their number. */
  accuracy: number;
  sd: number | null;
  n: number;
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
    const accs = rs.map((r) => r.finalAccuracy!);
    const m = mean(accs);
    const sd = accs.length > 1 ? Math.sqrt(accs.reduce((a, x) => a + (x - m) ** 2, 0) / (accs.length - 1)) : null;
    return { depth: rs[0].depth, width: rs[0].width, mode: rs[0].mode, accuracy: m, sd, n: rs.length, gamma: g.length ? mean(g) : null, runs: rs };
  });
}

/** What every claim reads from: the runs of one dataset, averaged per architecture and mode. */
export interface ClaimContext {
  /** Mean final accuracy (and γ fraction) per (depth, width, mode) over seeds. */
  cells: readonly Cell[];
  /** The cells of one trainable mode. */
  byMode(mode: TrainableMode): Cell[];
  /** The cell of `mode` with the same architecture as `like`, if there is one. */
  sameArch(mode: TrainableMode, like: Cell): Cell | undefined;
  /** Accuracy of guessing: 1 / classes. */
  chance: number;
  /** BN parameters (γ and β) of a cell's architecture on this dataset. */
  bnParams(c: Cell): number;
  pruning: PruningComparison | null;
}

/** One of the paper's claims and how bnlab checks it. `E` is the evidence its rules share. */
export interface Claim<E> {
  id: string;
  claim: string;
  /** What the paper reports. */
  paper: string;
  /** How bnlab measures it, in words. */
  method: string;
  /** The runs that would settle it, when there are not enough. */
  needs: string;
  /** The figure it rests on (a dashboard path); `figureFor` may name a closer one once measured. */
  figure: string;
  /** The evidence in the runs; null when there are not enough runs for a verdict. */
  evidence(c: ClaimContext): E | null;
  /** What was measured, one line. */
  measured(e: E, c: ClaimContext): string;
  /** The verdict rule: true when the evidence supports the claim. */
  supported(e: E, c: ClaimContext): boolean;
  figureFor?(e: E, c: ClaimContext): string;
}

/** A claim in the list: its evidence type checked where it is written, erased for the list. */
function claim<E>(c: Claim<E>): Claim<unknown> {
  return c as unknown as Claim<unknown>;
}

const arch = (c: Cell) => architectureName(c.depth, c.width);
/** A cell's accuracy as measured: mean ± sd (points) over its n runs. */
const acc = (c: Cell) => `${pct(c.accuracy)}${c.sd === null ? "" : ` ± ${(100 * c.sd).toFixed(1)}`} (n = ${c.n})`;
const runPage = (id: string) => `/runs/${encodeURIComponent(id)}`;

export const CLAIMS: readonly Claim<unknown>[] = [
  claim({
    id: "bn-above-chance",
    claim: "BN-only training reaches far above chance while training a tiny fraction of the parameters",
    paper: "ResNet-110: ~70% on CIFAR-10 with 0.48% of parameters",
    method: "the most accurate BN-only architecture (mean over seeds) against chance, and the fraction of its parameters that trained",
    needs: "BN-only runs",
    figure: "/compare/depth-width",
    evidence: (c) => {
      const bn = c.byMode("bn");
      if (bn.length === 0) return null;
      const best = bn.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
      const run = best.runs[0];
      return { best, run, frac: run.paramsTrainable / run.paramsTotal };
    },
    measured: ({ best, run, frac }, c) => `${arch(best)}: ${acc(best)} test accuracy (chance ${pct(c.chance)}) training ${pct(frac)} of ${run.paramsTotal.toLocaleString("en-US")} parameters`,
    supported: ({ best, frac }, c) => best.accuracy >= c.chance + 0.2 && frac < 0.05,
    figureFor: ({ run }) => runPage(run.id),
  }),
  claim({
    id: "bn-below-all",
    claim: "BN-only training stays below training every parameter",
    paper: "e.g. ResNet-110: ~70% BN-only vs ~94% full",
    method: "BN-only against full training of the same architecture, mean final accuracy over seeds",
    needs: "BN-only and full runs of one architecture",
    figure: "/compare/depth-width",
    evidence: (c) => {
      const pairs = c.byMode("bn").flatMap((b) => {
        const a = c.sameArch("all", b);
        return a ? [{ b, a }] : [];
      });
      return pairs.length ? pairs : null;
    },
    measured: (pairs) => pairs.map((p) => `${arch(p.b)} ${acc(p.b)} vs ${acc(p.a)}`).join("; "),
    supported: (pairs) => pairs.every((p) => p.b.accuracy < p.a.accuracy),
  }),
  claim({
    id: "bn-grows-with-depth",
    claim: "BN-only accuracy grows with depth",
    paper: "ResNet-14 → 866: BN-only accuracy rises steadily",
    method: "BN-only accuracy of the shallowest and the deepest width-16 network",
    needs: "BN-only runs at two or more depths (width 16)",
    figure: "/compare/depth-width",
    evidence: (c) => {
      const deep = c.byMode("bn").filter((b) => b.width === 16).sort((a, b) => a.depth - b.depth);
      return deep.length < 2 ? null : deep;
    },
    measured: (deep) => deep.map((c) => `${arch(c)} ${acc(c)}`).join(" → "),
    supported: (deep) => deep[deep.length - 1].accuracy > deep[0].accuracy,
  }),
  claim({
    id: "deeper-beats-wider",
    claim: "At equal BN-parameter count, deeper networks beat wider ones",
    paper: "deep ResNets beat WRN-14-k with as many BN parameters",
    method: "every pair of BN-only networks, one deeper and narrower, whose BN-parameter counts differ by at most 25%",
    needs: "BN-only runs of a deep-narrow and a shallow-wide net with about as many BN parameters (e.g. resnet-20 and wrn-8-2)",
    figure: "/compare/depth-width",
    evidence: (c) => {
      const bn = c.byMode("bn");
      const pairs = bn.flatMap((d) => bn.filter((w) => w.depth < d.depth && w.width > d.width && Math.abs(c.bnParams(w) / c.bnParams(d) - 1) <= 0.25).map((w) => ({ d, w })));
      return pairs.length ? pairs : null;
    },
    measured: (pairs, c) => pairs.map(({ d, w }) => `${arch(d)} (${c.bnParams(d)} BN params) ${acc(d)} vs ${arch(w)} (${c.bnParams(w)}) ${acc(w)}`).join("; "),
    supported: (pairs) => pairs.every(({ d, w }) => d.accuracy > w.accuracy),
  }),
  claim({
    id: "gamma-near-zero",
    claim: "BN-only training leaves more γ near zero than full training",
    paper: "~27% of |γ| < 0.01 after BN-only vs ~9% after full training",
    method: "the fraction of BN channels with |γ| < 0.01 at the final checkpoint, mean over BN-only and over full runs",
    needs: "BN-only and full runs",
    figure: "/",
    evidence: (c) => {
      const below = (m: TrainableMode) => c.byMode(m).map((x) => x.gamma).filter((v): v is number => v !== null);
      const [bn, all] = [below("bn"), below("all")];
      return bn.length === 0 || all.length === 0 ? null : { bn: mean(bn), all: mean(all) };
    },
    measured: (g) => `|γ| < 0.01: ${pct(g.bn)} after BN-only vs ${pct(g.all)} after full training (mean over runs)`,
    supported: (g) => g.bn > g.all,
    figureFor: (_, c) => {
      const bn = c.byMode("bn")[0];
      return bn ? runPage(bn.runs[0].id) : "/";
    },
  }),
  claim({
    id: "prune-small-gamma",
    claim: "Removing the channels with the smallest |γ| costs less accuracy than removing random channels",
    paper: "BN-only nets lose little when their small-γ features are removed",
    method: "test accuracy of one BN-only run with a fraction of its channels removed, smallest |γ| first against the mean over random choices of as many per layer",
    needs: "a complete BN-only run",
    figure: "/",
    evidence: (c) => c.pruning,
    measured: (p) => `run ${p.runId}, ${pct(p.fraction)} of channels removed: ${pct(p.gammaOrdered)} by smallest |γ| vs ${pct(p.randomMean)}${p.randomSd === null ? "" : ` ± ${pct(p.randomSd)}`} at random`,
    supported: (p) => p.gammaOrdered > p.randomMean,
    figureFor: (p) => `${runPage(p.runId)}/prune`,
  }),
  claim({
    id: "affine-matters",
    claim: "Training only γ and β beats training only the output layer, and both beat no training",
    paper: "BN-only outperforms random features with a trained output layer",
    method: "BN-only, output-only and untrained networks of the same architecture; supported when the order holds for most architectures",
    needs: "BN-only, output-only and untrained runs of one architecture",
    figure: "/compare/depth-width",
    evidence: (c) => {
      const triples = c.byMode("bn").flatMap((b) => {
        const [o, n] = [c.sameArch("output", b), c.sameArch("none", b)];
        return o && n ? [{ b, o, n }] : [];
      });
      return triples.length ? triples : null;
    },
    measured: (triples) => triples.map((t) => `${arch(t.b)}: BN-only ${acc(t.b)}, output-only ${acc(t.o)}, none ${acc(t.n)}`).join("; "),
    supported: (triples) => triples.filter((t) => t.b.accuracy > t.o.accuracy && t.o.accuracy > t.n.accuracy).length > triples.length / 2,
  }),
];

/** Checks every claim in CLAIMS against the runs of one dataset, in the order of CLAIMS. */
export function findings(allRuns: FindingRun[], opts: { dataset: string; pruning?: PruningComparison | null; sweepHint?: string }): Finding[] {
  const info = getDataset(opts.dataset);
  const sweep = opts.sweepHint ?? "npx bnlab sweep trainer/sweeps/demo.json";
  const all = cells(allRuns.filter((r) => r.dataset === opts.dataset));
  const ctx: ClaimContext = {
    cells: all,
    byMode: (mode) => all.filter((c) => c.mode === mode),
    sameArch: (mode, like) => all.find((c) => c.mode === mode && c.depth === like.depth && c.width === like.width),
    chance: 1 / info.classes,
    bnParams: (c) => countParameters(resnetSpec({ depth: c.depth, width: c.width, inChannels: info.channels, classes: info.classes })).bn,
    pruning: opts.pruning ?? null,
  };
  const byId = new Map(allRuns.map((r) => [r.id, r]));
  return CLAIMS.map((c): Finding => {
    const head = { id: c.id, claim: c.claim, paper: c.paper };
    const e = c.evidence(ctx);
    if (e === null) return { ...head, figure: c.figure, verdict: "needs runs", measured: "not enough runs yet", needs: `${c.needs}: ${sweep}`, basis: { runs: [], budget: null, paper: PAPER_BUDGET } };
    const runs = runsOf(e);
    const basis = { runs, budget: budgetOf(opts.dataset, runs.map((id) => byId.get(id)).filter((r): r is FindingRun => r !== undefined)), paper: PAPER_BUDGET };
    return { ...head, measured: c.measured(e, ctx), verdict: c.supported(e, ctx) ? "supported" : "not supported", figure: c.figureFor ? c.figureFor(e, ctx) : c.figure, basis };
  });
}

/** The runs evidence rests on: those of every cell in it, and a pruning comparison's run; in index order. */
function runsOf(evidence: unknown): string[] {
  const ids = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== "object" || seen.has(v)) return;
    seen.add(v);
    const o = v as Record<string, unknown>;
    if (typeof o.runId === "string") ids.add(o.runId);
    if (Array.isArray(o.runs) && o.runs.every((r) => typeof (r as FindingRun)?.id === "string")) for (const r of o.runs as FindingRun[]) ids.add(r.id);
    for (const x of Array.isArray(v) ? v : Object.values(o)) walk(x);
  };
  walk(evidence);
  return [...ids].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

/** "mnist · 2 epochs · 10,000 training images" (ranges where the runs differ; null when unknown). */
function budgetOf(dataset: string, runs: FindingRun[]): string | null {
  if (runs.length === 0) return null;
  const range = (xs: (number | null | undefined)[], unit: string) => {
    const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
    if (v.length === 0) return null;
    const [lo, hi] = [Math.min(...v), Math.max(...v)];
    const f = (x: number) => x.toLocaleString("en-US");
    return `${lo === hi ? f(lo) : `${f(lo)}–${f(hi)}`} ${unit}`;
  };
  return [dataset, range(runs.map((r) => r.epochs), "epochs"), range(runs.map((r) => r.trainSize), "training images")].filter(Boolean).join(" · ");
}
