import { describe, expect, it } from "vitest";

import { TrainingConfig } from "../../../lib/run/config";
import { bf16Support, PRECISIONS, precisionFromEnv, resolvePrecision } from "../../../lib/engine/precision";

const native = { native: true, detail: "oneDNN ISA avx512_core_bf16" };
const without = { native: false, detail: "oneDNN's best ISA on this CPU is avx2, without bf16 (needs avx512_core_bf16 or avx512_core_amx)" };

describe("precision", () => {
  it("offers the values the run config accepts", () => {
    expect(TrainingConfig.shape.precision.unwrap().options).toEqual([...PRECISIONS]);
  });

  it("auto is bf16 on the native engine of a CPU with native bf16, fp32 anywhere else", () => {
    expect(resolvePrecision("auto", "native", native)).toBe("bf16");
    expect(resolvePrecision("auto", "native", without)).toBe("fp32");
    expect(resolvePrecision("auto", "wasm", native)).toBe("fp32");
    expect(resolvePrecision("fp32", "native", native)).toBe("fp32");
  });

  it("bf16 without native bf16 fails naming the missing ISA; on another backend it names the backend", () => {
    expect(() => resolvePrecision("bf16", "native", without)).toThrow(/no native bf16 .*AVX512-BF16.*avx2, without bf16/);
    expect(() => resolvePrecision("bf16", "wasm", native)).toThrow(/native engine, but the backend is wasm/);
    expect(resolvePrecision("bf16", "native", native)).toBe("bf16");
  });

  it("reads BNLAB_PRECISION, fp32 when unset, and refuses unknown values by name", () => {
    expect(precisionFromEnv({})).toBe("fp32");
    expect(precisionFromEnv({ BNLAB_PRECISION: "auto" })).toBe("auto");
    expect(() => precisionFromEnv({ BNLAB_PRECISION: "fp16" })).toThrow(/BNLAB_PRECISION=fp16: unknown precision; one of fp32, bf16, auto/);
  });

  it("says how it decided whether this CPU has bf16", () => {
    const s = bf16Support();
    expect(s.detail).toMatch(/oneDNN|CPU flags|cpuinfo/);
  });
});
