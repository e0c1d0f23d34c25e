import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, RunConfig, nonDefaultFields, runId } from "../../../lib/checkpoint/run-config";
import { RUN_FORMAT_VERSION, parseMetrics, parseRunFile } from "../../../lib/checkpoint/run-files";

const runFile = {
  formatVersion: RUN_FORMAT_VERSION,
  id: "x",
  config: DEFAULT_CONFIG,
  status: "running",
  epochsDone: 0,
  parameters: { total: 10, trainable: 2 },
  codeVersion: "0.1.0",
  backend: "wasm",
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
};

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
  });

  it("leaves the run id of an fp32 run as it was; bf16 and auto are runs of their own", () => {
    expect(DEFAULT_CONFIG.training.precision).toBe("fp32");
    expect(runId(RunConfig.parse({ training: { precision: "fp32" } }))).toBe("cifar10-resnet20-w16-all-44136fa355-s0");
    const bf16 = runId(RunConfig.parse({ training: { precision: "bf16" } }));
    const auto = runId(RunConfig.parse({ training: { precision: "auto" } }));
    expect(new Set([bf16, auto, runId(DEFAULT_CONFIG)]).size).toBe(3);
    expect(() => RunConfig.parse({ training: { precision: "fp16" } })).toThrow();
  });
});

describe("run files", () => {
  it("parses a valid run.json", () => {
    expect(parseRunFile(JSON.stringify(runFile), "run.json").status).toBe("running");
  });

  it("rejects bad run.json with the file and the problem", () => {
    expect(() => parseRunFile("{", "r/run.json")).toThrow(/^r\/run\.json: not valid JSON/);
    expect(() => parseRunFile(JSON.stringify({ ...runFile, status: "done" }), "r/run.json")).toThrow(/status/);
    expect(() => parseRunFile(JSON.stringify({ ...runFile, formatVersion: 99 }), "r/run.json")).toThrow(/format version 99 is newer/);
  });

  it("parses metrics.jsonl, ignoring a final line cut short by a crash", () => {
    const line = { epoch: 1, step: 10, split: "test", loss: 1.5, accuracy: 0.4, lr: 0.1, seconds: 2 };
    const text = JSON.stringify(line) + "\n" + JSON.stringify({ ...line, epoch: 2 }) + "\n" + '{"epoch": 3, "ste';
    expect(parseMetrics(text, "m.jsonl").map((m) => m.epoch)).toEqual([1, 2]);
    expect(() => parseMetrics("{bad}\n", "m.jsonl")).toThrow(/m\.jsonl: line 1 is not valid JSON/);
    expect(() => parseMetrics(JSON.stringify({ ...line, accuracy: 2 }) + "\n", "m.jsonl")).toThrow(/line 1: accuracy/);
  });
});
