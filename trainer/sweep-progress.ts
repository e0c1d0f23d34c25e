/**
 * Keeps the data folder's sweep-progress.json (lib/sweep-progress.ts) up to date while a sweep
 * trains: runs done / total, the current run, its epoch and step, and an ETA. The ETA weighs each
 * run by a rough cost (images seen × depth × width², more for modes that train the convolutions),
 * since the demo's wide nets cost many times its shallow ones.
 */
import { getDataset } from "../lib/data/registry";
import { writeSweepProgress, type SweepProgress } from "../lib/run/sweep-progress";
import type { Reporter } from "./progress";
import type { SweepHooks } from "./run-sweep";
import type { SweepRun } from "./sweep";

/** Relative cost of one training example by what is trained: the conv weights' gradients cost most. */
function modeFactor(groups: readonly string[]): number {
  if (groups.includes("other")) return 3;
  if (groups.includes("bn") || groups.includes("shortcut")) return 2.5;
  if (groups.includes("output")) return 1;
  return 0;
}

/** Rough relative cost of a run: forward passes over training (weighted) and test images. */
export function runCost(run: SweepRun): number {
  const { data, model, training } = run.config;
  const info = getDataset(data.dataset);
  const train = data.trainSubset ?? info.trainCount;
  const test = data.testSubset ?? info.testCount;
  return model.depth * model.width ** 2 * (training.epochs * (train * modeFactor(training.trainable) + test) + test);
}

export interface SweepProgressTracker {
  hooks: SweepHooks;
  /** Pass to the sweep: forwards everything to `inner` and notes each step. */
  reporter: Reporter;
  finish(state: SweepProgress["state"], error?: string): void;
}

export function trackSweepProgress(opts: { dataDir: string; sweep: string; inner: Reporter; now?: () => number; minIntervalMs?: number }): SweepProgressTracker {
  const now = opts.now ?? Date.now;
  const minInterval = opts.minIntervalMs ?? 1000;
  const started = now();
  let total = 0;
  let done = 0;
  let workTotal = 0;
  let workDone = 0;
  let current: (NonNullable<SweepProgress["current"]> & { cost: number }) | null = null;
  let lastWrite = 0;

  const eta = (): number | null => {
    const runFraction = current ? (current.epoch - 1 + (current.steps ? current.step / current.steps : 0)) / current.epochs : 0;
    const work = workDone + (current ? current.cost * Math.max(0, runFraction) : 0);
    const elapsed = (now() - started) / 1000;
    if (work <= 0 || elapsed < 5) return null;
    return Math.max(0, (elapsed / work) * (workTotal - work));
  };

  const write = (state: SweepProgress["state"], force: boolean, error?: string) => {
    const t = now();
    if (!force && t - lastWrite < minInterval) return;
    lastWrite = t;
    const { cost: _cost, ...shown } = current ?? { cost: 0 };
    try {
      writeSweepProgress(opts.dataDir, {
        sweep: opts.sweep, state, pid: process.pid, total, done,
        current: current ? (shown as SweepProgress["current"]) : null,
        startedAt: new Date(started).toISOString(), updatedAt: new Date(t).toISOString(),
        etaSeconds: state === "running" ? eta() : null, error,
      });
    } catch {
      // The panel is a convenience: training never stops for it.
    }
  };

  const inner = opts.inner;
  return {
    hooks: {
      planned(runs, todo) {
        total = runs.length;
        done = runs.length - todo.length;
        workTotal = todo.reduce((s, r) => s + runCost(r), 0);
        write("running", true);
      },
      runStarted(run, index, of) {
        current = { id: run.id, index, of, epoch: 1, epochs: run.config.training.epochs, step: 0, steps: 0, cost: runCost(run) };
        write("running", true);
      },
      runEnded(run, status) {
        if (status === "complete") {
          done++;
          workDone += runCost(run);
          current = null;
        }
        write("running", true);
      },
    },
    reporter: {
      log: (line) => inner.log(line),
      warn: (line) => inner.warn(line),
      end: () => inner.end(),
      progress(info) {
        inner.progress(info);
        const m = /^epoch (\d+)\/(\d+)$/.exec(info.label);
        if (current && m) {
          current = { ...current, epoch: Number(m[1]), epochs: Number(m[2]), step: info.done, steps: info.total };
          write("running", false);
        }
      },
    },
    finish(state, error) {
      if (state !== "running") current = null;
      write(state, true, error);
    },
  };
}
