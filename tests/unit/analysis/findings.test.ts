import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CLAIMS, combine, findings, judge, MIN_SEEDS, PAPER_SWEEP, pruningCandidates, type Finding, type FindingRun, type PruningComparison, type Verdict } from "../../../lib/analysis/findings";

type Arch = Partial<Pick<FindingRun, "family" | "depth" | "width" | "bnPlacement" | "shortcut" | "epochs" | "trainSize">>;

let next = 0;
function run(mode: string, acc: number, seed: number, arch: Arch = {}, gamma: { final?: number; init?: number } = {}): FindingRun {
  return {
    id: `r${next++}`, dataset: "mnist", depth: 20, width: 16, epochs: 3, trainSize: 2000, ...arch,
    mode, seed, finalAccuracy: acc, paramsTotal: 100_000, paramsTrainable: mode === "bn" ? 1_000 : 100_000,
    gammaBelow001: gamma.final ?? null, gammaBelow001Init: gamma.init ?? null,
  };
}

const VERDICTS: Verdict[] = ["supported", "contradicted", "inconclusive", "needs runs"];
const LEVELS = [0.9, 0.6, 0.3];
const NOISY = [[0.5, 0.7, 0.6], [0.55, 0.65, 0.62], [0.52, 0.68, 0.58]];

/**
 * Values over seeds of the side ranked `rank` (0 is the side the paper says is highest) of a claim
 * with `ranks` sides, made to give `v`: clearly apart in the paper's order (supported), in the
 * reverse order (contradicted), overlapping (inconclusive), or with one seed on the top side (needs runs).
 */
function values(v: Verdict, rank: number, ranks: number): number[] {
  if (v === "inconclusive") return NOISY[rank];
  const level = LEVELS[v === "contradicted" ? ranks - 1 - rank : rank];
  const xs = [level, level + 0.01, level + 0.02];
  return v === "needs runs" && rank === 0 ? xs.slice(0, 1) : xs;
}

/** Runs of one mode and network, one per value. */
const seeds = (mode: string, xs: number[], arch: Arch = {}) => xs.map((x, i) => run(mode, x, i, arch));

/** For each claim, a run set (and pruning comparisons) that should give each verdict. */
const RUN_SETS: Record<string, (v: Verdict) => { runs: FindingRun[]; pruning?: PruningComparison[] }> = {
  "gamma-near-zero": (v) => {
    const [final, init] = [values(v, 0, 2), values(v, 1, 2)];
    return {
      runs: [
        ...final.map((g, i) => run("bn", 0.8, i, {}, { final: g, init: init[i] })),
        ...values(v, 1, 2).map((g, i) => run("all", 0.95, i, {}, { final: g, init: 0.5 })),
      ],
    };
  },
  "affine-matters": (v) => ({ runs: [...seeds("bn", values(v, 0, 3)), ...seeds("output", values(v, 1, 3)), ...seeds("none", values(v, 2, 3))] }),
  "bn-beats-random-k": (v) => ({ runs: [...seeds("bn", values(v, 0, 2)), ...seeds("random-k", values(v, 1, 2))] }),
  "bn-above-chance": (v) => ({ runs: seeds("bn", { supported: [0.9, 0.91, 0.92], contradicted: [0.03, 0.04, 0.05], inconclusive: [0.05, 0.15, 0.1], "needs runs": [0.9] }[v]) }),
  "bn-before-relu": (v) => ({ runs: [...seeds("bn", values(v, 0, 2), { bnPlacement: "before-relu" }), ...seeds("bn", values(v, 1, 2), { bnPlacement: "after-relu" })] }),
  "deeper-beats-wider": (v) => ({ runs: [...seeds("bn", values(v, 0, 2), { depth: 20, width: 16 }), ...seeds("bn", values(v, 1, 2), { depth: 8, width: 32 })] }),
  "prune-small-gamma": (v) => {
    const bn = seeds("bn", values(v, 0, 2));
    const random = values(v, 1, 2);
    return { runs: bn, pruning: bn.map((r, i) => ({ runId: r.id, fraction: 0.3, gammaOrdered: r.finalAccuracy!, randomMean: random[i], randomSd: 0.01, randomDraws: 10 })) };
  },
  "shortcuts-throttle": (v) => ({
    runs: [...seeds("bn", values(v, 0, 2), { shortcut: "none" }), ...seeds("bn", values(v, 1, 2), { shortcut: "projection" }), ...seeds("bn", values(v, 1, 2).map((x) => x + 0.005), { shortcut: "identity" })],
  }),
  "bn-below-all": (v) => ({ runs: [...seeds("all", values(v, 0, 2)), ...seeds("bn", values(v, 1, 2))] }),
};

function judged(id: string, v: Verdict): Finding {
  const { runs, pruning } = RUN_SETS[id](v);
  return findings(runs, { dataset: "mnist", pruning }).find((f) => f.id === id)!;
}

