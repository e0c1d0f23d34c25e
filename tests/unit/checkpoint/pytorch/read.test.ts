/**
 * The PyTorch checkpoint reader against files PyTorch wrote: every value equals what torch.load
 * reads back (fp32/fp16/bf16/fp64, ints, strided and offset views, nested and DataParallel state
 * dicts), and files that would run code or that bnlab cannot read are refused by name.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readPytorchCheckpoint } from "../../../../lib/checkpoint/pytorch";
import { hasTorch, runPython } from "../../../support/torch";

const SCRIPT = path.resolve("tests/support/pytorch_checkpoints.py");

type Expected = Record<string, Record<string, { shape: number[]; float: boolean; values: number[] }>>;

describe.skipIf(!hasTorch)("readPytorchCheckpoint", () => {
  let dir = "";
  let marker = "";
  let expected: Expected = {};
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "bnlab-pth-"));
    marker = path.join(dir, "marker");
    runPython(SCRIPT, [dir, marker]);
    expected = JSON.parse(readFileSync(path.join(dir, "expected.json"), "utf8")) as Expected;
  }, 120_000);

  async function matches(file: string) {
    const { stateDict } = await readPytorchCheckpoint(path.join(dir, file));
    const want = expected[file];
    expect([...stateDict.keys()].sort()).toEqual(Object.keys(want).sort());
    for (const [name, w] of Object.entries(want)) {
      const got = stateDict.get(name)!;
      expect(got.shape, name).toEqual(w.shape);
      expect(got.dtype, name).toBe(w.float ? "float32" : "int64");
      const values = Array.from(got.data as ArrayLike<number | bigint>, Number);
      // float32 of PyTorch's value: exact for fp32/fp16/bf16, rounded once for fp64.
      expect(values, name).toEqual(w.float ? w.values.map(Math.fround) : w.values);
    }
    return stateDict;
  }

  it("reads a float32 state dict exactly, num_batches_tracked as int64", async () => {
    const sd = await matches("plain.pth");
    expect(sd.get("1.num_batches_tracked")!.data).toEqual(BigInt64Array.from([17n]));
  });

  it.each(["fp16.pth", "bf16.pth", "fp64.pth"])("converts %s to float32", async (file) => {
    await matches(file);
  });

  it("resolves strided and offset views (transposed, sliced, offset, shared storage, scalar, empty)", async () => {
    await matches("views.pth");
  });

  it("reads int32, uint8, bool and int64 tensors as int64", async () => {
    await matches("ints.pth");
  });

  it("finds a state dict nested under state_dict, keeping plain numbers beside it", async () => {
    const r = await readPytorchCheckpoint(path.join(dir, "nested.pth"));
    expect(r.nestedUnder).toBe("state_dict");
    expect(r.extras).toEqual({ epoch: 3 });
    await matches("nested.pth");
  });

  it("strips DataParallel's module. prefix", async () => {
    const r = await readPytorchCheckpoint(path.join(dir, "dataparallel.pth"));
    expect(r.strippedPrefix).toBe("module.");
    await matches("dataparallel.pth");
  });

  it("refuses a pickle that calls os.system, naming the file and the global, and runs nothing", async () => {
    const file = path.join(dir, "malicious.pth");
    await expect(readPytorchCheckpoint(file)).rejects.toThrow(new RegExp(`${file}: .*refused.*"posix\\.system".*allow-list`));
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses eval too (protocol 2 names it __builtin__.eval)", async () => {
    await expect(readPytorchCheckpoint(path.join(dir, "malicious-eval.pth"))).rejects.toThrow(/"__builtin__\.eval"/);
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses legacy (pre-1.6) and big-endian checkpoints with a clear message", async () => {
    await expect(readPytorchCheckpoint(path.join(dir, "legacy.pth"))).rejects.toThrow(/legacy PyTorch checkpoint.*re-save/);
    await expect(readPytorchCheckpoint(path.join(dir, "big-endian.pth"))).rejects.toThrow(/big-endian/);
  });

  it("reads a hand-made archive in PyTorch's layout (the base of the bad-input matrix)", async () => {
    const { stateDict } = await readPytorchCheckpoint(path.join(dir, "handmade-ok.pth"));
    expect(Array.from(stateDict.get("w")!.data as Float32Array)).toEqual([1, 2, 3, 4]);
  });
});
