import { openDb } from "../../lib/db/client";
import { listRuns } from "../../lib/db/queries";
import { parseFlags, type Command } from "./command";

const help = `usage: bnlab runs [--json]

Lists the indexed runs: id, status (with the error if broken), architecture, trainable mode,
dataset and final test accuracy. Run \`bnlab ingest\` first to index new runs.`;

export const runsCommand: Command = {
  name: "runs",
  help,
  async run(argv) {
    const { values } = parseFlags(argv, { json: { type: "boolean" } });
    if (values.help) return void console.log(help);
    const db = await openDb();
    try {
      const { rows } = await listRuns(db, { sort: "id", order: "asc", pageSize: 100_000 });
      const out = rows.map((r) => ({
        id: r.id, status: r.status, error: r.error ?? undefined, dataset: r.dataset, arch: `resnet-${r.depth}`, width: r.width,
        mode: r.mode, seed: r.seed, epochs: `${r.epochsDone}/${r.epochs}`, finalTestAccuracy: r.finalTestAccuracy,
      }));
      if (values.json) return void console.log(JSON.stringify(out, null, 2));
      if (out.length === 0) return void console.log("no runs indexed yet: train with `bnlab train` or `bnlab sweep`, then `bnlab ingest`");
      for (const r of out) {
        const acc = r.finalTestAccuracy == null ? "-" : `${(100 * r.finalTestAccuracy).toFixed(2)}%`;
        console.log(`${r.status.padEnd(11)} ${acc.padStart(7)}  ${r.dataset.padEnd(13)} ${`${r.arch} w${r.width}`.padEnd(16)} ${r.mode.padEnd(10)} ${r.epochs.padStart(7)}  ${r.id}`);
        if (r.error) console.log(`            ${r.error}`);
      }
    } finally {
      await db.close();
    }
  },
};
