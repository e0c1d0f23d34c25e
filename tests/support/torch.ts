import { spawnSync } from "node:child_process";

/** Debian's python3-torch, the reference for PyTorch semantics; tests comparing with it run when it is installed. */
export const PYTHON = "/usr/bin/python3";

export const hasTorch: boolean = spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;

export function runPython(script: string, args: string[], timeoutMs = 120_000): string {
  const r = spawnSync(PYTHON, [script, ...args], { encoding: "utf8", timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return r.stdout;
}
