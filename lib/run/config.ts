/**
 * The one description of a run: {data, model, training}. It is the source of the `bnlab train`
 * flags (names, kinds, defaults and the `.describe()` help: cli/flags reads them from here), the
 * `config` of run.json and the columns of the database row. Defaults are the paper's CIFAR-10
 * recipe; a field added later must default to a no-op so old run ids hold.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { MAX_DEPTH, MAX_WIDTH } from "../models/arch";
import { modeName, PARAM_GROUPS, trainableGroups } from "./modes";

const positiveInt = z.number().int().positive();

export const DataConfig = z.object({
  dataset: z.enum(["cifar10", "mnist", "fashion-mnist", "synthetic"]).default("cifar10").describe("dataset to train on"),
  trainSubset: positiveInt.optional().describe("train on the first N examples"),
  testSubset: positiveInt.optional().describe("evaluate on the first N test examples"),
  holdout: z.number().int().nonnegative().default(0).describe("hold out N training examples for validation"),
  augment: z.boolean().default(true).describe("pad-4 random crop + horizontal flip"),
});

export const ModelConfig = z.object({
  depth: z
    .number()
    .int()
    .min(8)
    .max(MAX_DEPTH)
    .refine((d) => (d - 2) % 6 === 0, "depth must be of the form 6n+2 (e.g. 8, 14, 20, 56, 110)")
    .default(20)
    .describe("6n+2"),
  width: positiveInt.max(MAX_WIDTH).default(16).describe("filters of the first stage"),
  bnInit: z.enum(["uniform", "fixed"]).default("uniform").describe("uniform (γ ~ U[0,1], open_lth) or fixed (γ = 1)"),
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
});

export const RunConfig = z.object({
  data: DataConfig.default(DataConfig.parse({})),
  model: ModelConfig.default(ModelConfig.parse({})),
  training: TrainingConfig.default(TrainingConfig.parse({})),
});

export type RunConfig = z.infer<typeof RunConfig>;
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
  const arch = `resnet${config.model.depth}-w${config.model.width}`;
  const mode = modeName(config.training.trainable);
  return `${config.data.dataset}-${arch}-${mode}-${hash}-s${config.training.seed}`;
}
