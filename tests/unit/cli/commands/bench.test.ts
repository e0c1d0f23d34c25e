import { describe, expect, it } from "vitest";

import { formatComparison, type EngineResult, type WorkloadResult } from "../../../../trainer/bench/engine";
import { ablationRatioLine, ratioLine } from "../../../../cli/commands/bench";

function rate(perSecond: number): WorkloadResult {
  const ms = 128_000 / perSecond;
  return { perSecond, medianMs: ms, bestMs: ms, bestPerSecond: perSecond, stepsMs: [ms] };
}

function engine(name: string, precision: "fp32" | "bf16", bn: number, full: number, inf: number): EngineResult {
  return { engine: name, detail: name, precision, bnOnlyTrain: rate(bn), fullTrain: rate(full), inference: rate(inf) };
}

const fp32Only = [
  engine("native", "fp32", 800, 600, 2800),
  engine("wasm", "fp32", 100, 50, 900),
  engine("torch", "fp32", 400, 500, 2000),
  engine("torch-cl", "fp32", 500, 550, 2700),
];
const withBf16 = [
  ...fp32Only,
  engine("native-bf16", "bf16", 1000, 990, 5000),
  engine("torch-bf16", "bf16", 900, 1100, 4000),
  engine("torch-cl-bf16", "bf16", 950, 1000, 4500),
];

describe("bench ratio line", () => {
  it("compares the best bnlab engine with PyTorch's best at each precision", () => {
    expect(ratioLine(withBf16)).toBe("ratio bn-train=1.60 full-train=1.09 inference=1.04 bf16-bn-train=1.05 bf16-full-train=0.90 bf16-inference=1.11");
  });

  it("keeps the fp32 ratios as before and says n/a for bf16 when it was not measured", () => {
    expect(ratioLine(fp32Only)).toBe("ratio bn-train=1.60 full-train=1.09 inference=1.04 bf16-bn-train=n/a bf16-full-train=n/a bf16-inference=n/a");
  });

  it("puts each engine's ratio against PyTorch at its own precision in the table", () => {
    const table = formatComparison({ rounds: 3, batchSize: 128, depth: 20, width: 16, threads: 2, engines: withBf16 });
    const row = table.split("\n").find((l) => l.startsWith("native-bf16"));
    expect(row).toContain("1000.0 (1.05×)");
    expect(row).toContain("990.0 (0.90×)");
    expect(table.split("\n").find((l) => l.startsWith("native "))).toContain("800.0 (1.60×)");
  });
});

describe("ablationRatioLine", () => {
  it("holds the ablation's time to the time the inference rate implies for as many images", () => {
    expect(ablationRatioLine(12, 10_000, "native", 1000)).toBe("ablation vs inference (native, 1000 img/s implies 10.00 s for 10000 images): ratio 1.20 (at most 1.5)");
    expect(ablationRatioLine(5, 2000, "wasm", 250)).toMatch(/ratio 0\.63 /);
  });
});
