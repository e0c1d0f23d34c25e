import { formatDoctor, runDoctor } from "../../lib/doctor";
import { parseFlags, UsageError, type Command } from "./command";

const help = `usage: bnlab doctor [--json] [--data-dir DIR] [--runs-dir DIR]

What this machine has for bnlab: the tfjs backends (the one chosen, and why the others are not),
the native engine's CPU ISA, GPU and @tensorflow/tfjs-node-gpu, datasets and how to get the
missing ones, the database and its migrations, the Debian packages bnlab uses, the runs folder
and its size. Changes nothing. Exits 0 when the main job (npm start) can run, 1 when not.
  --json   the report as JSON`;

export const doctorCommand: Command = {
  name: "doctor",
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { json: { type: "boolean" }, "data-dir": { type: "string" }, "runs-dir": { type: "string" } });
    if (values.help) return void console.log(help);
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const report = await runDoctor({ dataDir: values["data-dir"], runsDir: values["runs-dir"] });
    console.log(values.json ? JSON.stringify(report, null, 2) : formatDoctor(report));
    return report.ok ? 0 : 1;
  },
};
