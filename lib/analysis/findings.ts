/**
 * The paper's nine claims, checked against the runs a user has, with verdicts that respect noise.
 * Pure: the caller gathers the runs (final accuracy, γ fractions at the final checkpoint and at
 * epoch 0, the budget) and the pruning comparisons of some BN-only runs.
 *
 * Each claim is one record in CLAIMS: its words, what the paper used, how bnlab measures it, the
 * sweep that settles it, and one rule — `candidates` — that turns the runs into comparisons
 * "side a − side b", where the paper says the difference is positive. Every comparison is judged
 * the same way (see `judge`):
 *
 *   needs runs    a side has fewer than MIN_SEEDS seeds;
 *   supported     the 95 % interval of the difference lies above zero (the paper's direction);
 *   contradicted  it lies below zero;
 *   inconclusive  it contains zero.
 *
 * The interval is Welch's t with Welch–Satterthwaite df (a seeded bootstrap from
 * BOOTSTRAP_MIN_N seeds a side), or a one-sample t for paired values (a run against its own
 * initialisation) and for a constant (chance). A claim with several comparisons is supported
 * only when all are, contradicted only when all are, and needs runs when any does. When several
 * architectures could judge a claim, the one with the most seeds on its thinnest side does.
 */
import { architectureName } from "../models/names";
import { getDataset } from "../data/registry";
import { resnetSpec } from "../models/arch";
import { countParameters } from "../models/groups";
import { modeLabel, RANDOM_K_MODE, type TrainableMode } from "../run/modes";
import { diffInterval, meanSd, oneSampleInterval, type DiffInterval } from "./stats";

/** Fewer seeds than this on a side and a comparison says "needs runs": one seed has no spread. */
export const MIN_SEEDS = 2;

/** The paper's setup (Frankle, Schwab & Morcos, ICLR 2021), as bnlab's paper grid reproduces it. */
export const PAPER_BUDGET = "CIFAR-10, 50,000 training images, 160 epochs (SGD 0.1, ÷10 at epochs 80 and 120)";

export interface FindingRun {
  id: string;
  dataset: string;
  /** resnet (default) or vgg. */
  family?: string;
  depth: number;
  width: number;
  /** before-relu (default) or after-relu. */
  bnPlacement?: string;
  /** projection (default), identity or none. */
  shortcut?: string;
  /** Mode name: all, bn, bn+output, output, none, random-k, … */
  mode: string;
  seed: number;
  finalAccuracy: number | null;
  paramsTotal: number;
  paramsTrainable: number;
  /** Fraction of BN channels with |γ| < 0.01 at the final checkpoint (whole network). */
  gammaBelow001: number | null;
  /** The same fraction at epoch 0 (initialisation); null when unknown. */
  gammaBelow001Init?: number | null;
  /** Epochs trained. */
  epochs: number;
  /** Training images used (the subset, or the whole training set). */
  trainSize: number;
}

/** γ-ordered vs random pruning of one BN-only run at one fraction of channels removed. */
export interface PruningComparison {
  runId: string;
  fraction: number;
  gammaOrdered: number;
  randomMean: number;
  randomSd: number | null;
  /** How many random draws the mean is over. */
  randomDraws?: number;
}

export type Verdict = "supported" | "contradicted" | "inconclusive" | "needs runs";

/** One side of a comparison: its values over seeds, summarised. A constant (chance) has n 0. */
export interface Side {
  label: string;
  n: number;
  mean: number;
  sd: number | null;
  runIds: string[];
  /** Parameters its runs trained, when they all trained as many (accuracy sides only). */
  paramsTrainable?: number;
}

export interface Comparison {
  /** What is compared, with the architecture ("BN-only vs output-only, resnet-20"). */
  label: string;
  a: Side;
  b: Side;
  /** Paired: a and b are the same runs (differences taken per run). */
  paired: boolean;
  /** The 95 % interval of a − b; null when a side has too few seeds. */
  interval: DiffInterval | null;
  verdict: Verdict;
}

/** The training budget behind a finding. */
export interface Budget {
  dataset: string;
  epochs: number;
  trainSize: number;
}

