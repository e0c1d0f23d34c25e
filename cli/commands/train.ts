import { CheckpointError } from "../../lib/checkpoint/errors";
import { readTextFile } from "../../lib/checkpoint/read-file";
import { DataConfig, ModelConfig, RunConfig, TrainingConfig, type RunConfigInput } from "../../lib/run/config";
import { configFromFlags, flagHelp, trainFlagOptions } from "../flags";
import { dataDir, runsDir } from "../../lib/paths";
import { liveIngest } from "../live-ingest";
import { createReporter } from "../../trainer/progress";
import { stopOnSignal } from "../stop-signal";
import { intFlag, parseFlags, UsageError, type Command } from "./command";

const help = `usage: bnlab train [options]

Trains one run and writes runs/<run-id>/ (run.json, metrics.jsonl, ckpt/). The same config
finds the same run: a complete run is left alone, an incomplete one resumes. Ctrl-C stops
after the current step and saves; the last line printed is the run directory.

${flagHelp()}
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
    // tfjs loads only once the flags are known to be good, so a typo fails in a moment.
    const { train } = await import("../../trainer/train");
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

/** The --config file: a JSON object of data/model/training objects, each with known fields only. */
async function readConfigFile(file: string): Promise<RunConfigInput> {
  let json: unknown;
  try {
    json = JSON.parse(await readTextFile(file));
  } catch (e) {
    const why = e instanceof CheckpointError ? e.message.slice(file.length + 2) : `not valid JSON: ${(e as Error).message}`;
    throw new Error(`${file}: cannot read the config (${why})`);
  }
  const fail = (problem: string): never => {
    throw new Error(`${file}: not a run config: ${problem}`);
  };
  if (json === null || typeof json !== "object" || Array.isArray(json)) fail("expected a JSON object {data, model, training}");
  const sections: Record<string, { shape: object }> = { data: DataConfig, model: ModelConfig, training: TrainingConfig };
  for (const [section, value] of Object.entries(json as Record<string, unknown>)) {
    if (!Object.hasOwn(sections, section)) fail(`unknown section "${section}" (data, model, training)`);
    if (value === null || typeof value !== "object" || Array.isArray(value)) fail(`${section} must be an object`);
    const fields = Object.keys(sections[section].shape);
    // A typo ("epoch") would otherwise be dropped and the default trained without a word.
    for (const key of Object.keys(value as object)) if (!fields.includes(key)) fail(`${section}.${key}: unknown field (${fields.join(", ")})`);
  }
  const parsed = RunConfig.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(`${issue.path.join(".")}: ${issue.message}`);
  }
  return json as RunConfigInput;
}
