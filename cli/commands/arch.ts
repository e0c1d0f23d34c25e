import { BN_PLACEMENTS, describeSpec, modelSpec, parseArch, SHORTCUTS, type BnPlacement, type Shortcut } from "../../lib/models/arch";
import { countParameters } from "../../lib/models/groups";
import { VGG_INPUT_SIZE } from "../../lib/models/vgg";
import { intFlag, parseFlags, UsageError, type Command } from "./command";

const help = `usage: bnlab arch <resnet-D | wrn-D-K | vgg-D> [--width W] [--classes 10] [--in-channels 3]
                 [--bn-placement before-relu|after-relu] [--shortcut projection|identity|none] [--json]

Prints the parameter counts of a network by group (bn, output, shortcut, other). vgg-D is
open_lth's cifar_vgg_D (D = 11, 13, 16, 19); its conv biases count as "other", as open_lth
freezes them with the conv weights.`;

function choice<T extends string>(flag: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly unknown[]).includes(value)) throw new UsageError(`--${flag} must be one of ${allowed.join(", ")}, got "${String(value)}"`);
  return value as T;
}

export const archCommand: Command = {
  name: "arch",
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      {
        width: { type: "string" }, classes: { type: "string" }, "in-channels": { type: "string" },
        "bn-placement": { type: "string" }, shortcut: { type: "string" }, json: { type: "boolean" },
      },
      true,
    );
    if (values.help) return void console.log(help);
    if (positionals.length !== 1) throw new UsageError("give one architecture, e.g. resnet-110 or vgg-16");
    const arch = parseArch(positionals[0], intFlag("width", values.width));
    const spec = modelSpec({
      family: arch.family === "vgg" ? "vgg" : "resnet",
      depth: arch.depth,
      width: arch.width,
      classes: intFlag("classes", values.classes),
      inChannels: intFlag("in-channels", values["in-channels"]),
      bnPlacement: choice<BnPlacement>("bn-placement", values["bn-placement"], BN_PLACEMENTS),
      shortcut: choice<Shortcut>("shortcut", values.shortcut, SHORTCUTS),
    });
    const c = countParameters(spec);
    if (values.json) return void console.log(JSON.stringify(c));
    const pct = (n: number) => `${((100 * n) / c.total).toFixed(2)}%`;
    const widths = spec.family === "vgg" ? " (widths 64 to 512)" : "";
    console.log(`${describeSpec(spec)}${widths}: ${spec.inChannels} input channel(s), ${spec.classes} classes`);
    for (const group of ["bn", "output", "shortcut", "other"] as const) {
      console.log(`  ${group.padEnd(9)} ${c[group].toLocaleString("en-US").padStart(12)}  ${pct(c[group]).padStart(7)}`);
    }
    console.log(`  ${"total".padEnd(9)} ${c.total.toLocaleString("en-US").padStart(12)}`);
    if (spec.family === "vgg") console.log(`  input ${VGG_INPUT_SIZE}×${VGG_INPUT_SIZE}; 28×28 images (MNIST, Fashion-MNIST) are zero-padded by 2 pixels to 32×32 after normalisation`);
  },
};