export interface Finding {
  id: string;
  /** The claim's number in the seed's list (1–9). */
  n: number;
  claim: string;
  /** What the paper reports, and on what. */
  paper: string;
  paperBudget: string;
  method: string;
  verdict: Verdict;
  comparisons: Comparison[];
  /** The budget of the runs judged; null when there are none. */
  budget: Budget | null;
  /** When runs are missing: what to run, and the sweep file and command that make them. */
  needs?: { runs: string; sweep: string; command: string };
  /** The runs a measurement rests on, when it is a few named runs (the pruning claim). */
  basis?: string[];
  /** BN-only runs whose measurement is still being computed (the pruning claim). */
  pending?: string[];
  /** The figure it rests on (a dashboard path). */
  figure: string;
}

/** Values over seeds for one side, before they are summarised. */
export interface SideValues {
  label: string;
  values: number[];
  runIds: string[];
  paramsTrainable?: number;
}

/** A comparison to judge: a − b, positive in the paper's direction; b may be a constant. */
export interface ComparisonSpec {
  label: string;
  a: SideValues;
  b: SideValues | { label: string; constant: number };
  /** a and b are the same runs, value by value. */
  paired?: boolean;
}

/** A mode the claims compare: one of the paper's named modes, or the random-k control. */
type ModeName = TrainableMode | typeof RANDOM_K_MODE;

/** One architecture (and budget) trained in one mode: its runs over seeds. */
export interface Cell {
  /** The architecture and budget, without the mode: cells with one key differ only in mode. */
  key: string;
  family: string;
  depth: number;
  width: number;
  bnPlacement: string;
  shortcut: string;
  mode: string;
  epochs: number;
  trainSize: number;
  runs: FindingRun[];
}

/** What every claim reads from: the runs of one dataset, grouped into cells. */
export interface ClaimContext {
  cells: readonly Cell[];
  byMode(mode: ModeName): Cell[];
  /** The cell of `mode` with the same architecture and budget as `like`. */
  sameArch(mode: ModeName, like: Cell): Cell | undefined;
  /** Accuracy of guessing: 1 / classes. */
  chance: number;
  /** BN parameters (γ and β) of a ResNet cell's architecture on this dataset. */
  bnParams(c: Cell): number;
  pruning: readonly PruningComparison[];
  /** The run of an id, among the runs of this dataset. */
  run(id: string): FindingRun | undefined;
}

/** One of the paper's claims and how bnlab checks it. */
export interface Claim {
  id: string;
  n: number;
  claim: string;
  paper: string;
  method: string;
  /** The runs that would settle it, in words. */
  needs: string;
  /** The small-CPU sweep that settles it (trainer/sweeps/claim-<n>-<slug>.json). */
  sweep: string;
  figure: string;
  /** Each candidate is one way to judge the claim (usually one architecture): its comparisons. */
  candidates(c: ClaimContext): { cell: Cell; specs: ComparisonSpec[] }[];
  /** A closer figure once measured. */
  figureFor?(cell: Cell): string;
}

/** The paper-scale grid that covers every claim on CIFAR-10. */
export const PAPER_SWEEP = "trainer/sweeps/paper-all-claims.json";

const DEFAULTS = { family: "resnet", bnPlacement: "before-relu", shortcut: "projection" } as const;

/** A cell's network by its one display name (lib/models/names): ResNet-20, WRN-8-2, VGG-11, "ResNet-20, BN after ReLU". */
export function archName(c: Pick<Cell, "family" | "depth" | "width" | "bnPlacement" | "shortcut">): string {
  return architectureName(c);
}

type ArchBudget = Pick<Cell, "family" | "depth" | "width" | "bnPlacement" | "shortcut" | "epochs" | "trainSize">;
const keyOf = (a: ArchBudget) => [a.family, a.depth, a.width, a.bnPlacement, a.shortcut, a.epochs, a.trainSize].join("/");

