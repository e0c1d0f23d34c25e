import { availableBackends } from "../../lib/engine/backend";
import { registerBnlabKernels } from "../../lib/engine/register";
import { benchAblation } from "../../trainer/bench/ablation";
import { compareEngines, formatComparison, WORKLOADS, type Workload } from "../../trainer/bench/engine";
import { intFlag, parseFlags, type Command } from "./command";

const help = `usage: bnlab bench [--rounds 3] [--with-cpu] [--quiet]

Measures ResNet-20 at batch 128 on random 32×32×3 data — BN-only training ex/s, full training
ex/s, inference img/s — on every available backend, and the same with PyTorch in this command
when /usr/bin/python3 has torch; then BN-only ÷ full step time, and the ablation re-evaluation
of 1,000 images. The last line compares the best bnlab backend with PyTorch:
  ratio bn-train=X full-train=Y inference=Z   (or "ratio unavailable: <why>")
  --with-cpu   also the pure-JS backend (minutes per step on full training)`;

const TAGS: Record<Workload, string> = { bnOnlyTrain: "bn-train", fullTrain: "full-train", inference: "inference" };

export const benchCommand: Command = {
  name: "bench",
  help,
  async run(argv) {
    const { values } = parseFlags(argv, { rounds: { type: "string" }, "with-cpu": { type: "boolean" }, quiet: { type: "boolean" } });
    if (values.help) return void console.log(help);
    registerBnlabKernels();
    const log = values.quiet ? () => {} : (line: string) => console.error(line);
    const available = await availableBackends();
    const skip = new Set(values["with-cpu"] ? [] : ["cpu"]);
    const backends = available.filter((b) => b.available && !skip.has(b.name)).map((b) => (b.name === "node" || b.name === "node-gpu" ? "tensorflow" : b.name));
    const unique = [...new Set(backends)];
    let torchWhy: string | null = null;
    const { spawnSync } = await import("node:child_process");
    if (spawnSync("/usr/bin/python3", ["-c", "import torch"], { stdio: "ignore" }).status !== 0) torchWhy = "/usr/bin/python3 cannot import torch (apt-get install python3-torch)";
    console.log(`backends: ${unique.join(", ")}${torchWhy ? "" : " + PyTorch"}`);

    const comparison = await compareEngines({
      backends: unique,
      torch: !torchWhy,
      torchChannelsLast: !torchWhy,
      rounds: intFlag("rounds", values.rounds) ?? 3,
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

    const ab = await benchAblation();
    console.log(`ablation: exact re-evaluation of ${ab.images} images on resnet-20 ${ab.evaluateSeconds.toFixed(2)} s; cached lookup ${ab.cachedMs.toFixed(2)} ms`);

    if (torchWhy) return void console.log(`ratio unavailable: ${torchWhy}`);
    const ours = comparison.engines.filter((e) => !e.engine.startsWith("torch"));
    const torch = comparison.engines.filter((e) => e.engine.startsWith("torch"));
    const best = (list: typeof ours, w: Workload) => Math.max(...list.map((e) => e[w].perSecond));
    console.log(`ratio ${WORKLOADS.map((w) => `${TAGS[w]}=${(best(ours, w) / best(torch, w)).toFixed(2)}`).join(" ")}`);
  },
};
