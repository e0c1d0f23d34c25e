/**
 * The `bnlab` command line. Each command is a thin wrapper: parse flags, call one library
 * function, print. Errors print one line (the stack with --verbose) and exit non-zero.
 */
import { UsageError, type Command } from "./commands/command";

/** Commands load on use, so `bnlab arch` never starts a tfjs backend. */
const COMMANDS: { name: string; summary: string; load: () => Promise<Command> }[] = [
  { name: "train", summary: "train one run (a ResNet with chosen parameter groups frozen)", load: async () => (await import("./commands/train")).trainCommand },
  { name: "sweep", summary: "expand a grid of runs and train what is not done", load: async () => (await import("./commands/sweep")).sweepCommand },
  { name: "worker", summary: "train runs from the queue (bnlab sweep --queue) on this machine", load: async () => (await import("./commands/worker")).workerCommand },
  { name: "queue", summary: "show the run queue, or retry its failed runs", load: async () => (await import("./commands/queue")).queueCommand },
  { name: "ingest", summary: "index run directories in the database", load: async () => (await import("./commands/ingest")).ingestCommand },
  { name: "runs", summary: "list the indexed runs", load: async () => (await import("./commands/runs")).runsCommand },
  { name: "arch", summary: "parameter counts of a CIFAR ResNet by group", load: async () => (await import("./commands/arch")).archCommand },
  { name: "data", summary: "list the datasets here, or fetch CIFAR-10", load: async () => (await import("./commands/data")).dataCommand },
  { name: "bench", summary: "engine speed against PyTorch, and the ablation re-evaluation", load: async () => (await import("./commands/bench")).benchCommand },
  { name: "start", summary: "the main job (npm start)", load: async () => (await import("./commands/start")).startCommand },
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "usage: bnlab <command> [options]",
    "",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `bnlab <command> --help` for a command's options; add --verbose to see stack traces.",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes("--verbose");
  const args = argv.filter((a) => a !== "--verbose");
  const [name, ...rest] = args;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name ? 0 : 1;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    console.error(`bnlab: unknown command "${name.length > 80 ? `${name.slice(0, 77)}...` : name}"\n\n${usage()}`);
    return 1;
  }
  const command = await entry.load();
  try {
    return (await command.run(rest)) ?? 0;
  } catch (e) {
    const err = e as Error;
    // A message quoting a 100 kB flag value or file name is cut to what a terminal can show.
    const full = String(err?.message ?? err);
    const message = full.length > 1000 ? `${full.slice(0, 600)}...${full.slice(-200)}` : full;
    if (err instanceof UsageError) console.error(`bnlab ${name}: ${message}\n\n${command.help}`);
    else console.error(`bnlab ${name}: ${message}`);
    if (verbose && err?.stack) console.error(err.stack);
    return 1;
  }
}
