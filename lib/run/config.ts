/**
 * The one description of a run: {data, model, training}. It is the source of the `bnlab train`
 * flags (names, kinds, defaults and the `.describe()` help: cli/flags reads them from here), the
 * `config` of run.json and the columns of the database row. Defaults are the paper's CIFAR-10
 * recipe; a field added later must default to a no-op so old run ids hold.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { BN_PLACEMENTS, MAX_DEPTH, MAX_WIDTH, SHORTCUTS } from "../models/arch";
import { BN_INITS } from "../models/init";
import { modeName, PARAM_GROUPS, trainableGroups } from "./modes";

const positiveInt = z.number().int().positive();

export const DataConfig = z.object({
  dataset: z.enum(["cifar10", "mnist", "fashion-mnist", "synthetic"]).default("cifar10").describe("dataset to train on"),
  trainSubset: positiveInt.optional().describe("train on the first N examples"),
  testSubset: positiveInt.optional().describe("evaluate on the first N test examples"),
  holdout: z.number().int().nonnegative().default(0).describe("hold out N training examples for validation"),
  augment: z.boolean().default(true).describe("pad-4 random crop + horizontal flip"),
});

export const ModelConfig = z
  .object({
    family: z.enum(["resnet", "vgg"]).default("resnet").describe("resnet (open_lth cifar_resnet) or vgg (open_lth cifar_vgg)"),
    depth: z.number().int().min(8).max(MAX_DEPTH).default(20).describe("resnet: 6n+2; vgg: 11, 13, 16 or 19"),
    width: positiveInt.max(MAX_WIDTH).default(16).describe("filters of the first stage (resnet only)"),
    bnInit: z.enum(BN_INITS).default("uniform").describe("open_lth's BN init: uniform (γ ~ U[0,1]), fixed (γ = 1), oneone (γ = β = 1), positivenegative (γ ~ U[−1,1])"),
    bnPlacement: z.enum(BN_PLACEMENTS).default("before-relu").describe("BN before or after the ReLU that follows its conv"),
    shortcut: z.enum(SHORTCUTS).default("projection").describe("resnet shortcuts: projection (1×1 conv + BN), identity (option A, parameter-free) or none"),
  })
  .superRefine((m, ctx) => {
    if (m.family === "resnet" && (m.depth - 2) % 6 !== 0) {
      ctx.addIssue({ code: "custom", path: ["depth"], message: "depth must be of the form 6n+2 (e.g. 8, 14, 20, 56, 110)" });
    }
    if (m.family === "vgg") {
      if (![11, 13, 16, 19].includes(m.depth)) ctx.addIssue({ code: "custom", path: ["depth"], message: "vgg depth must be 11, 13, 16 or 19" });
      if (m.width !== 16) ctx.addIssue({ code: "custom", path: ["width"], message: "vgg has open_lth's fixed widths; leave width at its default" });
      if (m.shortcut !== "projection") ctx.addIssue({ code: "custom", path: ["shortcut"], message: "vgg has no shortcuts" });
    }
  });

export const TrainingConfig = z.object({
  trainable: z.array(z.enum(PARAM_GROUPS)).default(() => trainableGroups("all")).describe("the parameter groups that train"),
  optimizer: z.enum(["sgd"]).default("sgd").describe("optimizer"),
  lr: z.number().positive().default(0.1).describe("learning rate"),
  momentum: z.number().min(0).max(1).default(0.9).describe("SGD momentum"),
  weightDecay: z.number().min(0).default(1e-4).describe("weight decay on trainable parameters"),
  batchSize: positiveInt.default(128).describe("examples per step"),
  epochs: z.number().int().nonnegative().default(160).describe("epochs to train"),
  milestones: z
    .array(z.number().int().nonnegative())
    .optional()
    .describe("epochs where lr drops, e.g. 80,120 [50% and 75% of epochs, as the paper's 80/120 of 160]"),
  lrDecay: z.number().positive().default(0.1).describe("factor at each milestone"),
  warmupEpochs: z.number().nonnegative().default(0).describe("epochs of linear lr warmup"),
  seed: z.number().int().nonnegative().default(0).describe("replicate seed"),
  randomK: positiveInt
    .optional()
    .describe("the random-k control: k random weights of each output channel of every conv train (set by --trainable random-k, k = 2 unless given)"),
});

export const RunConfig = z.object({
  data: DataConfig.default(DataConfig.parse({})),
  model: ModelConfig.default(ModelConfig.parse({})),
  training: TrainingConfig.default(TrainingConfig.parse({})),
});

export type RunConfig = z.infer<typeof RunConfig>;
export type ModelConfig = z.infer<typeof ModelConfig>;

/** The model section of a stored config (run.json's, or the index's JSON column); null if unreadable. */
export function modelOfConfigJson(json: string): ModelConfig | null {
  try {
    const parsed = ModelConfig.safeParse((JSON.parse(json) as { model?: unknown }).model ?? {});
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
export type RunConfigInput = z.input<typeof RunConfig>;

export const DEFAULT_CONFIG: RunConfig = RunConfig.parse({});

/** Leaves of the config that differ from the defaults, as sorted "section.key" → value. */
export function nonDefaultFields(config: RunConfig, omit: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const section of ["data", "model", "training"] as const) {
    const values = config[section] as Record<string, unknown>;
    const defaults = DEFAULT_CONFIG[section] as Record<string, unknown>;
    for (const key of Object.keys(values).sort()) {
      const path = `${section}.${key}`;
      if (omit.includes(path) || values[key] === undefined) continue;
      if (JSON.stringify(values[key]) !== JSON.stringify(defaults[key])) out[path] = values[key];
    }
  }
  return out;
}

/**
 * The run id: readable prefix, a hash of the non-default fields except the seed, and the seed
 * as a replicate suffix — asking for the same run twice finds the same directory.
 */
export function runId(config: RunConfig): string {
  const hash = createHash("sha256").update(JSON.stringify(nonDefaultFields(config, ["training.seed"]))).digest("hex").slice(0, 10);
  const m = config.model;
  const arch = m.family === "vgg" ? `vgg${m.depth}` : `resnet${m.depth}-w${m.width}`;
  const mode = modeName(config.training.trainable, config.training.randomK);
  return `${config.data.dataset}-${arch}-${mode}-${hash}-s${config.training.seed}`;
}
