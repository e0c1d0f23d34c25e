/** Trains a sweep's pending and partial runs in order, with an overall progress line. */
import { expandSweep, readSweep, runState, withPrecision, type SweepRun } from "./sweep";
import type { Reporter } from "./progress";

export interface SweepOptions {
  runsDir: string;
  dataDir?: string;
  saveEvery?: number;
  listOnly?: boolean;
  /** training.precision for every run (bnlab sweep --precision); the file's own otherwise. */
  precision?: string;
  signal?: AbortSignal;
  reporter: Reporter;
  onCheckpoint?: (runDir: string) => Promise<void>;
  /** Train on this dataset instead of the sweep's (the demo's fallback when its data is missing). */
  dataset?: string;
  /** Told what will train and when each run starts and ends (the dashboard's progress panel). */
  hooks?: SweepHooks;
}

export interface SweepHooks {
  planned(runs: SweepRun[], todo: SweepRun[]): void;
  runStarted(run: SweepRun, index: number, of: number): void;
  runEnded(run: SweepRun, status: "complete" | "interrupted"): void;
}

export async function runSweep(file: string, opts: SweepOptions): Promise<{ runs: SweepRun[]; trained: number; interrupted: boolean }> {
  const sweep = withPrecision(await readSweep(file), opts.precision);
  if (opts.dataset) sweep.base = { ...sweep.base, data: { ...(sweep.base.data as object | undefined), dataset: opts.dataset } };
  const runs = expandSweep(sweep, file);
  const log = opts.reporter;
  const states = await Promise.all(runs.map((r) => runState(opts.runsDir, r.id)));
  const count = (s: string) => states.filter((x) => x.state === s).length;
  log.log(`sweep ${sweep.name}: ${runs.length} runs — ${count("done")} done, ${count("partial")} partial, ${count("pending")} pending`);
  runs.forEach((r, i) => log.log(`  ${states[i].state.padEnd(7)} ${r.id}${states[i].state === "partial" ? ` (${states[i].epochsDone}/${r.config.training.epochs} epochs, ${states[i].note})` : ""}`));
  if (opts.listOnly) return { runs, trained: 0, interrupted: false };

  const todo = runs.filter((_, i) => states[i].state !== "done");
  opts.hooks?.planned(runs, todo);
  // tfjs loads only when there is something to train (not for --list, a bad sweep file or a sweep already done).
  const { train } = todo.length ? await import("./train") : { train: null };
  let trained = 0;
  for (const [i, run] of todo.entries()) {
    log.log(`[sweep ${i + 1}/${todo.length}] ${run.id}`);
    opts.hooks?.runStarted(run, i + 1, todo.length);
    const result = await train!(run.config, { runsDir: opts.runsDir, dataDir: opts.dataDir, saveEvery: opts.saveEvery, signal: opts.signal, reporter: log, onCheckpoint: opts.onCheckpoint });
    opts.hooks?.runEnded(run, result.status === "interrupted" ? "interrupted" : "complete");
    if (result.status === "interrupted") return { runs, trained, interrupted: true };
    trained++;
  }
  log.log(`sweep ${sweep.name}: all ${runs.length} runs complete`);
  return { runs, trained, interrupted: false };
}
