import { parseArch, resnetSpec } from "../../lib/models/arch";
import { countParameters } from "../../lib/models/groups";
import { intFlag, parseFlags, UsageError, type Command } from "./command";

const help = `usage: bnlab arch <resnet-D | wrn-D-K> [--width W] [--classes 10] [--in-channels 3] [--json]

Prints the parameter counts of a CIFAR ResNet by group (bn, output, shortcut, other).`;

export const archCommand: Command = {
  name: "arch",
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      { width: { type: "string" }, classes: { type: "string" }, "in-channels": { type: "string" }, json: { type: "boolean" } },
      true,
    );
    if (values.help) return void console.log(help);
    if (positionals.length !== 1) throw new UsageError("give one architecture, e.g. resnet-110");
    const arch = parseArch(positionals[0], intFlag("width", values.width));
    const spec = resnetSpec({
      depth: arch.depth,
      width: arch.width,
      classes: intFlag("classes", values.classes),
      inChannels: intFlag("in-channels", values["in-channels"]),
    });
    const c = countParameters(spec);
    if (values.json) return void console.log(JSON.stringify(c));
    const pct = (n: number) => `${((100 * n) / c.total).toFixed(2)}%`;
    console.log(`${positionals[0]}  width ${spec.width}, ${spec.inChannels} input channel(s), ${spec.classes} classes`);
    for (const group of ["bn", "output", "shortcut", "other"] as const) {
      console.log(`  ${group.padEnd(9)} ${c[group].toLocaleString("en-US").padStart(12)}  ${pct(c[group]).padStart(7)}`);
    }
    console.log(`  ${"total".padEnd(9)} ${c.total.toLocaleString("en-US").padStart(12)}`);
  },
};
