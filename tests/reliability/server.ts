/**
 * What the reliability tests that drive the built dashboard share: a small fixture (two real
 * ResNet-8 runs, trained and indexed — the e2e fixture's eight runs cost more than these tests
 * need), a server process's peak memory from /proc, percentiles, and `bnlab` as a child process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TrainableMode } from "../../lib/run/modes";
import { afterAll, beforeAll } from "vitest";
import { ensureBuild, makeFixture, ROOT, startServer, type Fixture, type Server } from "../e2e/support";

/** Two ResNet-8 (width 16) runs, bn and all, checkpoints at epochs 0–2, indexed into `<root>/t.db`. */
export function smallFixture(root: string, modes: TrainableMode[] = ["bn", "all"]): Promise<Fixture> {
  return makeFixture(root, modes.map((mode) => ({ mode, depth: 8, seed: 0 })), { broken: false, key: (r) => r.mode });
}

/**
 * A small fixture in a temp folder under `prefix`, served by the built app for the whole file:
 * registers the hooks that make and serve it (building first if needed) and tear it down. Its
 * fields are set once `beforeAll` has run.
 */
export function servedFixture(prefix: string): { fixture: Fixture; server: Server } {
  const tmp = mkdtempSync(path.join(tmpdir(), prefix));
  const served = {} as { fixture: Fixture; server: Server };
  beforeAll(async () => {
    served.fixture = await smallFixture(tmp);
    ensureBuild();
    served.server = await startServer(served.fixture);
  }, 400_000);
  afterAll(async () => {
    await served.server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  return served;
}

/** The process and its descendants (a server may fork workers). */
function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const dir = `/proc/${out[i]}/task`;
    if (!existsSync(dir)) continue;
    for (const task of readdirSync(dir)) {
      const children = readFileSync(`${dir}/${task}/children`, "utf8").trim();
      for (const c of children.split(/\s+/).filter(Boolean)) out.push(Number(c));
    }
  }
  return out;
}

/** Peak resident memory (VmHWM) in bytes of the largest process in the tree of `pid`. */
export function peakRss(pid: number): { bytes: number; processes: number } {
  let bytes = 0;
  const tree = processTree(pid);
  for (const p of tree) {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
    if (m) bytes = Math.max(bytes, Number(m[1]) * 1024);
  }
  return { bytes, processes: tree.length };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

export interface Child {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  stop: () => Promise<void>;
}

/** `node bin/bnlab.mjs <args>` with the given environment, its output collected. */
export function bnlab(args: string[], env: Record<string, string>): Child {
  let output = "";
  const child = spawn(process.execPath, [path.join(ROOT, "bin", "bnlab.mjs"), ...args], { cwd: ROOT, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (output += String(d)));
  child.stderr!.on("data", (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves once `url` answers with a status in `ok` (any status when omitted); throws after `ms`. */
export async function waitForHttp(url: string, child: Child, ms = 90_000, init?: RequestInit): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.child.exitCode !== null) throw new Error(`the server exited (${child.child.exitCode}):\n${child.output()}`);
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${ms / 1000} s:\n${child.output()}`);
    try {
      await fetch(url, { ...init, redirect: "manual" });
      return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
