/**
 * Numeric precision of training and evaluation: `fp32`, `bf16` (mixed precision on the native
 * engine: convolutions with bf16 operands and float32 accumulation; batch-norm statistics, γ/β,
 * master weights, momentum, loss and softmax stay float32) or `auto` (bf16 where the CPU has
 * native bf16 arithmetic, else fp32).
 *
 *   const p = resolvePrecision("auto", report.name);   // after initBackend()
 *   applyPrecision(p);
 */
import { readFileSync } from "node:fs";
import { getBackend, backend as currentBackend } from "@tensorflow/tfjs-core";

import { loadAddon } from "./native/addon";

export const PRECISIONS = ["fp32", "bf16", "auto"] as const;
export type Precision = (typeof PRECISIONS)[number];
/** What actually runs. */
export type ResolvedPrecision = Exclude<Precision, "auto">;

export function isPrecision(s: string): s is Precision {
  return (PRECISIONS as readonly string[]).includes(s);
}

export interface Bf16Support {
  native: boolean;
  /** How this was decided: oneDNN's ISA, or the CPU flags when the addon is not there. */
  detail: string;
}

/** oneDNN ISAs with bf16 dot products (AVX512-BF16, AMX-BF16). */
const BF16_ISAS = ["avx512_core_bf16", "avx512_core_amx"];
/** /proc/cpuinfo flags meaning the same. */
const BF16_FLAGS = ["avx512_bf16", "amx_bf16"];

/** Whether this CPU has native bf16 arithmetic: oneDNN's ISA when the addon loads, else /proc/cpuinfo. */
export function bf16Support(): Bf16Support {
  const loaded = loadAddon();
  if ("addon" in loaded) {
    const isa = loaded.addon.info().cpuIsa;
    return BF16_ISAS.includes(isa)
      ? { native: true, detail: `oneDNN ISA ${isa}` }
      : { native: false, detail: `oneDNN's best ISA on this CPU is ${isa}, without bf16 (needs ${BF16_ISAS.join(" or ")})` };
  }
  let flags: string[] = [];
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("flags"));
    flags = line ? line.slice(line.indexOf(":") + 1).trim().split(/\s+/) : [];
  } catch {
    return { native: false, detail: "cannot read /proc/cpuinfo to find the CPU's bf16 support" };
  }
  const has = BF16_FLAGS.filter((f) => flags.includes(f));
  return has.length > 0
    ? { native: true, detail: `CPU flags ${has.join(", ")}` }
    : { native: false, detail: `the CPU flags lack ${BF16_FLAGS.join(" and ")}` };
}

/**
 * The precision a run gets on the given backend (bnlab's name: "native", "wasm", …). `auto` is
 * bf16 on the native engine where the CPU has native bf16, else fp32; `bf16` anywhere else is an
 * error that names what is missing.
 */
export function resolvePrecision(requested: Precision, backendName: string, support: Bf16Support = bf16Support()): ResolvedPrecision {
  if (requested === "fp32") return "fp32";
  const native = backendName === "native";
  if (requested === "auto") return native && support.native ? "bf16" : "fp32";
  if (!support.native) {
    throw new Error(`precision bf16: this CPU has no native bf16 arithmetic (AVX512-BF16 or AMX-BF16): ${support.detail}; use --precision fp32 or auto`);
  }
  if (!native) throw new Error(`precision bf16 runs on bnlab's native engine, but the backend is ${backendName}; use --precision fp32 or auto`);
  return "bf16";
}

/** Sets the current tfjs backend's precision (the native engine; fp32 needs nothing elsewhere). */
export function applyPrecision(p: ResolvedPrecision): void {
  const b = currentBackend() as { precision?: unknown };
  if (p === "bf16" && getBackend() !== "native") throw new Error(`precision bf16 needs the native backend, not ${getBackend()}`);
  if ("precision" in b) b.precision = p;
}

/** `BNLAB_PRECISION` (the dashboard's evaluations, the worker), default fp32. */
export function precisionFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Precision {
  const v = env.BNLAB_PRECISION?.trim();
  if (!v) return "fp32";
  if (!isPrecision(v)) throw new Error(`BNLAB_PRECISION=${v}: unknown precision; one of ${PRECISIONS.join(", ")}`);
  return v;
}
