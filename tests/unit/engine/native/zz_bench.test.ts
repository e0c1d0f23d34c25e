import { it } from "vitest";
import { benchEngine } from "../../../../trainer/bench/engine";
it("bench", async () => {
  const r = await benchEngine({ backend: "native", steps: Number(process.env.STEPS ?? 5), profile: process.env.PROFILE === "1", log: console.log });
  for (const p of r.profiles) console.log(p.workload, JSON.stringify(p.kernels.map(([k, v]) => [k, +v.toFixed(1)])));
}, 600_000);