function cellsOf(runs: readonly FindingRun[]): Cell[] {
  const groups = new Map<string, Cell>();
  for (const r of runs) {
    if (r.finalAccuracy === null) continue;
    const a = { family: r.family ?? DEFAULTS.family, depth: r.depth, width: r.width, bnPlacement: r.bnPlacement ?? DEFAULTS.bnPlacement, shortcut: r.shortcut ?? DEFAULTS.shortcut, epochs: r.epochs, trainSize: r.trainSize };
    const key = keyOf(a);
    const k = `${key}/${r.mode}`;
    const cell = groups.get(k) ?? { key, ...a, mode: r.mode, runs: [] };
    cell.runs.push(r);
    groups.set(k, cell);
  }
  // Deepest, then widest first: the order candidates are tried in when seeds tie.
  return [...groups.values()].sort((x, y) => y.depth - x.depth || y.width - x.width || x.key.localeCompare(y.key));
}

function acc(c: Cell, label = modeLabel(c.mode)): SideValues {
  const trained = new Set(c.runs.map((r) => r.paramsTrainable));
  return { label, values: c.runs.map((r) => r.finalAccuracy!), runIds: c.runs.map((r) => r.id), ...(trained.size === 1 ? { paramsTrainable: c.runs[0].paramsTrainable } : {}) };
}
const runPage = (id: string) => `/runs/${encodeURIComponent(id)}`;

/** Pairs of cells `a` (mode ma) and `b` (mode mb) of one architecture, as accuracy comparisons. */
function modePairs(c: ClaimContext, ma: ModeName, mb: ModeName) {
  return c.byMode(ma).flatMap((a) => {
    const b = c.sameArch(mb, a);
    return b ? [{ cell: a, specs: [{ label: `${modeLabel(ma)} vs ${modeLabel(mb)}, ${archName(a)}`, a: acc(a), b: acc(b) }] }] : [];
  });
}

/** The same BN-only network but for one field (placement or shortcut), as accuracy comparisons. */
function variantPairs(c: ClaimContext, field: "bnPlacement" | "shortcut", a: string, bs: string[]) {
  const bn = c.byMode("bn").filter((x) => x.family === "resnet" || field === "bnPlacement");
  return bn
    .filter((x) => x[field] === a)
    .flatMap((x) => {
      const others = bs.map((v) => bn.find((y) => y.key === keyOf({ ...x, [field]: v })));
      if (others.some((o) => !o)) return [];
      return [{ cell: x, specs: others.map((o) => ({ label: `${a} vs ${o![field]}, BN-only ${archName({ ...x, [field]: DEFAULTS[field] })}`, a: acc(x, a), b: acc(o!, o![field]) })) }];
    });
}

