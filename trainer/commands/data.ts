import { listDatasets } from "../../lib/data";
import { parseFlags, UsageError, type Command } from "./command";
import { dataDir } from "../../lib/paths";

const help = `usage: bnlab data list [--data-dir DIR] [--json]

Shows which datasets are available on this machine, where they load from, and how to get
the missing ones.`;

export const dataCommand: Command = {
  name: "data",
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { "data-dir": { type: "string" }, json: { type: "boolean" } }, true);
    if (values.help) return void console.log(help);
    if (positionals[0] !== "list" || positionals.length !== 1) throw new UsageError(`unknown subcommand "${positionals.join(" ")}"`);
    const list = listDatasets({ dataDir: dataDir(values["data-dir"]) });
    if (values.json) return void console.log(JSON.stringify(list, null, 2));
    const width = Math.max(...list.map((d) => d.name.length));
    for (const d of list) {
      const state = d.available ? "available" : "missing  ";
      console.log(`${d.name.padEnd(width)}  ${state}  ${d.location ?? "-"}`);
      if (!d.available || !d.location) console.log(`${" ".repeat(width)}  ${d.hint}`);
    }
  },
};
