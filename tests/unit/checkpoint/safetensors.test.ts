import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors, type RawTensor } from "../../../lib/checkpoint/safetensors";

function tensors(): Map<string, RawTensor> {
  const a = new Float32Array([1, -2.5, 3e-8, Infinity]);
  const b = BigInt64Array.of(7n);
  return new Map<string, RawTensor>([
    ["a", { dtype: "F32", shape: [2, 2], bytes: new Uint8Array(a.buffer) }],
    ["b", { dtype: "I64", shape: [], bytes: new Uint8Array(b.buffer) }],
    ["empty", { dtype: "F32", shape: [0, 3], bytes: new Uint8Array(0) }],
  ]);
}

/** A file from a header object and a data section, for malformed cases. */
function craft(header: unknown, data = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = Buffer.from(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe("safetensors", () => {
  it("round-trips bit-exactly with metadata and an aligned data start", () => {
    const buf = encodeSafetensors(tensors(), { run: "r1", epoch: "3" });
    const n = Number(new DataView(buf.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const back = decodeSafetensors(buf, "x.safetensors");
    expect(back.metadata).toEqual({ run: "r1", epoch: "3" });
    for (const [name, t] of tensors()) {
      expect(back.tensors.get(name)!.shape).toEqual(t.shape);
      expect(back.tensors.get(name)!.dtype).toBe(t.dtype);
      expect(Buffer.from(back.tensors.get(name)!.bytes).equals(Buffer.from(t.bytes))).toBe(true);
    }
  });

  it("writes atomically and leaves no temporary file", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "bnlab-st-"));
    const file = path.join(dir, "m.safetensors");
    await writeSafetensors(file, tensors());
    expect(readdirSync(dir)).toEqual(["m.safetensors"]);
    expect((await readSafetensors(file)).tensors.size).toBe(3);
    expect(readFileSync(file).length).toBeGreaterThan(8);
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ["too short", new Uint8Array(5), /shorter than the 8-byte header/],
    ["header larger than the file", craft({}, new Uint8Array(0), 1000n), /header claims 1000 bytes.*truncated/],
    ["header claiming gigabytes", craft({}, new Uint8Array(0), 5n * 1024n ** 3n), /limit/],
    ["invalid JSON", craft("{not json"), /not valid JSON/],
    ["invalid UTF-8", craft(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString("latin1")), /./],
    ["a JSON array", craft([1, 2]), /not a JSON object/],
    ["unknown dtype", craft({ a: { dtype: "F128", shape: [1], data_offsets: [0, 16] } }, new Uint8Array(16)), /unknown dtype "F128"/],
    ["negative shape", craft({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /invalid shape/],
    ["size mismatch", craft({ a: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /needs 8/],
    ["out of range", craft({ a: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8)), /truncated/],
    [
      "overlap",
      craft(
        { a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } },
        new Uint8Array(12),
      ),
      /overlaps/,
    ],
    ["hole", craft({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /belong to no tensor/],
    ["trailing bytes", craft({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, new Uint8Array(8)), /trailing/],
    ["bad metadata", craft({ __metadata__: { a: 1 } }), /__metadata__/],
    ["end before begin", craft({ a: { dtype: "F32", shape: [0], data_offsets: [4, 0] } }, new Uint8Array(4)), /before it begins/],
  ];
  it.each(bad)("rejects %s with a message naming the file", (_name, buf, pattern) => {
    expect(() => decodeSafetensors(buf, "bad.safetensors")).toThrow(/^bad\.safetensors: /);
    expect(() => decodeSafetensors(buf, "bad.safetensors")).toThrow(pattern);
  });

  it("reports a missing file by name", async () => {
    await expect(readSafetensors("/nonexistent/x.safetensors")).rejects.toThrow(/\/nonexistent\/x\.safetensors: cannot read \(ENOENT\)/);
  });
});
