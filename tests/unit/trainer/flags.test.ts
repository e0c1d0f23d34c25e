import { describe, expect, it } from "vitest";
import { configFromFlags } from "../../../trainer/flags";

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

  it("sets the precision, fp32 by default", () => {
    expect(configFromFlags({}).training.precision).toBe("fp32");
    expect(configFromFlags({ precision: "bf16" }).training.precision).toBe("bf16");
    expect(configFromFlags({ precision: "auto" }).training.precision).toBe("auto");
    expect(() => configFromFlags({ precision: "half" })).toThrow(/training\.precision/);
  });

  it("selects groups", () => {
    expect(configFromFlags({ "train-groups": "output,bn" }).training.trainable).toEqual(["bn", "output"]);
    expect(configFromFlags({ "freeze-groups": "other" }).training.trainable).toEqual(["bn", "output", "shortcut"]);
    expect(configFromFlags({ trainable: "none" }).training.trainable).toEqual([]);
  });

  it("rejects bad input with the flag's name", () => {
    expect(() => configFromFlags({ arch: "resnet-19" })).toThrow(/6n\+2/);
    expect(() => configFromFlags({ trainable: "conv" })).toThrow(/--trainable must be one of all, bn, bn\+output, output, none/);
    expect(() => configFromFlags({ epochs: "two" })).toThrow(/--epochs must be a number/);
    expect(() => configFromFlags({ "batch-size": "1.5" })).toThrow(/--batch-size must be an integer/);
    expect(() => configFromFlags({ lr: "-1" })).toThrow(/training\.lr/);
    expect(() => configFromFlags({ dataset: "imagenet" })).toThrow(/data\.dataset/);
    expect(() => configFromFlags({ "train-groups": "bn", "freeze-groups": "bn" })).toThrow(/not both/);
  });
});