export const CLAIMS: readonly Claim[] = [
  {
    id: "gamma-near-zero",
    n: 1,
    claim: "BN-only training disables features: it drives many γ to near zero, more than initialisation and more than full training",
    paper: "BN-only ResNets end with far more |γ| < 0.01 than fully trained ones (γ starts ~U[0, 1], open_lth's init)",
    method: "fraction of BN channels with |γ| < 0.01: each BN-only run's final checkpoint against its own epoch 0 (paired), and BN-only against full training of the same network",
    needs: "BN-only and full runs of one network, ≥ 2 seeds each, with epoch-0 checkpoints",
    sweep: "trainer/sweeps/claim-1-gamma-near-zero.json",
    figure: "/",
    candidates: (c) =>
      c.byMode("bn").flatMap((bn) => {
        const all = c.sameArch("all", bn);
        if (!all) return [];
        const withInit = bn.runs.filter((r) => r.gammaBelow001 !== null && r.gammaBelow001Init != null);
        const final = (cell: Cell, label: string): SideValues => {
          const rs = cell.runs.filter((r) => r.gammaBelow001 !== null);
          return { label, values: rs.map((r) => r.gammaBelow001!), runIds: rs.map((r) => r.id) };
        };
        return [
          {
            cell: bn,
            specs: [
              { label: `BN-only: final vs epoch 0, ${archName(bn)}`, paired: true, a: { label: "final", values: withInit.map((r) => r.gammaBelow001!), runIds: withInit.map((r) => r.id) }, b: { label: "epoch 0", values: withInit.map((r) => r.gammaBelow001Init!), runIds: withInit.map((r) => r.id) } },
              { label: `BN-only vs all parameters, final, ${archName(bn)}`, a: final(bn, "BN-only"), b: final(all, "all parameters") },
            ],
          },
        ];
      }),
    figureFor: (cell) => runPage(cell.runs[0].id),
  },
  {
    id: "affine-matters",
    n: 2,
    claim: "The affine parameters matter: training only γ and β beats training only the output layer, which beats no training",
    paper: "BN-only far outperforms random features with a trained output layer",
    method: "final test accuracy of BN-only, output-only and untrained runs of the same network",
    needs: "BN-only, output-only and untrained runs of one network, ≥ 2 seeds each",
    sweep: "trainer/sweeps/claim-2-affine-matters.json",
    figure: "/compare/depth-width",
    candidates: (c) =>
      c.byMode("bn").flatMap((bn) => {
        const [out, none] = [c.sameArch("output", bn), c.sameArch("none", bn)];
        if (!out || !none) return [];
        return [{ cell: bn, specs: [{ label: `BN-only vs output-only, ${archName(bn)}`, a: acc(bn), b: acc(out) }, { label: `output-only vs no training, ${archName(bn)}`, a: acc(out), b: acc(none) }] }];
      }),
  },
  {
    id: "bn-beats-random-k",
    n: 3,
    claim: "γ and β are special: BN-only beats training as many random conv weights (k = 2 per output channel)",
    paper: "training 2 random parameters per channel reaches far lower accuracy than BN-only's 2 per channel",
    method: "final test accuracy of BN-only against the random-k control on the same network; the trained parameter counts are shown beside",
    needs: "BN-only and random-k runs of one network, ≥ 2 seeds each",
    sweep: "trainer/sweeps/claim-3-bn-vs-random-k.json",
    figure: "/compare/depth-width",
    candidates: (c) => modePairs(c, "bn", RANDOM_K_MODE),
  },
  {
    id: "bn-above-chance",
    n: 4,
    claim: "Random features carry real signal: BN-only training reaches far above chance",
    paper: "ResNet-110: ~70% on CIFAR-10 training 0.48% of the parameters",
    method: "final test accuracy of BN-only runs against chance (1 / classes), one-sample t over seeds",
    needs: "BN-only runs of one network, ≥ 2 seeds",
    sweep: "trainer/sweeps/claim-4-bn-above-chance.json",
    figure: "/compare/depth-width",
    candidates: (c) => c.byMode("bn").map((bn) => ({ cell: bn, specs: [{ label: `BN-only vs chance, ${archName(bn)}`, a: acc(bn), b: { label: "chance", constant: c.chance } }] })),
    figureFor: (cell) => runPage(cell.runs[0].id),
  },
  {
    id: "bn-before-relu",
    n: 5,
    claim: "For BN-only training, BN before the ReLU beats BN after it",
    paper: "the paper's networks (open_lth) put BN before ReLU; the seed claims this placement is the better one for BN-only",
    method: "final test accuracy of BN-only runs of one network with BN before vs after the ReLU",
    needs: "BN-only runs of one network with --bn-placement before-relu and after-relu, ≥ 2 seeds each",
    sweep: "trainer/sweeps/claim-5-bn-placement.json",
    figure: "/compare/depth-width",
    candidates: (c) => variantPairs(c, "bnPlacement", "before-relu", ["after-relu"]),
  },
  {
    id: "deeper-beats-wider",
    n: 6,
    claim: "At equal BN-parameter count, deeper BN-only networks beat wider ones",
    paper: "deep ResNets beat WRN-14-k with as many BN parameters",
    method: "BN-only accuracy of a deeper, narrower ResNet against a shallower, wider one whose BN-parameter counts differ by at most 25%",
    needs: "BN-only runs of a deep-narrow and a shallow-wide ResNet with about as many BN parameters (resnet-20 at width 8 and resnet-8), ≥ 2 seeds each",
    sweep: "trainer/sweeps/claim-6-deeper-vs-wider.json",
    figure: "/compare/depth-width",
    candidates: (c) => {
      const bn = c.byMode("bn").filter((x) => x.family === "resnet" && x.bnPlacement === DEFAULTS.bnPlacement && x.shortcut === DEFAULTS.shortcut);
      return bn.flatMap((d) =>
        bn
          .filter((w) => w.depth < d.depth && w.width > d.width && w.epochs === d.epochs && w.trainSize === d.trainSize && Math.abs(c.bnParams(w) / c.bnParams(d) - 1) <= 0.25)
          .map((w) => ({ cell: d, specs: [{ label: `${archName(d)} (${c.bnParams(d)} BN parameters) vs ${archName(w)} (${c.bnParams(w)})`, a: acc(d, archName(d)), b: acc(w, archName(w)) }] })),
      );
    },
  },
  {
    id: "prune-small-gamma",
    n: 7,
    claim: "Small-γ channels are removable: removing the smallest |γ| first costs less accuracy than removing random channels",
    paper: "BN-only nets lose little accuracy when their small-γ features are disabled",
    method: "test accuracy of BN-only runs with 30% of channels removed, smallest |γ| first against the mean over random choices of as many per layer; paired per run, one-sample t over seeds",
    needs: "≥ 2 complete BN-only runs (seeds) of one network",
    sweep: "trainer/sweeps/claim-7-prune-small-gamma.json",
    figure: "/",
    candidates: (c) => {
      const byCell = new Map<Cell, PruningComparison[]>();
      for (const p of c.pruning) {
        const cell = c.byMode("bn").find((x) => x.runs.some((r) => r.id === p.runId));
        if (cell) byCell.set(cell, [...(byCell.get(cell) ?? []), p]);
      }
      return [...byCell].map(([cell, ps]) => {
        const ids = ps.map((p) => p.runId);
        return {
          cell,
          specs: [{ label: `${Math.round(ps[0].fraction * 100)}% removed, BN-only ${archName(cell)}`, paired: true, a: { label: "smallest |γ| first", values: ps.map((p) => p.gammaOrdered), runIds: ids }, b: { label: "random", values: ps.map((p) => p.randomMean), runIds: ids } }],
        };
      });
    },
    figureFor: (cell) => `${runPage(cell.runs[0].id)}/prune`,
  },
  {
    id: "shortcuts-throttle",
    n: 8,
    claim: "Shortcut connections throttle BN-only training: a plain network (no shortcuts) beats the same network with projection or identity shortcuts",
    paper: "raised in the paper as a possible reason BN-only accuracy lags; the paper's ResNets use projection shortcuts",
    method: "final test accuracy of BN-only ResNets with no shortcuts against projection (1×1 conv + BN) and identity (option A) shortcuts",
    needs: "BN-only runs of one ResNet with --shortcut none, projection and identity, ≥ 2 seeds each",
    sweep: "trainer/sweeps/claim-8-shortcuts.json",
    figure: "/compare/depth-width",
    candidates: (c) => variantPairs(c, "shortcut", "none", ["projection", "identity"]),
  },
  {
    id: "bn-below-all",
    n: 9,
    claim: "BN-only training stays below training every parameter",
    paper: "e.g. ResNet-110: ~70% BN-only vs ~94% full",
    method: "final test accuracy of full training against BN-only on the same network",
    needs: "BN-only and full runs of one network, ≥ 2 seeds each",
    sweep: "trainer/sweeps/claim-9-bn-below-all.json",
    figure: "/compare/depth-width",
    candidates: (c) => modePairs(c, "all", "bn"),
  },
];

