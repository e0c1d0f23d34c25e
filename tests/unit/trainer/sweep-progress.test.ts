import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RunConfig } from "../../../lib/run/config";
import { readSweepProgress, sweepProgressPath } from "../../../lib/run/sweep-progress";
import { createReporter } from "../../../trainer/progress";
import type { SweepRun } from "../../../trainer/sweep";
import { runCost, trackSweepProgress } from "../../../trainer/sweep-progress";

const tmp = () => mkdtempSync(path.join(tmpdir(), "bnlab-progress-"));

function run(id: string, depth: number, width: number, trainable: RunConfig["training"]["trainable"]): SweepRun {
  const config = RunConfig.parse({ data: { dataset: "mnist", trainSubset: 1000, testSubset: 500 }, model: { depth, width }, training: { epochs: 2, trainable } });
  return { id, config };
}

describe("sweep progress", () => {
  it("weighs runs by size and by what they train", () => {
    const bn = runCost(run("a", 14, 16, ["bn"]));
    expect(runCost(run("b", 14, 32, ["bn"]))).toBeCloseTo(4 * bn);
    expect(runCost(run("c", 14, 16, ["bn", "output", "shortcut", "other"]))).toBeGreaterThan(bn);
    expect(runCost(run("d", 14, 16, []))).toBeLessThan(runCost(run("e", 14, 16, ["output"])));
  });

  it("writes runs done / total, the current run, its epoch and step, and an ETA", () => {
    const dir = tmp();
    let t = 1_000_000;
    const tracker = trackSweepProgress({ dataDir: dir, sweep: "demo", inner: createReporter({ quiet: true }), now: () => t, minIntervalMs: 0 });
    const runs = [run("done", 8, 16, ["bn"]), run("r1", 14, 16, ["bn"]), run("r2", 14, 16, ["bn"])];
    tracker.hooks.planned(runs, runs.slice(1));
    expect(readSweepProgress(dir)).toMatchObject({ sweep: "demo", state: "running", total: 3, done: 1, current: null, etaSeconds: null, pid: process.pid });

    tracker.hooks.runStarted(runs[1], 1, 2);
    t += 30_000;
    tracker.reporter.progress({ label: "epoch 2/2", done: 5, total: 10 });
    const p = readSweepProgress(dir)!;
    expect(p.current).toEqual({ id: "r1", index: 1, of: 2, epoch: 2, epochs: 2, step: 5, steps: 10 });
    // 3/4 of the first of two equal runs took 30 s: 5/4 of a run is left, 50 s.
    expect(p.etaSeconds).toBeCloseTo(50, 0);

    tracker.hooks.runEnded(runs[1], "complete");
    expect(readSweepProgress(dir)).toMatchObject({ done: 2, current: null });
    tracker.finish("complete");
    expect(readSweepProgress(dir)).toMatchObject({ state: "complete", done: 2, etaSeconds: null });
  });

  it("reports a running sweep whose process is gone as interrupted, and ignores a bad file", () => {
    const dir = tmp();
    const gone = { sweep: "demo", state: "running", pid: 2 ** 22 + 17, total: 4, done: 1, current: null, startedAt: "x", updatedAt: "x", etaSeconds: 10 };
    writeFileSync(sweepProgressPath(dir), JSON.stringify(gone));
    expect(readSweepProgress(dir)).toMatchObject({ state: "interrupted", done: 1, etaSeconds: null });
    writeFileSync(sweepProgressPath(dir), "{not json");
    expect(readSweepProgress(dir)).toBeNull();
    expect(readSweepProgress(tmp())).toBeNull();
  });
});
