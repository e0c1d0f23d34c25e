import { availableBackends } from "../../lib/engine/backend";
import { bf16Support } from "../../lib/engine/precision";
import { registerBnlabKernels } from "../../lib/engine/register";
import { benchAblation } from "../../trainer/bench/ablation";
import { applyPrecision } from "../../lib/engine/precision";
import { bestOf, compareEngines, formatComparison, isTorch, useBackend, WORKLOADS, type EngineResult, type Workload } from "../../trainer/bench/engine";
import { intFlag, parseFlags, UsageError, type Command } from "./command";

const help = `usage: bnlab bench [--rounds 3] [--steps 5] [--backends LIST] [--with-cpu] [--quiet]

Measures ResNet-20 at batch 128 on random 32×32×3 data — BN-only training ex/s, full training
ex/s, inference img/s — on every available backend, and the same with PyTorch in this command
when /usr/bin/python3 has torch; where the CPU has native bf16, also the native engine in bf16
mixed precision against PyTorch's CPU autocast-bf16 (NCHW and channels-last). Then BN-only ÷ full
step time, and the ablation re-evaluation of 10,000 images on the engine with the fastest
inference, with its ratio to the time that inference rate implies. The last line compares the best
bnlab backend with PyTorch's best at the same precision:
  ratio bn-train=X full-train=Y inference=Z bf16-bn-train=X bf16-full-train=Y bf16-inference=Z
  (a bf16 ratio is n/a where bf16 was not measured; "ratio unavailable: <why>" without PyTorch)
Every engine, PyTorch included, warms each workload up for 2 s (at least 2, at most 50 steps)
before its timed steps: the median is of steady-state steps.
  --steps N         timed steps per workload per round [5]
  --backends LIST   only these bnlab backends, e.g. native [every available one]
  --with-cpu        also the pure-JS backend (minutes per step on full training)`;

const TAGS: Record<Workload, string> = { bnOnlyTrain: "bn-train", fullTrain: "full-train", inference: "inference" };

export const benchCommand: Command = {
  name: "bench",
  help,
  async run(argv) {
    const { values } = parseFlags(argv, {
      rounds: { type: "string" }, steps: { type: "string" }, backends: { type: "string" }, "with-cpu": { type: "boolean" }, quiet: { type: "boolean" },
    });
    if (values.help) return void console.log(help);
    registerBnlabKernels();
    const log = values.quiet ? () => {} : (line: string) => console.error(line);
    const available = await availableBackends();
    const skip = new Set(values["with-cpu"] ? [] : ["cpu"]);
    const backends = available.filter((b) => b.available && !skip.has(b.name)).map((b) => (b.name === "node" || b.name === "node-gpu" ? "tensorflow" : b.name));
    const only = typeof values.backends === "string" ? values.backends.split(",").map((b) => b.trim()).filter((b) => b !== "") : undefined;
    const unknown = only?.filter((b) => !(backends as string[]).includes(b)) ?? [];
    if (unknown.length > 0) throw new UsageError(`--backends: ${unknown.join(", ")} not available here (available: ${backends.join(", ")})`);
    const unique = [...new Set(backends)].filter((b) => !only || only.includes(b));
    let torchWhy: string | null = null;
    const { spawnSync } = await import("node:child_process");
    if (spawnSync("/usr/bin/python3", ["-c", "import torch"], { stdio: "ignore" }).status !== 0) torchWhy = "/usr/bin/python3 cannot import torch (apt-get install python3-torch)";
    const bf16 = bf16Support();
    const bf16Why = !unique.includes("native") ? "the native engine is not available" : !bf16.native ? bf16.detail : null;
    console.log(`backends: ${unique.join(", ")}${bf16Why ? "" : " + native bf16"}${torchWhy ? "" : ` + PyTorch${bf16Why ? "" : " (fp32 and autocast-bf16)"}`}`);
    if (bf16Why) console.log(`bf16 not measured: ${bf16Why}`);

    const comparison = await compareEngines({
      backends: unique,
      bf16Backends: bf16Why ? [] : ["native"],
      torch: !torchWhy,
      torchChannelsLast: !torchWhy,
      rounds: intFlag("rounds", values.rounds) ?? 3,
      steps: intFlag("steps", values.steps) ?? 5,
      // The slow backends get one short round: enough for a rate, not worth minutes.
      stepsFor: { wasm: 2, cpu: 1 },
      roundsFor: { wasm: 1, cpu: 1 },
      log,
    });
    console.log(formatComparison(comparison));
    for (const e of comparison.engines) {
      if (e.engine.startsWith("torch")) continue;
      console.log(`${e.engine}: BN-only step ÷ full step = ${(e.bnOnlyTrain.medianMs / e.fullTrain.medianMs).toFixed(2)}`);
    }

    // The ablation runs on the engine with the fastest fp32 inference measured above, and is held
    // to the time that inference rate implies for the same images.
    const fastest = comparison.engines
      .filter((e) => !isTorch(e) && e.precision === "fp32" && e.inference)
      .reduce<EngineResult | undefined>((a, e) => (a === undefined || e.inference.perSecond > a.inference.perSecond ? e : a), undefined);
    if (fastest) {
      await useBackend(fastest.engine);
      applyPrecision("fp32");
    }
    const ab = await benchAblation();
    console.log(`ablation: exact re-evaluation of ${ab.images} images on resnet-20 ${ab.evaluateSeconds.toFixed(2)} s; cached lookup ${ab.cachedMs.toFixed(2)} ms`);
    if (fastest) console.log(ablationRatioLine(ab.evaluateSeconds, ab.images, fastest.engine, fastest.inference.perSecond));

    if (torchWhy) return void console.log(`ratio unavailable: ${torchWhy}`);
    console.log(ratioLine(comparison.engines));
  },
};

/** The ablation's time over the time the engine's inference rate implies for as many images (the goal: at most 1.5). */
export function ablationRatioLine(seconds: number, images: number, engine: string, inferencePerSecond: number): string {
  const implied = images / inferencePerSecond;
  return `ablation vs inference (${engine}, ${inferencePerSecond.toFixed(0)} img/s implies ${implied.toFixed(2)} s for ${images} images): ratio ${(seconds / implied).toFixed(2)} (at most 1.5)`;
}

/**
 * The machine-readable last line: for each precision and workload, the best bnlab engine's rate
 * over PyTorch's best configuration at that precision (median step rates).
 */
export function ratioLine(engines: EngineResult[]): string {
  const parts: string[] = [];
  for (const precision of ["fp32", "bf16"] as const) {
    const at = engines.filter((e) => e.precision === precision);
    const ours = at.filter((e) => !isTorch(e));
    const torch = at.filter(isTorch);
    for (const w of WORKLOADS) {
      const a = bestOf(ours, w), b = bestOf(torch, w);
      const key = `${precision === "bf16" ? "bf16-" : ""}${TAGS[w]}`;
      parts.push(`${key}=${a !== undefined && b !== undefined ? (a / b).toFixed(2) : "n/a"}`);
    }
  }
  return `ratio ${parts.join(" ")}`;
}