function side(v: SideValues | { label: string; constant: number }): Side {
  if ("constant" in v) return { label: v.label, n: 0, mean: v.constant, sd: null, runIds: [] };
  const s = meanSd(v.values);
  return { label: v.label, n: s.n, mean: s.mean, sd: s.sd, runIds: v.runIds, ...(v.paramsTrainable !== undefined ? { paramsTrainable: v.paramsTrainable } : {}) };
}

/** The verdict of an interval of a − b, where the paper says a − b > 0. */
export function verdictOf(interval: Pick<DiffInterval, "lo" | "hi">): Exclude<Verdict, "needs runs"> {
  if (interval.lo > 0) return "supported";
  if (interval.hi < 0) return "contradicted";
  return "inconclusive";
}

/** Judges one comparison (see the file comment). */
export function judge(spec: ComparisonSpec): Comparison {
  const [a, b] = [side(spec.a), side(spec.b)];
  const base = { label: spec.label, a, b, paired: spec.paired ?? false };
  if (spec.paired && !("constant" in spec.b) && spec.b.values.length !== spec.a.values.length) {
    throw new RangeError(`${spec.label}: paired sides differ in length (${spec.a.values.length}, ${spec.b.values.length})`);
  }
  const enough = a.n >= MIN_SEEDS && ("constant" in spec.b || b.n >= MIN_SEEDS);
  if (!enough) return { ...base, interval: null, verdict: "needs runs" };
  let interval: DiffInterval;
  if ("constant" in spec.b) interval = oneSampleInterval(spec.a.values, spec.b.constant);
  else if (spec.paired) {
    const bv = spec.b.values;
    interval = oneSampleInterval(spec.a.values.map((x, i) => x - bv[i]));
  } else interval = diffInterval(spec.a.values, spec.b.values);
  return { ...base, interval, verdict: verdictOf(interval) };
}

