/**
 * Engine benchmark: ResNet-D (default ResNet-20) at batch 128 on random 32×32×3 data, three
 * workloads per backend — BN-only training, full training, inference — and the same three in
 * PyTorch (`torch_bench.py`, run with /usr/bin/python3) for a reference measured in the same
 * command. Rounds alternate between the engines so that load from other processes on the
 * machine falls on all of them alike; each number is the median over rounds of the median
 * step time of a round.
 *
 *   const r = await compareEngines({ backends: ["native", "wasm"], torch: true });
 *   console.log(formatComparison(r));
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";

import "../../lib/engine/gradients";
import { registerNativeBackend } from "../../lib/engine/native";
import { applyPrecision, type ResolvedPrecision } from "../../lib/engine/precision";
import { resnetSpec } from "../../lib/models/arch";
import { trainableGroups } from "../../lib/run/modes";
import { ResNet } from "../../lib/models/resnet";
import { Sgd } from "../sgd";

export type Workload = "bnOnlyTrain" | "fullTrain" | "inference";
export const WORKLOADS: readonly Workload[] = ["bnOnlyTrain", "fullTrain", "inference"];

export interface WorkloadResult {
  /** Examples (training) or images (inference) per second, from the median step time. */
  perSecond: number;
  medianMs: number;
  /**
   * The fastest step and its rate: the least disturbed measurement when other processes share
   * the machine (as timeit reports), while the median includes their interference.
   */
  bestMs: number;
  bestPerSecond: number;
  /** Every measured step, in milliseconds. */
  stepsMs: number[];
}

export type EngineResult = Record<Workload, WorkloadResult> & {
  engine: string;
  detail: string;
  /** fp32, or bf16 mixed precision (bnlab's native engine; PyTorch's CPU autocast). */
  precision: ResolvedPrecision;
};

export interface EngineBenchOptions {
  /** tfjs backend name: "native", "wasm", "cpu", "tensorflow"; it must be registered (native registers itself). */
  backend: string;
  /** bf16: mixed precision (the native backend only). */
  precision?: ResolvedPrecision;
  depth?: number;
  width?: number;
  batchSize?: number;
  /** Untimed steps per workload: at least this many (primitive creation, buffer pool warm-up)… */
  warmup?: number;
  /** …and for at least this long (at most WARMUP_MAX_STEPS): see warmUp. */
  warmupSeconds?: number;
  /** Timed steps per workload. */
  steps?: number;
  workloads?: readonly Workload[];
  /** Adds a per-kernel time breakdown of one step of each workload (tf.profile). */
  profile?: boolean;
  log?: (line: string) => void;
}

export interface KernelProfile {
  workload: Workload;
  /** Kernel name → total ms in one step, largest first. */
  kernels: [string, number][];
}

