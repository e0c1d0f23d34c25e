import { formatQueue, formatQueueSummary, openQueue, queueEntries, queueSummary, queueUrl, retryFailed } from "../../lib/queue/queue";
import { parseFlags, UsageError, type Command } from "./command";

/** Pending and failed runs listed without --all: a queue of thousands stays one screen. */
const SHOWN = 50;

const help = `usage: bnlab queue [--all]
       bnlab queue retry <run-id>... | --failed

Shows the run queue in the PostgreSQL of DATABASE_URL: how many runs are pending, running, done
and failed; the running runs (worker, epochs done, last heartbeat), the first ${SHOWN} pending and
failed (with the error) runs and the latest ${SHOWN} done; --all lists every run. \`retry\` puts failed runs back.`;

export const queueCommand: Command = {
  name: "queue",
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { failed: { type: "boolean" }, all: { type: "boolean" } }, true);
    if (values.help) return void console.log(help);
    const [sub, ...ids] = positionals;
    if (sub !== undefined && sub !== "retry") throw new UsageError(`unknown subcommand "${sub}"`);
    if (sub !== "retry" && (values.failed || ids.length)) throw new UsageError("--failed and run ids go with `retry`");
    if (sub === "retry" && !values.failed && ids.length === 0) throw new UsageError("give run ids or --failed");
    const queue = await openQueue(queueUrl());
    try {
      if (sub === "retry") {
        const retried = await retryFailed(queue, values.failed ? "all" : ids);
        const missing = values.failed ? [] : ids.filter((id) => !retried.includes(id));
        console.log(retried.length ? `retrying ${retried.length} run(s): ${retried.join(", ")}` : "no failed runs to retry");
        if (missing.length) console.error(`not failed (or not in the queue): ${missing.join(", ")}`);
        if (missing.length) return 1;
      }
      console.log(values.all ? formatQueue(await queueEntries(queue)) : formatQueueSummary(await queueSummary(queue, { limit: SHOWN }), SHOWN));
      return 0;
    } finally {
      await queue.close();
    }
  },
};
