import { describe, expect, it } from "vitest";
import { configFromFlags, flagHelp, trainFlagOptions } from "../../../cli/flags";
import { DataConfig, DEFAULT_CONFIG, ModelConfig, TrainingConfig } from "../../../lib/run/config";

describe("train flags", () => {
  it("maps flags onto the run config", () => {
    const c = configFromFlags({ arch: "resnet-14", trainable: "bn", dataset: "mnist", epochs: "2", "train-subset": "5000", milestones: "1", "no-augment": true });
    expect(c.model).toMatchObject({ depth: 14, width: 16 });
    expect(c.training.trainable).toEqual(["bn"]);
    expect(c.training.epochs).toBe(2);
    expect(c.training.milestones).toEqual([1]);
    expect(c.data).toMatchObject({ dataset: "mnist", trainSubset: 5000, augment: false });
  });

  it("combines --arch and --width in either order, and knows wrn", () => {
    expect(configFromFlags({ width: "32", arch: "resnet-20" }).model.width).toBe(32);
    expect(configFromFlags({ arch: "wrn-14-4" }).model).toMatchObject({ depth: 14, width: 64 });
  });

  it("sets the family, BN placement, shortcut, BN init and the random-k control", () => {
    expect(configFromFlags({ arch: "vgg-16", "bn-placement": "after-relu", "bn-init": "positivenegative" }).model).toEqual({
      family: "vgg", depth: 16, width: 16, bnInit: "positivenegative", bnPlacement: "after-relu", shortcut: "projection",
    });
    expect(configFromFlags({ arch: "resnet-20", shortcut: "none" }).model).toMatchObject({ family: "resnet", shortcut: "none" });
    expect(configFromFlags({ trainable: "random-k" }).training).toMatchObject({ trainable: [], randomK: 2 });
    expect(configFromFlags({ trainable: "random-k", "random-k": "5" }).training).toMatchObject({ trainable: [], randomK: 5 });
    expect(() => configFromFlags({ arch: "vgg-16", width: "32" })).toThrow(/do not pass --width/);
    expect(() => configFromFlags({ arch: "vgg-11", shortcut: "identity" })).toThrow(/vgg has no shortcuts/);
    expect(() => configFromFlags({ "bn-init": "zeros" })).toThrow(/model\.bnInit/);
  });

  it("selects groups", () => {
    expect(configFromFlags({ "train-groups": "output,bn" }).training.trainable).toEqual(["bn", "output"]);
    expect(configFromFlags({ "freeze-groups": "other" }).training.trainable).toEqual(["bn", "output", "shortcut"]);
    expect(configFromFlags({ trainable: "none" }).training.trainable).toEqual([]);
  });

  it("rejects bad input with the flag's name", () => {
    expect(() => configFromFlags({ arch: "resnet-19" })).toThrow(/6n\+2/);
    expect(() => configFromFlags({ trainable: "conv" })).toThrow(/--trainable must be one of all, bn, bn\+output, output, none, random-k/);
    expect(() => configFromFlags({ epochs: "two" })).toThrow(/--epochs must be a number/);
    expect(() => configFromFlags({ "batch-size": "1.5" })).toThrow(/--batch-size must be an integer/);
    expect(() => configFromFlags({ lr: "-1" })).toThrow(/training\.lr/);
    expect(() => configFromFlags({ dataset: "imagenet" })).toThrow(/data\.dataset/);
    expect(() => configFromFlags({ "train-groups": "bn", "freeze-groups": "bn" })).toThrow(/not both/);
  });
});

describe("flags generated from the config schema", () => {
  const help = flagHelp();
  const options = trainFlagOptions();

  it("gives every config field a flag (depth through --arch, the groups through --trainable) with its description", () => {
    const sections = { data: DataConfig, model: ModelConfig, training: TrainingConfig };
    for (const [section, schema] of Object.entries(sections)) {
      for (const [key, field] of Object.entries(schema.shape)) {
        const path = `${section}.${key}`;
        if (path === "model.depth" || path === "model.family") expect(options.arch).toEqual({ type: "string" });
        else if (path === "training.trainable") expect(Object.keys(options)).toEqual(expect.arrayContaining(["trainable", "train-groups", "freeze-groups"]));
        else expect(help, path).toContain(field.description!);
      }
    }
  });

  it("shows the schema's defaults and kinds", () => {
    expect(help).toMatch(/--batch-size\s+examples per step \[128\]/);
    expect(help).toMatch(/--epochs\s+epochs to train \[160\]/);
    expect(help).toMatch(/--dataset\s+.*cifar10 \| mnist \| fashion-mnist \| synthetic \[cifar10\]/);
    expect(help).toMatch(/--trainable\s+all \| bn \| bn\+output \| output \| none \| random-k \[all\]/);
    expect(options["no-augment"]).toEqual({ type: "boolean" });
    expect(options.augment).toBeUndefined();
    expect(options.lr).toEqual({ type: "string" });
  });

  it("keeps the flag names of renamed fields and negated booleans", () => {
    const c = configFromFlags({ warmup: "2.5", "weight-decay": "0", "lr-decay": "0.2", optimizer: "sgd", "bn-init": "fixed", holdout: "10" });
    expect(c.training).toMatchObject({ warmupEpochs: 2.5, weightDecay: 0, lrDecay: 0.2, optimizer: "sgd" });
    expect(c.model.bnInit).toBe("fixed");
    expect(c.data.holdout).toBe(10);
    expect(configFromFlags({}).data.augment).toBe(DEFAULT_CONFIG.data.augment);
    expect(configFromFlags({ "no-augment": false }).data.augment).toBe(true);
    expect(() => configFromFlags({ holdout: "1.5" })).toThrow(/--holdout must be an integer/);
    expect(() => configFromFlags({ optimizer: "adam" })).toThrow(/training\.optimizer/);
  });

  it("starts from a base config that the flags override", () => {
    const c = configFromFlags({ epochs: "3" }, { training: { epochs: 9, lr: 0.5 }, model: { width: 8 } });
    expect(c.training).toMatchObject({ epochs: 3, lr: 0.5 });
    expect(configFromFlags({ arch: "resnet-14" }, { model: { width: 8 } }).model).toMatchObject({ depth: 14, width: 8 });
  });
});