function summarize(stepsMs: number[], medians: number[], batchSize: number): WorkloadResult {
  const medianMs = median(medians);
  const bestMs = Math.min(...stepsMs);
  return { perSecond: (batchSize * 1000) / medianMs, medianMs, bestMs, bestPerSecond: (batchSize * 1000) / bestMs, stepsMs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Deterministic pseudo-random floats in [-1, 1), fast enough for 393k values per batch. */
function randomData(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    a[i] = (s >>> 0) / 2 ** 31 - 1;
  }
  return a;
}

/** Makes `name` the active tfjs backend (registering the native one first); returns its detail. */
export async function useBackend(name: string): Promise<string> {
  if (name === "native") {
    const r = await registerNativeBackend();
    if (!r.ok) throw new Error(`native backend unavailable: ${r.why}`);
    if (!(await tf.setBackend(name))) throw new Error("native backend failed to initialise");
    return r.detail;
  }
  if (name === "wasm" && !tf.findBackendFactory("wasm")) await import("@tensorflow/tfjs-backend-wasm");
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to initialise (is it registered?)`);
  return name;
}

/** The three workloads of bnlab's training loop (same model, loss and optimizer as trainer/train.ts). */
function makeWorkloads(model: ResNet, batchSize: number, classes: number) {
  const x = tf.tensor4d(randomData(batchSize * 32 * 32 * 3, 12345), [batchSize, 32, 32, 3]);
  const labels = tf.tensor1d(Array.from({ length: batchSize }, (_, i) => (i * 7) % classes), "int32");
  const onehot = tf.oneHot(labels, classes);
  const trainers = new Map<Workload, { vars: tf.Variable[]; sgd: Sgd }>();
  for (const [w, mode] of [["bnOnlyTrain", "bn"], ["fullTrain", "all"]] as const) {
    const vars = model.variables(trainableGroups(mode));
    trainers.set(w, { vars, sgd: new Sgd(vars, { momentum: 0.9, weightDecay: 5e-4 }) });
  }
  const step = (w: Workload): tf.Tensor => {
    if (w === "inference") return tf.tidy(() => model.forward(x, false));
    const { vars, sgd } = trainers.get(w)!;
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(onehot, model.forward(x, true)) as tf.Scalar, vars);
      sgd.step(vars.map((v) => grads[v.name]), 0.01);
      return value;
    });
  };
  const dispose = () => {
    tf.dispose([x, labels, onehot]);
    for (const t of trainers.values()) t.sgd.dispose();
  };
  return { step, dispose };
}

/**
 * Per-kernel time of one step: each kernel call's fastest time over a few profiled steps (the
 * call sequence of a step is fixed), summed by kernel name. Shows where an undisturbed step goes.
 */
async function profileWorkload(w: Workload, step: (w: Workload) => tf.Tensor, repeats = 3): Promise<KernelProfile> {
  let best: { name: string; ms: number }[] | undefined;
  for (let r = 0; r < repeats; r++) {
    const info = await tf.profile(() => step(w));
    tf.dispose(info.result as tf.Tensor);
    const calls = info.kernels.map((k) => ({ name: k.name, ms: Number(k.kernelTimeMs) }));
    if (!best || best.length !== calls.length) best = calls;
    else best.forEach((b, i) => (b.ms = Math.min(b.ms, calls[i].ms)));
  }
  const byKernel = new Map<string, number>();
  for (const k of best ?? []) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + k.ms);
  return { workload: w, kernels: [...byKernel].sort((a, b) => b[1] - a[1]) };
}

export const WARMUP_MAX_STEPS = 50;

/**
 * Untimed steps: at least `steps`, and until `seconds` have passed (at most WARMUP_MAX_STEPS).
 * A fixed count under-warms a fast engine: bnlab's native steps take about ten steps (a second
 * or two) to settle, while the JIT tiers up and the buffer pools fill, so two warm-up steps
 * measured that transient. torch_bench.py applies the same rule.
 */
export function warmUp(run: () => void, steps: number, seconds: number): number {
  const start = performance.now();
  let done = 0;
  while (done < steps || (performance.now() - start < seconds * 1000 && done < WARMUP_MAX_STEPS)) {
    run();
    done++;
  }
  return done;
}

/** Measures one tfjs backend; the model is built on it and disposed afterwards. */
export async function benchEngine(opts: EngineBenchOptions): Promise<EngineResult & { profiles: KernelProfile[] }> {
  const { depth = 20, width = 16, batchSize = 128, warmup = 2, warmupSeconds = 0, steps = 5, workloads = WORKLOADS, log = () => {} } = opts;
  const detail = await useBackend(opts.backend);
  const precision = opts.precision ?? "fp32";
  applyPrecision(precision);
  const name = engineName(opts.backend, precision);
  const spec = resnetSpec({ depth, width });
  const model = ResNet.create(spec, { seed: 0, bnInit: "uniform" });
  const { step, dispose } = makeWorkloads(model, batchSize, spec.classes);
  const result = { engine: name, detail, precision, profiles: [] as KernelProfile[] } as EngineResult & { profiles: KernelProfile[] };
  try {
    for (const w of WORKLOADS) {
      if (!workloads.includes(w)) continue;
      const run = () => {
        const out = step(w);
        out.dataSync(); // every backend has finished the step
        out.dispose();
      };
      warmUp(run, warmup, warmupSeconds);
      const stepsMs: number[] = [];
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        run();
        stepsMs.push(performance.now() - t0);
      }
      result[w] = summarize(stepsMs, [median(stepsMs)], batchSize);
      log(`${name} ${w}: ${result[w].perSecond.toFixed(1)}/s (median ${result[w].medianMs.toFixed(0)} ms of ${stepsMs.map((t) => t.toFixed(0)).join(", ")})`);
      if (opts.profile) result.profiles.push(await profileWorkload(w, step));
    }
  } finally {
    dispose();
    model.dispose();
    applyPrecision("fp32");
  }
  return result;
}

/** An engine's name in the tables: the backend, with "-bf16" for mixed precision. */
export function engineName(backend: string, precision: ResolvedPrecision): string {
  return precision === "bf16" ? `${backend}-bf16` : backend;
}

export interface TorchBenchOptions {
  depth?: number;
  width?: number;
  batchSize?: number;
  warmup?: number;
  warmupSeconds?: number;
  steps?: number;
  workloads?: readonly Workload[];
  /** PyTorch's memory format for activations: its default (NCHW) or channels-last (NHWC). */
  channelsLast?: boolean;
  /** bf16: forward passes under torch.autocast("cpu", torch.bfloat16). */
  precision?: ResolvedPrecision;
  python?: string;
}

/** Runs torch_bench.py (same model, same workloads) and returns its JSON; throws if python or torch is missing. */
export async function torchBench(opts: TorchBenchOptions = {}): Promise<EngineResult> {
  const { depth = 20, width = 16, batchSize = 128, warmup = 2, warmupSeconds = 0, steps = 5, workloads = WORKLOADS, channelsLast = false } = opts;
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "torch_bench.py");
  const args = [script, "--depth", String(depth), "--width", String(width), "--batch-size", String(batchSize),
    "--warmup", String(warmup), "--warmup-seconds", String(warmupSeconds), "--steps", String(steps), "--workloads", workloads.join(",")];
  if (channelsLast) args.push("--channels-last");
  if (opts.precision === "bf16") args.push("--bf16");
  const python = opts.python ?? process.env.BNLAB_PYTHON ?? "/usr/bin/python3";
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const p = spawn(python, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("error", reject);
    p.on("close", (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  if (code !== 0) throw new Error(`${python} torch_bench.py failed (${code}): ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
  return { precision: opts.precision ?? "fp32", ...(JSON.parse(stdout) as Omit<EngineResult, "precision">) } as EngineResult;
}

export interface CompareOptions {
  /** tfjs backends to measure, e.g. ["native", "wasm"]. */
  backends: string[];
  /** Backends also measured in bf16 mixed precision (with PyTorch autocast-bf16 as their peers). */
  bf16Backends?: string[];
  /** Also measure PyTorch (default NCHW; `torchChannelsLast` adds a channels-last run). */
  torch?: boolean;
  torchChannelsLast?: boolean;
  rounds?: number;
  depth?: number;
  width?: number;
  batchSize?: number;
  warmup?: number;
  /** Warm-up time per workload per round, for every engine alike (default 2 s; see warmUp). */
  warmupSeconds?: number;
  /** Timed steps per workload per round; per backend where a backend is much slower (e.g. { wasm: 2 }). */
  steps?: number;
  stepsFor?: Record<string, number>;
  roundsFor?: Record<string, number>;
  workloads?: readonly Workload[];
  log?: (line: string) => void;
}

export interface Comparison {
  rounds: number;
  batchSize: number;
  depth: number;
  width: number;
  threads: number;
  engines: EngineResult[];
}

/**
 * Measures every engine in alternating rounds; each engine's result per workload is the median
 * over its rounds (stepsMs holds every step of every round).
 */
export async function compareEngines(opts: CompareOptions): Promise<Comparison> {
  const { rounds = 3, depth = 20, width = 16, batchSize = 128, warmup = 2, warmupSeconds = 2, steps = 5, workloads = WORKLOADS, log = () => {} } = opts;
  const engines: { name: string; run: () => Promise<EngineResult> }[] = [];
  for (const b of opts.backends) {
    const s = opts.stepsFor?.[b] ?? steps;
    engines.push({ name: b, run: () => benchEngine({ backend: b, depth, width, batchSize, warmup, warmupSeconds, steps: s, workloads, log }) });
  }
  const bf16 = opts.bf16Backends ?? [];
  for (const b of bf16) {
    const s = opts.stepsFor?.[b] ?? steps;
    engines.push({ name: engineName(b, "bf16"), run: () => benchEngine({ backend: b, precision: "bf16", depth, width, batchSize, warmup, warmupSeconds, steps: s, workloads, log }) });
  }
  const precisions: ResolvedPrecision[] = bf16.length > 0 ? ["fp32", "bf16"] : ["fp32"];
  for (const precision of precisions) {
    const suffix = precision === "bf16" ? "-bf16" : "";
    if (opts.torch) {
      engines.push({ name: `torch${suffix}`, run: () => torchBench({ depth, width, batchSize, warmup, warmupSeconds, steps, workloads, precision }) });
    }
    if (opts.torchChannelsLast) {
      engines.push({ name: `torch-cl${suffix}`, run: () => torchBench({ depth, width, batchSize, warmup, warmupSeconds, steps, workloads, channelsLast: true, precision }) });
    }
  }
  const perEngine = new Map<string, EngineResult[]>();
  for (let r = 0; r < rounds; r++) {
    for (const e of engines) {
      if (r >= (opts.roundsFor?.[e.name] ?? rounds)) continue;
      const res = await e.run();
      log(`round ${r + 1}/${rounds} ${e.name}: ${workloads.map((w) => `${w} ${res[w].perSecond.toFixed(1)}/s`).join(", ")}`);
      perEngine.set(e.name, [...(perEngine.get(e.name) ?? []), res]);
    }
  }
  const summary: EngineResult[] = [];
  for (const [name, results] of perEngine) {
    const merged = { engine: name, detail: results[0].detail, precision: results[0].precision } as EngineResult;
    for (const w of workloads) {
      merged[w] = summarize(results.flatMap((r) => r[w].stepsMs), results.map((r) => r[w].medianMs), batchSize);
    }
    summary.push(merged);
  }
  return { rounds, batchSize, depth, width, threads: (await import("node:os")).cpus().length, engines: summary };
}

/**
 * A plain-text table: for each engine and workload the rate from the median step (of the
 * per-round medians) and from the best step, each with its ratio to the faster PyTorch
 * configuration at the same precision for that workload and statistic (NCHW or channels-last,
 * whichever was measured and won), so that a ratio ≥ 1 means faster than PyTorch at its best.
 */
export function formatComparison(c: Comparison, workloads: readonly Workload[] = WORKLOADS): string {
  const torch = c.engines.filter((e) => isTorch(e));
  const ref = (w: Workload, key: "perSecond" | "bestPerSecond", precision: ResolvedPrecision) =>
    bestOf(torch.filter((e) => e.precision === precision), w, key);
  const lines = [`ResNet-${c.depth} width ${c.width}, batch ${c.batchSize}, ${c.rounds} rounds, ${c.threads} cores; median step | best step`];
  const head = ["engine", ...workloads.map((w) => (w === "inference" ? "inference img/s" : `${w} ex/s`))];
  const ratio = (v: number, r: number | undefined) => (r ? ` (${(v / r).toFixed(2)}×)` : "");
  const rows = c.engines.map((e) => [
    e.engine,
    ...workloads.map((w) => {
      const r = e[w];
      if (!r) return "-";
      const med = isTorch(e) ? "" : ratio(r.perSecond, ref(w, "perSecond", e.precision));
      const best = isTorch(e) ? "" : ratio(r.bestPerSecond, ref(w, "bestPerSecond", e.precision));
      return `${r.perSecond.toFixed(1)}${med} | ${r.bestPerSecond.toFixed(1)}${best}`;
    }),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((s, i) => s.padEnd(widths[i])).join("  ");
  lines.push(fmt(head), ...rows.map(fmt));
  for (const e of c.engines) lines.push(`${e.engine}: ${e.detail}`);
  if (torch.length > 0) lines.push(`ratios: against the faster of ${torch.map((e) => e.engine).join(", ")} at the same precision, per workload and statistic`);
  return lines.join("\n");
}

export function isTorch(e: EngineResult): boolean {
  return e.engine.startsWith("torch");
}

/** The highest rate among engines for a workload, or undefined when none measured it. */
export function bestOf(engines: EngineResult[], w: Workload, key: "perSecond" | "bestPerSecond" = "perSecond"): number | undefined {
  return engines.reduce<number | undefined>((best, e) => (e[w] && (best === undefined || e[w][key] > best) ? e[w][key] : best), undefined);
}
