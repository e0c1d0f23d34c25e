import { describe, expect, it } from "vitest";
import { CLAIMS, findings, type FindingRun } from "../../../lib/analysis/findings";

let n = 0;
function run(depth: number, width: number, mode: string, acc: number, gamma: number | null = null, seed = 0): FindingRun {
  return { id: `r${n++}`, dataset: "mnist", depth, width, mode, seed, finalAccuracy: acc, paramsTotal: 100_000, paramsTrainable: mode === "bn" ? 1_000 : mode === "all" ? 100_000 : 650, gammaBelow001: gamma };
}

describe("findings", () => {
  it("says which runs are needed when there are none", () => {
    const f = findings([], { dataset: "mnist" });
    expect(f.map((x) => x.id)).toEqual(["bn-above-chance", "bn-below-all", "bn-grows-with-depth", "deeper-beats-wider", "gamma-near-zero", "prune-small-gamma", "affine-matters"]);
    expect(f.every((x) => x.verdict === "needs runs" && x.needs?.includes("npx bnlab sweep"))).toBe(true);
  });

  it("supports the paper's claims when the runs behave as the paper's", () => {
    const runs = [
      run(8, 16, "bn", 0.5, 0.2), run(8, 16, "bn", 0.6, 0.3, 1), run(20, 16, "bn", 0.8, 0.25),
      run(8, 16, "all", 0.9, 0.05), run(20, 16, "all", 0.95, 0.1),
      run(8, 16, "output", 0.3), run(8, 16, "none", 0.1), run(20, 16, "output", 0.35), run(20, 16, "none", 0.11),
      run(8, 32, "bn", 0.7), // wrn-8-2: 1344 BN params vs resnet-20's 1568
    ];
    const f = Object.fromEntries(findings(runs, { dataset: "mnist", pruning: { runId: "r2", fraction: 0.3, gammaOrdered: 0.7, randomMean: 0.4, randomSd: 0.05 } }).map((x) => [x.id, x]));
    for (const id of Object.keys(f)) expect(f[id].verdict, `${id}: ${f[id].measured}`).toBe("supported");
    expect(f["bn-above-chance"].measured).toMatch(/ResNet-20: 80\.0% \(n = 1\) test accuracy \(chance 10\.0%\) training 1\.0% of 100,000 parameters/);
    expect(f["bn-grows-with-depth"].measured).toBe("ResNet-8 55.0% ± 7.1 (n = 2) → ResNet-20 80.0% (n = 1)");
    expect(f["gamma-near-zero"].measured).toMatch(/25\.0% after BN-only vs 7\.5% after full/);
    expect(f["deeper-beats-wider"].measured).toMatch(/ResNet-20 \(1568 BN params\) 80\.0% \(n = 1\) vs WRN-8-2 \(1344\) 70\.0% \(n = 1\)/);
    // a measured claim links the figure it rests on
    expect(Object.fromEntries(Object.values(f).map((x) => [x.id, x.figure]))).toEqual({
      "bn-above-chance": "/runs/r2",
      "bn-below-all": "/compare/depth-width",
      "bn-grows-with-depth": "/compare/depth-width",
      "deeper-beats-wider": "/compare/depth-width",
      "gamma-near-zero": "/runs/r0",
      "prune-small-gamma": "/runs/r2/prune",
      "affine-matters": "/compare/depth-width",
    });
  });

  it("shows its basis: mean ± sd with n, the runs it rests on, their training budget and the paper's", () => {
    const a = { ...run(8, 16, "bn", 0.5, 0.2), epochs: 2, trainSize: 10_000 };
    const b = { ...run(8, 16, "bn", 0.6, 0.3, 1), epochs: 2, trainSize: 10_000 };
    const c = { ...run(20, 16, "bn", 0.8, 0.25), epochs: 2, trainSize: 10_000 };
    const f = Object.fromEntries(findings([a, b, c], { dataset: "mnist", pruning: { runId: c.id, fraction: 0.3, gammaOrdered: 0.7, randomMean: 0.4, randomSd: 0.05 } }).map((x) => [x.id, x]));
    // two seeds of ResNet-8: mean 55.0%, sd 7.1 points
    expect(f["bn-grows-with-depth"].measured).toBe("ResNet-8 55.0% ± 7.1 (n = 2) → ResNet-20 80.0% (n = 1)");
    expect(f["bn-grows-with-depth"].basis.runs).toEqual([a.id, b.id, c.id]);
    expect(f["bn-grows-with-depth"].basis.budget).toBe("mnist · 2 epochs · 10,000 training images");
    expect(f["bn-grows-with-depth"].basis.paper).toMatch(/CIFAR-10.*160 epochs/);
    // the pruning claim names the run it rests on
    expect(f["prune-small-gamma"].basis.runs).toEqual([c.id]);
    expect(f["prune-small-gamma"].measured).toContain(c.id);
    // without runs there is no basis
    expect(findings([], { dataset: "mnist" })[0].basis).toEqual({ runs: [], budget: null, paper: expect.any(String) });
  });

  it("says not supported when the measurements disagree", () => {
    const runs = [run(8, 16, "bn", 0.9, 0.01), run(20, 16, "bn", 0.5, 0.01), run(8, 16, "all", 0.8, 0.2)];
    const f = Object.fromEntries(findings(runs, { dataset: "mnist", pruning: { runId: "x", fraction: 0.3, gammaOrdered: 0.2, randomMean: 0.4, randomSd: null } }).map((x) => [x.id, x.verdict]));
    expect(f).toMatchObject({ "bn-below-all": "not supported", "bn-grows-with-depth": "not supported", "gamma-near-zero": "not supported", "prune-small-gamma": "not supported" });
  });

  it("every claim is one complete record: its words, the paper, the method, what to run, the rules", () => {
    expect(CLAIMS.length).toBe(7);
    expect(new Set(CLAIMS.map((c) => c.id)).size).toBe(CLAIMS.length);
    for (const c of CLAIMS) {
      for (const field of ["id", "claim", "paper", "method", "needs", "figure"] as const) {
        expect(typeof c[field], `${c.id}.${field}`).toBe("string");
        expect(c[field].trim().length, `${c.id}.${field}`).toBeGreaterThan(0);
      }
      expect(c.figure.startsWith("/"), `${c.id}.figure`).toBe(true);
      for (const rule of ["evidence", "measured", "supported"] as const) expect(typeof c[rule], `${c.id}.${rule}`).toBe("function");
    }
    // the page shows each record's own words, and the needs-runs line names its runs before the command
    const shown = findings([], { dataset: "mnist", sweepHint: "SWEEP" });
    expect(shown.map((f) => [f.id, f.claim, f.paper, f.figure, f.needs])).toEqual(CLAIMS.map((c) => [c.id, c.claim, c.paper, c.figure, `${c.needs}: SWEEP`]));
  });
});
