/**
 * Shared pieces of the bad-input matrix (tests/reliability/bad-input-*.test.ts): valid files to
 * break, a case counter, and the assertion every case makes — the reader's own error class, the
 * input named in the message, the problem said, and no giant message.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { RunConfig, runId } from "../../lib/run/config";
import { RUN_FORMAT_VERSION, type RunFile } from "../../lib/run/files";
import { encodeSafetensors } from "../../lib/checkpoint/safetensors";
import { toRawTensors } from "../../lib/checkpoint/state-dict-io";
import { getDataset } from "../../lib/data/registry";
import { resnetSpec, type ResNetSpec } from "../../lib/models/arch";
import { initialStateDict } from "../../lib/models/init";
import type { StateDict } from "../../lib/models/state-dict";
import { report } from "./report";

/** Counts the cases a file tries; `done()` prints the figure. */
export function caseCounter(figure: string) {
  let n = 0;
  return {
    add: (k = 1) => void (n += k),
    get count() {
      return n;
    },
    done: () => report(figure, n),
  };
}

export type Counter = ReturnType<typeof caseCounter>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ErrorClass = new (...args: any[]) => Error;

function checkError(e: unknown, cls: ErrorClass, input: string, problem: RegExp): void {
  expect(e, `expected a ${cls.name} for ${input}, got ${String(e)}`).toBeInstanceOf(cls);
  const message = (e as Error).message;
  expect(message, "names the input").toContain(input);
  expect(message, "says the problem").toMatch(problem);
  expect(message.length, "a message, not a dump").toBeLessThan(2000);
}

/** `fn` throws `cls` whose message names `input` and matches `problem`. */
export function expectThrows(counter: Counter, fn: () => unknown, cls: ErrorClass, input: string, problem: RegExp): void {
  counter.add();
  let thrown: unknown = null;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `no error for ${input} (${problem})`).not.toBeNull();
  checkError(thrown, cls, input, problem);
}

/** The async twin of expectThrows. */
export async function expectRejects(counter: Counter, p: Promise<unknown>, cls: ErrorClass, input: string, problem: RegExp): Promise<void> {
  counter.add();
  let thrown: unknown = null;
  try {
    await p;
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `no error for ${input} (${problem})`).not.toBeNull();
  checkError(thrown, cls, input, problem);
}

/** The architecture of the small synthetic runs. */
export const SPEC: ResNetSpec = resnetSpec({ depth: 8, width: 4, inChannels: getDataset("synthetic").channels, classes: getDataset("synthetic").classes });

export function initWeights(seed = 0, spec = SPEC): StateDict {
  return initialStateDict(spec, { seed, bnInit: "uniform" });
}

export function checkpointBytes(sd: StateDict = initWeights(), metadata: Record<string, string> = { format: "pt" }): Uint8Array {
  return encodeSafetensors(toRawTensors(sd), metadata);
}

/** A run.json object that parses, for a synthetic resnet-8 width-4 run. */
export function validRunFile(seed = 0, overrides: Partial<RunFile> = {}): RunFile {
  const config = RunConfig.parse({
    data: { dataset: "synthetic", trainSubset: 64, testSubset: 32 },
    model: { depth: 8, width: 4 },
    training: { trainable: ["bn"], epochs: 2, batchSize: 32, seed },
  });
  const now = "2026-01-01T00:00:00.000Z";
  return {
    formatVersion: RUN_FORMAT_VERSION,
    id: runId(config),
    config,
    status: "complete",
    epochsDone: 2,
    parameters: { total: 1, trainable: 1 },
    codeVersion: "test",
    backend: "cpu",
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

export function metricLines(epochs = 2): string {
  const out: string[] = [];
  for (let e = 0; e <= epochs; e++) {
    out.push(JSON.stringify({ epoch: e, step: e * 2, split: "test", loss: 2 - e * 0.1, accuracy: 0.1 + e * 0.1, lr: 0.1, seconds: e }));
  }
  return out.join("\n") + "\n";
}

/** A run directory written by hand (no training): run.json, metrics.jsonl, ckpt/ep-0 and ep-1. */
export function writeRun(runsDir: string, seed: number): { id: string; dir: string } {
  const run = validRunFile(seed);
  const dir = path.join(runsDir, run.id);
  mkdirSync(path.join(dir, "ckpt"), { recursive: true });
  writeFileSync(path.join(dir, "run.json"), JSON.stringify(run, null, 2) + "\n");
  writeFileSync(path.join(dir, "metrics.jsonl"), metricLines());
  for (const epoch of [0, 1]) writeFileSync(path.join(dir, "ckpt", `ep-${epoch}.safetensors`), checkpointBytes(initWeights(seed * 10 + epoch)));
  return { id: run.id, dir };
}

/** A named pipe: reading one blocks until a writer comes, which a reader must never wait for. */
export function mkfifo(file: string): void {
  const r = spawnSync("mkfifo", [file]);
  if (r.status !== 0) throw new Error(`mkfifo ${file} failed: ${r.stderr}`);
}

/** The state dict with one value of one tensor replaced. */
export function withValue(sd: StateDict, name: string, index: number, value: number): StateDict {
  const out: StateDict = new Map(sd);
  const t = sd.get(name)!;
  if (t.dtype !== "float32") throw new Error(`${name} is not float32`);
  const data = Float32Array.from(t.data);
  data[index] = value;
  out.set(name, { ...t, data });
  return out;
}
