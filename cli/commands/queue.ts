import { formatQueue, openQueue, queueEntries, queueUrl, retryFailed } from "../../lib/queue/queue";
import { parseFlags, UsageError, type Command } from "./command";

const help = `usage: bnlab queue
       bnlab queue retry <run-id>... | --failed

Shows the run queue in the PostgreSQL of DATABASE_URL: pending, running (worker, epochs done,
last heartbeat), done and failed (with the error) runs. \`retry\` puts failed runs back.`;

export const queueCommand: Command = {
  name: "queue",
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { failed: { type: "boolean" } }, true);
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
      console.log(formatQueue(await queueEntries(queue)));
      return 0;
    } finally {
      await queue.close();
    }
  },
};
