/**
 * The `bnlab train` flags, generated from the RunConfig schema as open_lth's Hparams does: each
 * config field is a flag named after it (`batchSize` → `--batch-size`), typed by its schema, with
 * the schema's `.describe()` as help and its default shown. Only the architecture (`--arch`,
 * which sets family, depth and width) and the trainable groups (a mode or a group list) parse by hand.
 */
import { z } from "zod";
import { archFields } from "../lib/models/arch";
import { DataConfig, DEFAULT_CONFIG, ModelConfig, RunConfig, TrainingConfig, type RunConfigInput } from "../lib/run/config";
import { modeFields, modeName, PARAM_GROUPS, parseGroups, TRAINABLE_CHOICES } from "../lib/run/modes";
import { UsageError } from "./commands/command";

type Section = "data" | "model" | "training";
type Draft = Record<Section, Record<string, unknown>>;
type Kind = "int" | "number" | "list" | "string" | "negate";

interface Flag {
  flag: string;
  help: string;
  /** Where a schema flag's value goes; custom flags set the draft themselves. */
  to: [Section, string] | ((value: string, draft: Draft) => void);
  kind: Kind;
}

const SECTIONS: Record<Section, z.ZodObject> = { data: DataConfig, model: ModelConfig, training: TrainingConfig };

/** Fields whose flag is not their kebab-case name. */
const FLAG_NAMES: Record<string, string> = { "training.warmupEpochs": "warmup" };

/** Fields set by the hand-written flags below rather than a flag of their own. */
const CUSTOM_FIELDS = new Set(["model.family", "model.depth", "training.trainable"]);

const ARCH_FLAG: Flag = {
  flag: "arch",
  help: `resnet-D (D = 6n+2), wrn-D-K (width 16·K) or vgg-D (open_lth's cifar_vgg, D = 11, 13, 16, 19) [resnet-${DEFAULT_CONFIG.model.depth}]`,
  kind: "string",
  to: (v, c) => Object.assign(c.model, archFields(v, c.model.width as number | undefined)),
};

const TRAINABLE_FLAGS: Flag[] = [
  {
    flag: "trainable",
    help: `${TRAINABLE_CHOICES.join(" | ")} [${modeName(DEFAULT_CONFIG.training.trainable)}]`,
    kind: "string",
    to: (v, c) => {
      if (!TRAINABLE_CHOICES.includes(v)) throw new UsageError(`--trainable must be one of ${TRAINABLE_CHOICES.join(", ")}, got "${v}"`);
      Object.assign(c.training, modeFields(v, c.training.randomK as number | undefined));
    },
  },
  { flag: "train-groups", help: `train exactly these groups (${PARAM_GROUPS.join(",")})`, kind: "string", to: (v, c) => (c.training.trainable = parseGroups(v)) },
  {
    flag: "freeze-groups",
    help: "train every group but these",
    kind: "string",
    to: (v, c) => {
      const frozen = parseGroups(v);
      c.training.trainable = PARAM_GROUPS.filter((g) => !frozen.includes(g));
    },
  },
];

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The schema under `.default()` / `.optional()`. */
function core(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodDefault || schema instanceof z.ZodOptional ? core(schema.unwrap() as z.ZodType) : schema;
}

function kindOf(schema: z.ZodType, path: string): Kind {
  const s = core(schema);
  if (s instanceof z.ZodNumber) return s.isInt ? "int" : "number";
  if (s instanceof z.ZodArray && s.element instanceof z.ZodNumber) return "list";
  if (s instanceof z.ZodEnum) return "string";
  if (s instanceof z.ZodBoolean) return "negate";
  throw new Error(`${path}: no flag kind for this field's schema; give it a custom flag`);
}

function helpOf(schema: z.ZodType, kind: Kind, fallback: unknown): string {
  const described = schema.description ?? "";
  const s = core(schema);
  // An enum's choices are listed unless its description already names each one.
  const choices = s instanceof z.ZodEnum && !s.options.every((o) => described.includes(String(o))) ? `: ${s.options.join(" | ")}` : "";
  if (kind === "negate") return `no ${described}`;
  const shown = fallback === undefined ? "" : ` [${Array.isArray(fallback) ? fallback.join(",") : String(fallback)}]`;
  return `${described}${choices}${shown}`;
}

/** One flag per schema field of the section, except those the custom flags set. */
function schemaFlags(section: Section): Flag[] {
  return Object.entries(SECTIONS[section].shape).flatMap(([key, schema]): Flag[] => {
    const path = `${section}.${key}`;
    if (CUSTOM_FIELDS.has(path)) return [];
    const kind = kindOf(schema as z.ZodType, path);
    const name = FLAG_NAMES[path] ?? kebab(key);
    const fallback = (DEFAULT_CONFIG[section] as Record<string, unknown>)[key];
    return [{ flag: kind === "negate" ? `no-${name}` : name, help: helpOf(schema as z.ZodType, kind, fallback), kind, to: [section, key] }];
  });
}

export const TRAIN_FLAGS: Flag[] = [ARCH_FLAG, ...schemaFlags("model"), ...schemaFlags("data"), ...TRAINABLE_FLAGS, ...schemaFlags("training")];

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

/** parseArgs options for the flags. */
export function trainFlagOptions(): Record<string, { type: "string" | "boolean" }> {
  return Object.fromEntries(TRAIN_FLAGS.map((f) => [f.flag, { type: f.kind === "negate" ? "boolean" : "string" }]));
}

/** Flag values (plus an optional base config) → a validated RunConfig. */
export function configFromFlags(values: Record<string, string | boolean | undefined>, base: RunConfigInput = {}): RunConfig {
  const draft: Draft = { data: { ...base.data }, model: { ...base.model }, training: { ...base.training } };
  if (values["train-groups"] && values["freeze-groups"]) throw new UsageError("give --train-groups or --freeze-groups, not both");
  // Schema flags first, so --arch resnet-D --width W combine in either order.
  const ordered = [...TRAIN_FLAGS.filter((f) => typeof f.to !== "function"), ...TRAIN_FLAGS.filter((f) => typeof f.to === "function")];
  for (const f of ordered) {
    const raw = values[f.flag];
    if (raw === undefined || raw === false) continue;
    if (typeof f.to === "function") f.to(String(raw), draft);
    else draft[f.to[0]][f.to[1]] = f.kind === "negate" ? false : convert(f, String(raw));
  }
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
