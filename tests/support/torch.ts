import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Debian's python3-torch, the reference for PyTorch semantics; tests comparing with it run when it is installed. */
export const PYTHON = "/usr/bin/python3";

export const hasTorch: boolean = spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;

export function runPython(script: string, args: string[], timeoutMs = 120_000): string {
  const r = spawnSync(PYTHON, [script, ...args], { encoding: "utf8", timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return r.stdout;
}

/** A raw float32 file a PyTorch script wrote (`tensor.numpy().tofile(...)`). */
export function readF32(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** PyTorch's NCHW images in bnlab's NHWC layout. */
export function nchwToNhwc(x: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let z = 0; z < w; z++) out[((i * h + y) * w + z) * c + k] = x[((i * c + k) * h + y) * w + z];
  return out;
}
