import { dataDir, runsDir } from "../../lib/paths";
import { enqueueRuns, formatQueue, openQueue, queueEntries, queueUrl } from "../../lib/queue/queue";
import { liveIngest } from "../live-ingest";
import { createReporter } from "../../trainer/progress";
import { stopOnSignal } from "../stop-signal";
import { runSweep } from "../../trainer/run-sweep";
import { expandSweep, readSweep, runState } from "../../trainer/sweep";
import { intFlag, parseFlags, UsageError, type Command } from "./command";

const help = `usage: bnlab sweep <sweep.json|sweep.yaml> [--list] [--queue] [--runs-dir DIR] [--data-dir DIR] [--save-every N]

Expands the sweep's grid, shows which runs are done / partial / pending, and trains the
pending and partial ones one after another. Rerunning it resumes where it stopped.
  --list    only show the state of each run
  --queue   do not train here: put the pending and partial runs in the run queue of the
            PostgreSQL in DATABASE_URL, for \`bnlab worker\`s to train into the runs directory
            (which every worker must mount at the same path). Runs already queued are skipped.`;

export const sweepCommand: Command = {
  name: "sweep",
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      { list: { type: "boolean" }, queue: { type: "boolean" }, "runs-dir": { type: "string" }, "data-dir": { type: "string" }, "save-every": { type: "string" } },
      true,
    );
    if (values.help) return void console.log(help);
    if (positionals.length !== 1) throw new UsageError("give one sweep file");
    const data = dataDir(values["data-dir"]);
    if (values.queue) return enqueueSweep(positionals[0], runsDir(values["runs-dir"], data), intFlag("save-every", values["save-every"]));
    const reporter = createReporter();
    const index = liveIngest(reporter);
    const stop = stopOnSignal(reporter);
    try {
      const result = await runSweep(positionals[0], {
        runsDir: runsDir(values["runs-dir"], data),
        dataDir: data,
        saveEvery: intFlag("save-every", values["save-every"]),
        listOnly: Boolean(values.list),
        signal: stop.signal,
        reporter,
        onCheckpoint: index.onCheckpoint,
      });
      return result.interrupted ? 130 : 0;
    } finally {
      await index.close();
      stop.dispose();
    }
  },
};

/** `sweep --queue`: one job per run that is not done and not already queued; prints the queue. */
async function enqueueSweep(file: string, runs: string, saveEvery: number | undefined): Promise<number> {
  const url = queueUrl();
  const sweep = await readSweep(file);
  const all = expandSweep(sweep, file);
  const states = await Promise.all(all.map((r) => runState(runs, r.id)));
  const todo = all.filter((_, i) => states[i].state !== "done");
  const queue = await openQueue(url);
  try {
    const added = await enqueueRuns(queue, todo.map((r) => ({ runId: r.id, config: r.config, runsDir: runs, saveEvery })));
    console.log(`sweep ${sweep.name}: ${all.length} runs, ${all.length - todo.length} done; queued ${added.length} (${todo.length - added.length} already in the queue) into ${runs}`);
    console.log(formatQueue(await queueEntries(queue)));
    return 0;
  } finally {
    await queue.close();
  }
}