/** All comparisons' verdicts combined: any needs runs → needs runs; all agree → that; else inconclusive. */
export function combine(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.length === 0 || verdicts.includes("needs runs")) return "needs runs";
  if (verdicts.every((v) => v === "supported")) return "supported";
  if (verdicts.every((v) => v === "contradicted")) return "contradicted";
  return "inconclusive";
}

/** The fewest seeds on any side of a candidate: the candidate with the most judges. */
function thinnest(specs: readonly ComparisonSpec[]): number {
  return Math.min(...specs.flatMap((s) => [s.a.values.length, "constant" in s.b ? Infinity : s.b.values.length]));
}

/** BN-only runs whose pruning comparison the pruning claim would use: those of the BN-only network with the most seeds. */
export function pruningCandidates(runs: readonly FindingRun[], dataset: string): string[] {
  const bn = cellsOf(runs.filter((r) => r.dataset === dataset)).filter((c) => c.mode === "bn" && c.family === "resnet");
  const best = bn.reduce<Cell | null>((a, c) => (a === null || c.runs.length > a.runs.length ? c : a), null);
  return best ? best.runs.map((r) => r.id) : [];
}

/** The sweep command that makes the runs a claim needs, on the page's dataset. */
function sweepFor(c: Claim, dataset: string): string {
  return dataset === "cifar10" ? PAPER_SWEEP : c.sweep;
}

/** Checks every claim in CLAIMS against the runs of one dataset, in the order of CLAIMS. */
export function findings(allRuns: readonly FindingRun[], opts: { dataset: string; pruning?: readonly PruningComparison[]; pruningPending?: readonly string[] }): Finding[] {
  const info = getDataset(opts.dataset);
  const runs = allRuns.filter((r) => r.dataset === opts.dataset);
  const all = cellsOf(runs);
  const ctx: ClaimContext = {
    cells: all,
    byMode: (mode) => all.filter((c) => c.mode === mode),
    sameArch: (mode, like) => all.find((c) => c.mode === mode && c.key === like.key),
    chance: 1 / info.classes,
    bnParams: (c) => countParameters(resnetSpec({ depth: c.depth, width: c.width, inChannels: info.channels, classes: info.classes })).bn,
    pruning: opts.pruning ?? [],
    run: (id) => runs.find((r) => r.id === id),
  };
  return CLAIMS.map((c): Finding => {
    const head = { id: c.id, n: c.n, claim: c.claim, paper: c.paper, paperBudget: PAPER_BUDGET, method: c.method };
    const candidates = c.candidates(ctx);
    const chosen = candidates.reduce<(typeof candidates)[number] | null>((best, x) => (best === null || thinnest(x.specs) > thinnest(best.specs) ? x : best), null);
    const comparisons = chosen ? chosen.specs.map(judge) : [];
    const verdict = combine(comparisons.map((x) => x.verdict));
    const sweep = sweepFor(c, opts.dataset);
    const finding: Finding = {
      ...head,
      verdict,
      comparisons,
      budget: chosen ? { dataset: opts.dataset, epochs: chosen.cell.epochs, trainSize: chosen.cell.trainSize } : null,
      figure: chosen && c.figureFor ? c.figureFor(chosen.cell) : c.figure,
    };
    if (verdict === "needs runs") finding.needs = { runs: c.needs, sweep, command: `npx bnlab sweep ${sweep}` };
    if (c.id === "prune-small-gamma") {
      finding.basis = chosen ? chosen.specs[0].a.runIds : [];
      finding.pending = [...(opts.pruningPending ?? [])];
    }
    return finding;
  });
}
