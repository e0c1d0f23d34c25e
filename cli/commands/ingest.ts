import { existsSync } from "node:fs";
import { isDir } from "../../lib/data/files";
import { openDb } from "../../lib/db/client";
import { ingest } from "../../lib/db/ingest";
import { dataDir, runsDir } from "../../lib/paths";
import { createReporter } from "../../trainer/progress";
import { parseFlags, UsageError, type Command } from "./command";

const help = `usage: bnlab ingest [runs-dir] [--data-dir DIR]

Indexes every run directory in the database (DATABASE_URL, or data/bnlab.db): new runs,
new checkpoints and metric lines, changed status. Running it twice changes nothing. A run
with a bad file is recorded with its error; the others are indexed.`;

export const ingestCommand: Command = {
  name: "ingest",
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { "data-dir": { type: "string" } }, true);
    if (values.help) return void console.log(help);
    if (positionals.length > 1) throw new UsageError("give at most one runs directory");
    const root = runsDir(positionals[0], dataDir(values["data-dir"]));
    // A mistyped folder would otherwise report "0 runs" and succeed.
    if (positionals[0] !== undefined && !isDir(root)) throw new Error(`${root}: ${existsSync(root) ? "not a directory" : "no such runs directory"}`);
    const db = await openDb();
    const reporter = createReporter();
    try {
      const started = performance.now();
      const r = await ingest(db, root, { onRun: (done, total, id) => reporter.progress({ label: "ingest", done, total, fields: { run: id } }) });
      reporter.end();
      const seconds = (performance.now() - started) / 1000;
      console.log(`${root}: ${r.runs} runs — ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ${r.broken.length} broken (${seconds.toFixed(1)} s, ${(r.runs / Math.max(seconds, 1e-3)).toFixed(0)} runs/s)`);
      for (const b of r.broken) console.log(`  broken ${b.id}: ${b.error}`);
    } finally {
      await db.close();
    }
  },
};
