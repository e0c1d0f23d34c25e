import { readFile } from "node:fs/promises";
import { configFromFlags, flagHelp, trainFlagOptions } from "../flags";
import { dataDir, runsDir } from "../../lib/paths";
import { liveIngest } from "../live-ingest";
import { createReporter } from "../progress";
import { stopOnSignal } from "../stop-signal";
import { train } from "../train";
import { intFlag, parseFlags, UsageError, type Command } from "./command";

const help = `usage: bnlab train [options]

Trains one run and writes runs/<run-id>/ (run.json, metrics.jsonl, ckpt/). The same config
finds the same run: a complete run is left alone, an incomplete one resumes. Ctrl-C stops
after the current step and saves; the last line printed is the run directory.

${flagHelp()}
  --no-augment      no pad-4 crop + flip
  --config FILE     start from a RunConfig JSON ({data, model, training}); flags override it
  --save-every N    keep a checkpoint every N epochs [10]
  --runs-dir DIR    where runs go [$BNLAB_RUNS_DIR or data/runs]
  --data-dir DIR    where datasets are looked for [$BNLAB_DATA_DIR or data]`;

export const trainCommand: Command = {
  name: "train",
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      ...trainFlagOptions(),
      config: { type: "string" },
      "save-every": { type: "string" },
      "runs-dir": { type: "string" },
      "data-dir": { type: "string" },
    });
    if (values.help) return void console.log(help);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const base = values.config ? await readConfigFile(values.config as string) : {};
    const config = configFromFlags(values as Record<string, string | boolean | undefined>, base);
    const data = dataDir(values["data-dir"] as string | undefined);
    const reporter = createReporter();
    const index = liveIngest(reporter);
    const stop = stopOnSignal(reporter);
    try {
      const result = await train(config, {
        runsDir: runsDir(values["runs-dir"] as string | undefined, data),
        dataDir: data,
        saveEvery: intFlag("save-every", values["save-every"] as string | undefined),
        signal: stop.signal,
        reporter,
        onCheckpoint: index.onCheckpoint,
      });
      if (result.test) reporter.log(`final test accuracy ${(100 * result.test.accuracy).toFixed(2)}% (${result.test.count} images)`);
      console.log(result.runDir);
      return result.status === "interrupted" ? 130 : 0;
    } finally {
      await index.close();
      stop.dispose();
    }
  },
};

async function readConfigFile(file: string) {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: cannot read the config (${(e as Error).message})`);
  }
}
