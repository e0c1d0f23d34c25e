import { dataDir, runsDir } from "../../lib/paths";
import { liveIngest } from "../live-ingest";
import { createReporter } from "../progress";
import { runSweep } from "../run-sweep";
import { intFlag, parseFlags, UsageError, type Command } from "./command";

const help = `usage: bnlab sweep <sweep.json|sweep.yaml> [--list] [--runs-dir DIR] [--data-dir DIR] [--save-every N]

Expands the sweep's grid, shows which runs are done / partial / pending, and trains the
pending and partial ones one after another. Rerunning it resumes where it stopped.
  --list    only show the state of each run`;

export const sweepCommand: Command = {
  name: "sweep",
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      { list: { type: "boolean" }, "runs-dir": { type: "string" }, "data-dir": { type: "string" }, "save-every": { type: "string" } },
      true,
    );
    if (values.help) return void console.log(help);
    if (positionals.length !== 1) throw new UsageError("give one sweep file");
    const data = dataDir(values["data-dir"]);
    const controller = new AbortController();
    const reporter = createReporter();
    const index = liveIngest(reporter);
    const onSigint = () => {
      if (controller.signal.aborted) process.exit(130);
      reporter.warn("stopping after this step (Ctrl-C again to quit at once)…");
      controller.abort();
    };
    process.on("SIGINT", onSigint);
    try {
      const result = await runSweep(positionals[0], {
        runsDir: runsDir(values["runs-dir"], data),
        dataDir: data,
        saveEvery: intFlag("save-every", values["save-every"]),
        listOnly: Boolean(values.list),
        signal: controller.signal,
        reporter,
        onCheckpoint: index.onCheckpoint,
      });
      return result.interrupted ? 130 : 0;
    } finally {
      await index.close();
      process.off("SIGINT", onSigint);
    }
  },
};
