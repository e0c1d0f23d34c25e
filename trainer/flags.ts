/**
 * The `bnlab train` flags and how each maps onto the RunConfig. The config schema holds the
 * types, defaults and ranges; this table only names the flags and converts strings.
 */
import { RunConfig, type RunConfigInput } from "../lib/checkpoint/run-config";
import { parseArch } from "../lib/models/arch";
import { isTrainableMode, parseGroups, trainableGroups, TRAINABLE_MODES } from "../lib/models/groups";
import { PARAM_GROUPS, type ParamGroup } from "../lib/models/arch";
import { UsageError } from "./commands/command";

type Section = "data" | "model" | "training";
interface Flag {
  flag: string;
  help: string;
  /** Where the value goes, or a custom setter. */
  to: [Section, string] | ((value: string, cfg: Draft) => void);
  kind?: "int" | "number" | "list" | "string";
}
type Draft = { data: Record<string, unknown>; model: Record<string, unknown>; training: Record<string, unknown> };

export const TRAIN_FLAGS: Flag[] = [
  { flag: "arch", help: "resnet-D (D = 6n+2) or wrn-D-K (width 16·K) [resnet-20]", to: (v, c) => setArch(v, c) },
  { flag: "width", help: "filters of the first stage [16]", to: ["model", "width"], kind: "int" },
  { flag: "bn-init", help: "uniform (γ ~ U[0,1], open_lth) or fixed (γ = 1) [uniform]", to: ["model", "bnInit"] },
  { flag: "dataset", help: "cifar10 | mnist | fashion-mnist | synthetic [cifar10]", to: ["data", "dataset"] },
  { flag: "train-subset", help: "train on N examples (see --subset-choice)", to: ["data", "trainSubset"], kind: "int" },
  { flag: "subset-choice", help: "first (the file's first N) | random (N drawn from the seed) [first]", to: ["data", "subsetChoice"] },
  { flag: "test-subset", help: "evaluate on the first N test examples", to: ["data", "testSubset"], kind: "int" },
  { flag: "holdout", help: "hold out N training examples for validation [0]", to: ["data", "holdout"], kind: "int" },
  { flag: "trainable", help: `${Object.keys(TRAINABLE_MODES).join(" | ")} [all]`, to: (v, c) => setMode(v, c) },
  { flag: "train-groups", help: `train exactly these groups (${PARAM_GROUPS.join(",")})`, to: (v, c) => (c.training.trainable = parseGroups(v)) },
  { flag: "freeze-groups", help: "train every group but these", to: (v, c) => freeze(v, c) },
  { flag: "lr", help: "learning rate [0.1]", to: ["training", "lr"], kind: "number" },
  { flag: "momentum", help: "SGD momentum [0.9]", to: ["training", "momentum"], kind: "number" },
  { flag: "weight-decay", help: "weight decay on trainable parameters [1e-4]", to: ["training", "weightDecay"], kind: "number" },
  { flag: "batch-size", help: "[128]", to: ["training", "batchSize"], kind: "int" },
  { flag: "epochs", help: "[160]", to: ["training", "epochs"], kind: "int" },
  { flag: "milestones", help: "epochs where lr drops, e.g. 80,120 [50% and 75% of epochs]", to: ["training", "milestones"], kind: "list" },
  { flag: "lr-decay", help: "factor at each milestone [0.1]", to: ["training", "lrDecay"], kind: "number" },
  { flag: "warmup", help: "epochs of linear lr warmup [0]", to: ["training", "warmupEpochs"], kind: "number" },
  { flag: "seed", help: "replicate seed [0]", to: ["training", "seed"], kind: "int" },
];

function setArch(v: string, c: Draft): void {
  const a = parseArch(v, c.model.width as number | undefined);
  Object.assign(c.model, { depth: a.depth, width: a.width });
}

function setMode(v: string, c: Draft): void {
  if (!isTrainableMode(v)) throw new UsageError(`--trainable must be one of ${Object.keys(TRAINABLE_MODES).join(", ")}, got "${v}"`);
  c.training.trainable = trainableGroups(v);
}

function freeze(v: string, c: Draft): void {
  const frozen = parseGroups(v);
  c.training.trainable = PARAM_GROUPS.filter((g) => !frozen.includes(g)) as ParamGroup[];
}

function convert(f: Flag, raw: string): unknown {
  const num = (s: string) => {
    const n = Number(s);
    if (s.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${f.flag} must be a number, got "${raw}"`);
    if (f.kind === "int" && !Number.isInteger(n)) throw new UsageError(`--${f.flag} must be an integer, got "${raw}"`);
    return n;
  };
  if (f.kind === "int" || f.kind === "number") return num(raw);
  if (f.kind === "list") return raw.split(",").filter((s) => s.trim() !== "").map((s) => num(s));
  return raw;
}

/** parseArgs options for the table, plus `--no-augment`. */
export function trainFlagOptions(): Record<string, { type: "string" | "boolean" }> {
  const opts: Record<string, { type: "string" | "boolean" }> = { "no-augment": { type: "boolean" } };
  for (const f of TRAIN_FLAGS) opts[f.flag] = { type: "string" };
  return opts;
}

/** Flag values (plus an optional base config) → a validated RunConfig. */
export function configFromFlags(values: Record<string, string | boolean | undefined>, base: RunConfigInput = {}): RunConfig {
  const draft: Draft = { data: { ...base.data }, model: { ...base.model }, training: { ...base.training } };
  // --width first, so --arch resnet-D --width W combine in either order.
  const ordered = [...TRAIN_FLAGS].sort((a, b) => (a.flag === "width" ? -1 : b.flag === "width" ? 1 : 0));
  for (const f of ordered) {
    const raw = values[f.flag];
    if (typeof raw !== "string") continue;
    if (typeof f.to === "function") f.to(raw, draft);
    else draft[f.to[0]][f.to[1]] = convert(f, raw);
  }
  if (values["no-augment"]) draft.data.augment = false;
  if (values["train-groups"] && values["freeze-groups"]) throw new UsageError("give --train-groups or --freeze-groups, not both");
  const parsed = RunConfig.safeParse(draft);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`invalid ${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}

export function flagHelp(): string {
  const width = Math.max(...TRAIN_FLAGS.map((f) => f.flag.length)) + 2;
  return TRAIN_FLAGS.map((f) => `  --${f.flag.padEnd(width)} ${f.help}`).join("\n");
}
