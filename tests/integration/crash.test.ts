/** kill -9 at random moments: only whole files under real names, and a resume that loses nothing. */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TEMP_INFIX } from "../../lib/checkpoint/atomic";
import { parseMetrics, readRunFile } from "../../lib/run/files";
import { loadStateDict } from "../../lib/checkpoint/state-dict-io";
import { resnetSpec } from "../../lib/models/arch";
import { createRng } from "../../lib/random";

const BIN = fileURLToPath(new URL("../../bin/bnlab.mjs", import.meta.url));
const ARGS = ["train", "--dataset", "synthetic", "--train-subset", "192", "--test-subset", "64", "--arch", "resnet-8", "--width", "4",
  "--trainable", "bn", "--epochs", "4", "--batch-size", "32", "--save-every", "1"];
const spec = resnetSpec({ depth: 8, width: 4 });

function runToEnd(runsDir: string): string {
  const r = spawnSync(process.execPath, [BIN, ...ARGS, "--runs-dir", runsDir], { encoding: "utf8", timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split("\n").at(-1)!;
}

/** Starts a training process and SIGKILLs it after `ms`; resolves once it is dead. */
function killAfter(runsDir: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...ARGS, "--runs-dir", runsDir], { stdio: "ignore" });
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function checkWholeFiles(runDir: string) {
  for (const dir of [runDir, path.join(runDir, "ckpt")]) {
    for (const f of readdirSync(dir)) expect(f.includes(TEMP_INFIX), `temp file ${f} left under ${dir}`).toBe(false);
  }
}

describe("crash safety", () => {
  it("survives kill -9 at random moments and resumes to the uninterrupted result", async () => {
    const reference = runToEnd(mkdtempSync(path.join(tmpdir(), "bnlab-ref-")));
    const runs = mkdtempSync(path.join(tmpdir(), "bnlab-kill-"));
    const rng = createRng(Date.now());
    const kills: number[] = [];
    for (let i = 0; i < 3; i++) {
      const ms = 1500 + Math.floor(rng.next() * 4000);
      kills.push(ms);
      await killAfter(runs, ms);
    }
    const runDir = runToEnd(runs);
    checkWholeFiles(runDir);
    expect((await readRunFile(path.join(runDir, "run.json"))).status).toBe("complete");
    const metricsFile = path.join(runDir, "metrics.jsonl");
    const metrics = parseMetrics(readFileSync(metricsFile, "utf8"), metricsFile);
    const keys = metrics.map((m) => `${m.epoch}/${m.split}`);
    expect(new Set(keys).size, `duplicated metric lines after kills at ${kills} ms`).toBe(keys.length);
    expect(metrics.filter((m) => m.split === "test").map((m) => m.epoch)).toEqual([0, 1, 2, 3, 4]);
    const [a, b] = [
      (await loadStateDict(path.join(reference, "ckpt", "ep-4.safetensors"), spec)).stateDict,
      (await loadStateDict(path.join(runDir, "ckpt", "ep-4.safetensors"), spec)).stateDict,
    ];
    for (const [name, t] of a) expect(Buffer.from(b.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), `${name} after kills at ${kills} ms`).toBe(true);
  });
});
