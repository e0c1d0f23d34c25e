import { it } from "vitest";
import { benchEngine, compareEngines, formatComparison } from "../../../../trainer/bench/engine";
it("bench", async () => {
  if (process.env.PROFILE === "1") {
    const r = await benchEngine({ backend: "native", steps: Number(process.env.STEPS ?? 5), profile: true, log: console.log });
    for (const p of r.profiles) console.log(p.workload, p.kernels.reduce((a, [, v]) => a + v, 0).toFixed(1), JSON.stringify(p.kernels.map(([k, v]) => [k, +v.toFixed(1)])));
    return;
  }
  const c = await compareEngines({ backends: (process.env.BACKENDS ?? "native").split(","), torch: true, torchChannelsLast: process.env.CL === "1",
    rounds: Number(process.env.ROUNDS ?? 3), steps: Number(process.env.STEPS ?? 5), log: console.log });
  console.log(formatComparison(c));
}, 3_600_000);
