import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, RunConfig, nonDefaultFields, runId } from "../../../lib/run/config";

describe("run config", () => {
  it("defaults to the paper's CIFAR-10 recipe", () => {
    expect(DEFAULT_CONFIG.training).toMatchObject({ lr: 0.1, momentum: 0.9, weightDecay: 1e-4, batchSize: 128, epochs: 160 });
    expect(DEFAULT_CONFIG.model).toMatchObject({ depth: 20, width: 16, bnInit: "uniform" });
    expect(nonDefaultFields(DEFAULT_CONFIG)).toEqual({});
  });

  it("derives a stable id from the non-default fields, with the seed as a suffix", () => {
    const bn = RunConfig.parse({ data: { dataset: "mnist" }, model: { depth: 14 }, training: { trainable: ["bn"], seed: 2 } });
    expect(nonDefaultFields(bn)).toEqual({ "data.dataset": "mnist", "model.depth": 14, "training.seed": 2, "training.trainable": ["bn"] });
    // Pinned: changing the hashing or a default changes every run id, so it must be deliberate.
    expect(runId(bn)).toBe("mnist-resnet14-w16-bn-" + runId(bn).split("-")[4] + "-s2");
    expect(runId(DEFAULT_CONFIG)).toBe("cifar10-resnet20-w16-all-44136fa355-s0");
    expect(runId({ ...bn, training: { ...bn.training, seed: 3 } }).replace(/-s3$/, "")).toBe(runId(bn).replace(/-s2$/, ""));
    expect(runId({ ...bn, training: { ...bn.training, lr: 0.05 } })).not.toBe(runId(bn));
    // The mode part of the id: the named mode for a known set of groups in any order, else the groups as given.
    expect(runId(RunConfig.parse({ training: { trainable: ["output", "bn"] } }))).toMatch(/^cifar10-resnet20-w16-bn\+output-[0-9a-f]{10}-s0$/);
    expect(runId(RunConfig.parse({ training: { trainable: ["shortcut", "bn"] } }))).toMatch(/^cifar10-resnet20-w16-shortcut\+bn-[0-9a-f]{10}-s0$/);
    expect(runId(RunConfig.parse({ training: { trainable: [] } }))).toMatch(/^cifar10-resnet20-w16-none-/);
  });
});
