import { dataDir, runsDir } from "../../lib/paths";
import { openQueue, queueUrl } from "../../lib/queue/queue";
import { runWorker } from "../../lib/queue/worker";
import { liveIngest } from "../live-ingest";
import { createReporter } from "../../trainer/progress";
import { train } from "../../trainer/train";
import { intFlag, parseFlags, UsageError, type Command } from "./command";

const help = `usage: bnlab worker [--concurrency N] [--backend NAME] [--runs-dir DIR] [--data-dir DIR] [--until-empty]

Takes runs from the queue (bnlab sweep FILE --queue) in the PostgreSQL of DATABASE_URL and
trains them into the shared runs directory, indexing each run in that database as it goes.
A run whose worker died is retried by another worker once its lease lapses, and resumes from
its last complete checkpoint; a run lock keeps two workers off one run. Ctrl-C or SIGTERM
stops after the current step, checkpoints, and puts the job back in the queue.
  --concurrency N  jobs at once in this process [1]
  --backend NAME   force a tfjs backend (as BNLAB_BACKEND)
  --runs-dir DIR   the shared runs root [the runsDir each job carries]
  --data-dir DIR   where datasets are looked for [$BNLAB_DATA_DIR or data]
  --until-empty    exit once no job is waiting or running
Timing (seconds, by environment): BNLAB_QUEUE_HEARTBEAT_SECONDS [15], BNLAB_QUEUE_EXPIRE_SECONDS [120],
BNLAB_QUEUE_MAINTENANCE_SECONDS [30], BNLAB_QUEUE_POLL_SECONDS [2].`;

export const workerCommand: Command = {
  name: "worker",
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      concurrency: { type: "string" },
      backend: { type: "string" },
      "runs-dir": { type: "string" },
      "data-dir": { type: "string" },
      "until-empty": { type: "boolean" },
    });
    if (values.help) return void console.log(help);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const url = queueUrl();
    if (values.backend) process.env.BNLAB_BACKEND = values.backend;
    const data = dataDir(values["data-dir"]);
    const runsOverride = values["runs-dir"] ? runsDir(values["runs-dir"], data) : undefined;
    const reporter = createReporter();
    const index = liveIngest(reporter);
    const queue = await openQueue(url, { supervise: true });
    const controller = new AbortController();
    const onSignal = (sig: string) => () => {
      if (controller.signal.aborted) process.exit(130);
      reporter.warn(`${sig}: stopping after this step and returning the job to the queue (again to quit at once)…`);
      controller.abort();
    };
    const onInt = onSignal("SIGINT");
    const onTerm = onSignal("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    try {
      const r = await runWorker({
        url,
        queue,
        concurrency: intFlag("concurrency", values.concurrency) ?? 1,
        untilEmpty: Boolean(values["until-empty"]),
        signal: controller.signal,
        log: (line) => reporter.log(line),
        runJob: async (job, ctx) => {
          const result = await train(job.config, {
            runsDir: runsOverride ?? job.runsDir,
            dataDir: data,
            saveEvery: job.saveEvery,
            signal: ctx.signal,
            reporter,
            onCheckpoint: index.onCheckpoint,
          });
          if (result.id !== job.runId) throw new Error(`job for run ${job.runId} trained ${result.id}: the config does not match the run id`);
          return result.status === "complete" ? "complete" : "interrupted";
        },
      });
      reporter.log(`worker done: ${r.completed} complete, ${r.failed} failed, ${r.released} returned to the queue, ${r.lost} lost`);
      return controller.signal.aborted ? 130 : 0;
    } finally {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      await queue.close();
      await index.close();
    }
  },
};
