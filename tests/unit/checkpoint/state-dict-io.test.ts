import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readSafetensors, writeSafetensors, type RawTensor } from "../../../lib/checkpoint/safetensors";
import { loadStateDict, saveStateDict } from "../../../lib/checkpoint/state-dict-io";
import { resnetSpec } from "../../../lib/models/arch";
import { initialStateDict } from "../../../lib/models/init";

const dir = mkdtempSync(path.join(tmpdir(), "bnlab-ckpt-"));
const spec = resnetSpec({ depth: 8, width: 4 });

describe("state dict files", () => {
  it("round-trips a model's state dict bit-exactly, num_batches_tracked as int64", async () => {
    const sd = initialStateDict(spec, { seed: 5, bnInit: "uniform" });
    (sd.get("bn.num_batches_tracked")!.data as BigInt64Array)[0] = 1234567890123n;
    const file = path.join(dir, "a.safetensors");
    await saveStateDict(file, sd, { run_id: "r", epoch: "7" });
    const { stateDict, metadata } = await loadStateDict(file, spec);
    expect(metadata).toMatchObject({ run_id: "r", epoch: "7" });
    for (const [name, t] of sd) {
      const back = stateDict.get(name)!;
      expect(back.dtype).toBe(t.dtype);
      expect(back.shape).toEqual(t.shape);
      expect(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))).toBe(true);
    }
    const header = (await readSafetensors(file)).tensors;
    expect(header.get("bn.num_batches_tracked")).toMatchObject({ dtype: "I64", shape: [] });
    expect(header.get("conv.weight")).toMatchObject({ dtype: "F32", shape: [4, 3, 3, 3] });
    // Writing the same state dict again gives the same bytes: the format is deterministic.
    await saveStateDict(path.join(dir, "b.safetensors"), sd, { run_id: "r", epoch: "7" });
    expect(readFileSync(path.join(dir, "b.safetensors")).equals(readFileSync(file))).toBe(true);
  });

  it("loads other precisions that PyTorch may save: F64, F16, BF16, I32", async () => {
    const sd = initialStateDict(spec, { seed: 5, bnInit: "uniform" });
    const tensors = new Map<string, RawTensor>();
    for (const [name, t] of sd) {
      if (t.dtype === "int64") {
        tensors.set(name, { dtype: "I32", shape: t.shape, bytes: new Uint8Array(Int32Array.of(3).buffer) });
      } else if (name === "fc.weight") {
        tensors.set(name, { dtype: "F64", shape: t.shape, bytes: new Uint8Array(Float64Array.from(t.data as Float32Array).buffer) });
      } else if (name === "bn.weight") {
        // 1.0, -2.0, 0.5, 65504 in half precision
        tensors.set(name, { dtype: "F16", shape: t.shape, bytes: new Uint8Array(Uint16Array.of(0x3c00, 0xc000, 0x3800, 0x7bff).buffer) });
      } else if (name === "bn.bias") {
        // bfloat16: the top 16 bits of float32 1.5, -0.25, 3, 0
        tensors.set(name, { dtype: "BF16", shape: t.shape, bytes: new Uint8Array(Uint16Array.of(0x3fc0, 0xbe80, 0x4040, 0).buffer) });
      } else {
        const d = t.data as Float32Array;
        tensors.set(name, { dtype: "F32", shape: t.shape, bytes: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) });
      }
    }
    const file = path.join(dir, "mixed.safetensors");
    await writeSafetensors(file, tensors);
    const { stateDict } = await loadStateDict(file, spec);
    expect([...(stateDict.get("bn.weight")!.data as Float32Array)]).toEqual([1, -2, 0.5, 65504]);
    expect([...(stateDict.get("bn.bias")!.data as Float32Array)]).toEqual([1.5, -0.25, 3, 0]);
    expect(stateDict.get("fc.weight")!.data).toEqual(sd.get("fc.weight")!.data);
    expect(stateDict.get("blocks.0.bn1.num_batches_tracked")).toMatchObject({ dtype: "int64", data: BigInt64Array.of(3n) });
  });

  it("names the file and the mismatch when a checkpoint does not fit the architecture", async () => {
    const file = path.join(dir, "other.safetensors");
    await saveStateDict(file, initialStateDict(resnetSpec({ depth: 14, width: 4 }), { seed: 1, bnInit: "uniform" }));
    await expect(loadStateDict(file, spec)).rejects.toThrow(/other\.safetensors: checkpoint does not match resnet-8 width 4.*blocks\.1\.conv1\.weight has shape \[4,4,3,3\], expected \[8,4,3,3\].*and \d+ more/);
  });
});
