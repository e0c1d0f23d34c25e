/** Trains a sweep's pending and partial runs in order, with an overall progress line. */
import { expandSweep, readSweep, runState, type SweepRun } from "./sweep";
import type { Reporter } from "./progress";

export interface SweepOptions {
  runsDir: string;
  dataDir?: string;
  saveEvery?: number;
  listOnly?: boolean;
  signal?: AbortSignal;
  reporter: Reporter;
  onCheckpoint?: (runDir: string) => Promise<void>;
}

export async function runSweep(file: string, opts: SweepOptions): Promise<{ runs: SweepRun[]; trained: number; interrupted: boolean }> {
  const sweep = await readSweep(file);
  const runs = expandSweep(sweep, file);
  const log = opts.reporter;
  const states = await Promise.all(runs.map((r) => runState(opts.runsDir, r.id)));
  const count = (s: string) => states.filter((x) => x.state === s).length;
  log.log(`sweep ${sweep.name}: ${runs.length} runs — ${count("done")} done, ${count("partial")} partial, ${count("pending")} pending`);
  runs.forEach((r, i) => log.log(`  ${states[i].state.padEnd(7)} ${r.id}${states[i].state === "partial" ? ` (${states[i].epochsDone}/${r.config.training.epochs} epochs, ${states[i].note})` : ""}`));
  if (opts.listOnly) return { runs, trained: 0, interrupted: false };

  const todo = runs.filter((_, i) => states[i].state !== "done");
  // tfjs loads only when there is something to train (not for --list or a bad sweep file).
  const { train } = await import("./train");
  let trained = 0;
  for (const [i, run] of todo.entries()) {
    log.log(`[sweep ${i + 1}/${todo.length}] ${run.id}`);
    const result = await train(run.config, { runsDir: opts.runsDir, dataDir: opts.dataDir, saveEvery: opts.saveEvery, signal: opts.signal, reporter: log, onCheckpoint: opts.onCheckpoint });
    if (result.status === "interrupted") return { runs, trained, interrupted: true };
    trained++;
  }
  log.log(`sweep ${sweep.name}: all ${runs.length} runs complete`);
  return { runs, trained, interrupted: false };
}
