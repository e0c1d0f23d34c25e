import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../../lib/run/config";
import { RUN_FORMAT_VERSION, parseMetrics, parseRunFile } from "../../../lib/run/files";

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