describe("each claim's verdict rule", () => {
  it("has a synthetic run set per verdict for every claim", () => {
    expect(Object.keys(RUN_SETS).sort()).toEqual(CLAIMS.map((c) => c.id).sort());
  });

  for (const c of CLAIMS) {
    for (const v of VERDICTS) {
      it(`claim ${c.n} (${c.id}): ${v}`, () => {
        const f = judged(c.id, v);
        expect(f.verdict, JSON.stringify(f.comparisons.map((x) => [x.label, x.verdict, x.interval]))).toBe(v);
        expect(f.comparisons.length).toBeGreaterThan(0);
        if (v === "needs runs") {
          expect(f.needs).toEqual({ runs: c.needs, sweep: c.sweep, command: `npx bnlab sweep ${c.sweep}` });
          expect(f.comparisons.some((x) => x.interval === null)).toBe(true);
        } else {
          expect(f.needs).toBeUndefined();
          for (const x of f.comparisons) {
            expect(x.interval).not.toBeNull();
            expect(x.interval!.lo).toBeLessThanOrEqual(x.interval!.diff);
            expect(x.interval!.hi).toBeGreaterThanOrEqual(x.interval!.diff);
            expect(x.a.n).toBeGreaterThanOrEqual(MIN_SEEDS);
          }
        }
        expect(f.budget).toEqual({ dataset: "mnist", epochs: 3, trainSize: 2000 });
      });
    }
  }
});

describe("findings", () => {
  it("with no runs every claim needs runs and names its sweep; on CIFAR-10 the paper grid", () => {
    const f = findings([], { dataset: "mnist" });
    expect(f.map((x) => x.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(f.every((x) => x.verdict === "needs runs" && x.budget === null && x.comparisons.length === 0)).toBe(true);
    for (const x of f) expect(x.needs!.sweep).toMatch(new RegExp(`^trainer/sweeps/claim-${x.n}-[a-z0-9-]+\\.json$`));
    expect(findings([], { dataset: "cifar10" }).every((x) => x.needs!.command === `npx bnlab sweep ${PAPER_SWEEP}`)).toBe(true);
  });

  it("every sweep a claim names exists, and so does the paper grid", () => {
    for (const c of CLAIMS) expect(existsSync(c.sweep), c.sweep).toBe(true);
    expect(existsSync(PAPER_SWEEP)).toBe(true);
  });

  it("reports mean ± sd and n per side, the interval and its method", () => {
    const f = judged("bn-below-all", "supported");
    const [x] = f.comparisons;
    expect(x.a).toMatchObject({ label: "all parameters", n: 3 });
    expect(x.a.mean).toBeCloseTo(0.91, 12);
    expect(x.a.sd).toBeCloseTo(0.01, 12);
    expect(x.b.mean).toBeCloseTo(0.61, 12);
    expect(x.interval!.method).toBe("welch");
    expect(x.interval!.diff).toBeCloseTo(0.3, 12);
    // Welch with equal sds and n: df = 2(n − 1) = 4; t(0.975, 4) = 2.776445 (scipy); se = 0.01·√(2/3).
    expect(x.interval!.df).toBeCloseTo(4, 9);
    expect(x.interval!.hi - x.interval!.diff).toBeCloseTo(2.7764451051977987 * 0.01 * Math.sqrt(2 / 3), 9);
    expect(x.label).toBe("all parameters vs BN-only, ResNet-20");
    expect([x.a.paramsTrainable, x.b.paramsTrainable]).toEqual([100_000, 1_000]);
  });

  it("never compares runs of different budgets; judges on the network with the most seeds", () => {
    const runs = [...seeds("bn", [0.8, 0.81]), ...seeds("all", [0.9, 0.91], { epochs: 4 })];
    expect(findings(runs, { dataset: "mnist" }).find((f) => f.id === "bn-below-all")!.verdict).toBe("needs runs");
    const more = [...seeds("bn", [0.8, 0.81, 0.82], { depth: 8 }), ...seeds("all", [0.9, 0.91, 0.92], { depth: 8 }), ...seeds("bn", [0.95, 0.96], { depth: 20 }), ...seeds("all", [0.9, 0.91], { depth: 20 })];
    const f = findings(more, { dataset: "mnist" }).find((x) => x.id === "bn-below-all")!;
    expect(f.comparisons[0].label).toBe("all parameters vs BN-only, ResNet-8");
    expect(f.verdict).toBe("supported");
  });

  it("the pruning claim names the runs it rests on and those still computing", () => {
    const { runs, pruning } = RUN_SETS["prune-small-gamma"]("supported");
    const f = findings(runs, { dataset: "mnist", pruning, pruningPending: ["rX"] }).find((x) => x.id === "prune-small-gamma")!;
    expect(f.basis).toEqual(runs.map((r) => r.id));
    expect(f.pending).toEqual(["rX"]);
    expect(f.comparisons[0].paired).toBe(true);
    expect(f.figure).toBe(`/runs/${runs[0].id}/prune`);
    expect(pruningCandidates([...runs, ...seeds("bn", [0.5], { depth: 8 })], "mnist")).toEqual(runs.map((r) => r.id));
  });

  it("judge and combine: the rules in one place", () => {
    const a = { label: "a", values: [0.9, 0.91], runIds: ["x", "y"] };
    expect(judge({ label: "t", a, b: { label: "b", values: [0.5], runIds: ["z"] } }).verdict).toBe("needs runs");
    expect(judge({ label: "t", a, b: { label: "chance", constant: 0.1 } }).verdict).toBe("supported");
    expect(() => judge({ label: "t", paired: true, a, b: { label: "b", values: [0.5], runIds: ["z"] } })).toThrow(/paired sides differ/);
    expect(combine([])).toBe("needs runs");
    expect(combine(["supported", "supported"])).toBe("supported");
    expect(combine(["contradicted", "contradicted"])).toBe("contradicted");
    expect(combine(["supported", "contradicted"])).toBe("inconclusive");
    expect(combine(["supported", "needs runs"])).toBe("needs runs");
  });
});
