/**
 * The bad-input matrix for every file reader: safetensors, run.json, metrics.jsonl, IDX, CIFAR-10
 * binary and sweep files. Each case feeds a broken file and expects the reader's own error naming
 * the file and the problem — never a bare TypeError/RangeError, a hang, or a gigabyte allocation.
 * Property-based cases (fast-check) throw arbitrary and mutated bytes at the two binary parsers.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { CheckpointError } from "../../lib/checkpoint/errors";
import { parseMetrics, parseRunFile, readMetricsText, readRunFile } from "../../lib/run/files";
import { decodeSafetensors, readSafetensors } from "../../lib/checkpoint/safetensors";
import { checkFinite, toStateDict } from "../../lib/checkpoint/state-dict-io";
import { decodeCifar10, encodeCifar10Records, loadCifar10 } from "../../lib/data/cifar10";
import { DatasetError } from "../../lib/data/errors";
import { readBytes } from "../../lib/data/files";
import { loadIdxPair, parseIdx, parseIdxImages, parseIdxLabels } from "../../lib/data/idx";
import { loadIdxDataset } from "../../lib/data/mnist";
import { resnetSpec } from "../../lib/models/arch";
import { expandSweep, readSweep, SweepError } from "../../trainer/sweep";
import { idxBytes } from "../unit/data/helpers";
import { caseCounter, checkpointBytes, expectRejects, expectThrows, initWeights, metricLines, mkfifo, SPEC, validRunFile, withValue } from "./bad-input-support";

const counter = caseCounter("bad-input cases tried (file readers)");
const properties = caseCounter("bad-input property inputs tried (safetensors, IDX)");
afterAll(() => {
  counter.done();
  properties.done();
});

const root = mkdtempSync(path.join(tmpdir(), "bnlab-badfiles-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** Writes `data` to a fresh file named `name` and returns its path. */
function file(name: string, data: Uint8Array | string): string {
  const dir = path.join(root, String(n++));
  mkdirSync(dir);
  const f = path.join(dir, name);
  writeFileSync(f, data);
  return f;
}
function fifo(name: string): string {
  const dir = path.join(root, String(n++));
  mkdirSync(dir);
  const f = path.join(dir, name);
  mkfifo(f);
  return f;
}
function dir(name: string): string {
  const d = path.join(root, String(n++), name);
  mkdirSync(d, { recursive: true });
  return d;
}
function link(name: string, target: string): string {
  const d = path.join(root, String(n++));
  mkdirSync(d);
  const f = path.join(d, name);
  symlinkSync(target, f);
  return f;
}

/** A safetensors file from a header (object or raw text) and a data section. */
function craft(header: unknown, data = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = typeof header === "string" ? Buffer.from(header, "latin1") : Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const VALID = checkpointBytes();
const HEADER_LEN = Number(new DataView(VALID.buffer, VALID.byteOffset).getBigUint64(0, true));
const f32 = (k: number) => ({ dtype: "F32", shape: [k], data_offsets: [0, 4 * k] });

describe("safetensors", () => {
  const NOT = /not a valid safetensors file/;
  const cases: [string, Uint8Array, RegExp][] = [
    ["zero-length", new Uint8Array(0), /0 bytes is shorter than the 8-byte header/],
    ["5 bytes", new Uint8Array(5), /shorter than the 8-byte header/],
    ["PNG bytes (wrong magic)", Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /header claims .* bytes \(limit/],
    ["a PyTorch zip (.pt)", Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0, 1, 2, 3]), /header claims .*\(limit .*a zip archive \(a PyTorch torch\.save \.pt file\?\)/],
    ["a pickle", Uint8Array.from([0x80, 0x02, 0x7d, 0x71, 0, 0x28, 0x58, 0x01, 0, 0, 0]), /header claims .*\(limit .*a Python pickle/],
    ["plain text", Buffer.from("hello, this is not a checkpoint\n"), /header claims .*\(limit/],
    ["header claiming 5 GiB", craft({}, new Uint8Array(0), 5n * 1024n ** 3n), /header claims 5368709120 bytes \(limit/],
    ["header claiming 2^64-1", craft({}, new Uint8Array(0), 2n ** 64n - 1n), /limit/],
    ["header claiming the limit + 1", craft({}, new Uint8Array(0), 100_000_001n), /limit/],
    ["header claiming 99 MB of a small file", craft({}, new Uint8Array(0), 99_000_000n), /but the file has .*truncated/],
    ["zero-length header", craft(""), /not valid JSON/],
    ["header not JSON", craft("{not json"), /not valid JSON/],
    ["header invalid UTF-8", craft("{\"a\xff\xfe\":1}"), /not valid UTF-8/],
    ["header null", craft("null"), /not a JSON object/],
    ["header an array", craft([1, 2]), /not a JSON object/],
    ["header a string", craft('"x"'), /not a JSON object/],
    ["header a number", craft("42"), /not a JSON object/],
    ["entry a number", craft({ a: 5 }), /entry "a" is not an object/],
    ["entry null", craft({ a: null }), /entry "a" is not an object/],
    ["unknown dtype F128", craft({ a: { dtype: "F128", shape: [1], data_offsets: [0, 16] } }, new Uint8Array(16)), /unknown dtype "F128"/],
    ["dtype from the prototype", craft({ a: { dtype: "toString", shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /unknown dtype "toString"/],
    ["dtype constructor", craft({ a: { dtype: "constructor", shape: [], data_offsets: [0, 0] } }), /unknown dtype "constructor"/],
    ["dtype a number", craft({ a: { dtype: 7, shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /unknown dtype 7/],
    ["dtype missing", craft({ a: { shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /unknown dtype/],
    ["negative dimension", craft({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /invalid shape \[-1\]/],
    ["fractional dimension", craft({ a: { dtype: "F32", shape: [1.5], data_offsets: [0, 4] } }, new Uint8Array(4)), /invalid shape/],
    ["astronomic dimension", craft({ a: { dtype: "F32", shape: [1e300], data_offsets: [0, 4] } }, new Uint8Array(4)), /invalid shape/],
    ["shape a string", craft({ a: { dtype: "F32", shape: "4", data_offsets: [0, 16] } }, new Uint8Array(16)), /invalid shape "4"/],
    ["dimensions whose product is huge", craft({ a: { dtype: "F32", shape: [2 ** 40, 2 ** 40], data_offsets: [0, 4] } }, new Uint8Array(4)), /needs/],
    ["size and shape disagree", craft({ a: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /needs 8/],
    ["offsets out of range", craft({ a: f32(4) }, new Uint8Array(8)), /ends at byte 16 but the data section has 8 bytes/],
    ["end before begin", craft({ a: { dtype: "F32", shape: [0], data_offsets: [8, 4] } }, new Uint8Array(8)), /ends \(4\) before it begins \(8\)/],
    ["offsets beyond 2^53", craft({ a: { dtype: "F32", shape: [1], data_offsets: [0, 1e300] } }, new Uint8Array(4)), /invalid data_offsets/],
    ["negative offset", craft({ a: { dtype: "F32", shape: [1], data_offsets: [-4, 0] } }, new Uint8Array(4)), /invalid data_offsets/],
    ["offsets as strings", craft({ a: { dtype: "F32", shape: [1], data_offsets: ["0", "4"] } }, new Uint8Array(4)), /invalid data_offsets/],
    ["three offsets", craft({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4, 8] } }, new Uint8Array(8)), /invalid data_offsets/],
    ["fractional offset", craft({ a: { dtype: "F32", shape: [1], data_offsets: [0.5, 4.5] } }, new Uint8Array(8)), /invalid data_offsets/],
    ["overlapping tensors", craft({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12)), /overlaps/],
    ["two tensors on the same bytes", craft({ a: f32(2), b: f32(2) }, new Uint8Array(8)), /overlaps/],
    ["a hole between tensors", craft({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, b: { dtype: "F32", shape: [1], data_offsets: [8, 12] } }, new Uint8Array(12)), /bytes 4–8 .* belong to no tensor/],
    ["trailing bytes", craft({ a: f32(1) }, new Uint8Array(12)), /8 trailing bytes/],
    ["__metadata__ with a number", craft({ __metadata__: { epoch: 3 } }), /__metadata__ must map strings to strings/],
    ["__metadata__ null", craft({ __metadata__: null }), /__metadata__/],
    ["__metadata__ an array", craft({ __metadata__: ["a"] }), /__metadata__/],
    ["a megabyte-long tensor name", craft({ ["x".repeat(1 << 20)]: { dtype: "F99", shape: [], data_offsets: [0, 0] } }), /tensor "x{77}\.\.\." has unknown dtype/],
  ];
  for (const [name, bytes, problem] of cases) {
    it(`refuses ${name}`, () => {
      const f = `ckpt/${name.replace(/\W+/g, "-")}.safetensors`;
      expectThrows(counter, () => decodeSafetensors(bytes, f), CheckpointError, f, problem);
      expectThrows(counter, () => decodeSafetensors(bytes, f), CheckpointError, f, NOT);
    });
  }

  it("refuses every truncation of a valid checkpoint, naming the file", async () => {
    for (const cut of [0, 4, 7, 8, 8 + (HEADER_LEN >> 1), 8 + HEADER_LEN - 1, 8 + HEADER_LEN, 8 + HEADER_LEN + 3, VALID.length >> 1, VALID.length - 1]) {
      const f = file(`ep-${cut}.safetensors`, VALID.subarray(0, cut));
      await expectRejects(counter, readSafetensors(f), CheckpointError, f, /not a valid safetensors file: .*(shorter|truncated|not valid JSON|trailing|belong to no tensor|ends at byte)/);
    }
  });

  it("refuses what is not a regular file: a directory, a FIFO, /dev/zero behind a symlink, a dangling symlink, nothing", async () => {
    const d = dir("ep-1.safetensors");
    await expectRejects(counter, readSafetensors(d), CheckpointError, d, /cannot read \(a directory\)/);
    const p = fifo("ep-2.safetensors");
    await expectRejects(counter, readSafetensors(p), CheckpointError, p, /cannot read \(not a regular file\)/);
    const z = link("ep-3.safetensors", "/dev/zero");
    await expectRejects(counter, readSafetensors(z), CheckpointError, z, /not a regular file/);
    const dangling = link("ep-4.safetensors", path.join(root, "no-such-target"));
    await expectRejects(counter, readSafetensors(dangling), CheckpointError, dangling, /cannot read \(ENOENT\)/);
    const missing = path.join(root, "missing.safetensors");
    await expectRejects(counter, readSafetensors(missing), CheckpointError, missing, /ENOENT/);
    // A symlink to a valid file is an ordinary way to share checkpoints: it reads.
    const ok = link("ep-5.safetensors", file("real.safetensors", VALID));
    expect((await readSafetensors(ok)).tensors.size).toBe(initWeights().size);
  });

  it("refuses dtypes bnlab cannot load and shapes that do not match the architecture, naming the tensor", () => {
    const f = "run/ckpt/ep-1.safetensors";
    const sd = initWeights();
    const raw = decodeSafetensors(VALID, f).tensors;
    for (const dtype of ["U8", "BOOL", "F8_E4M3", "U64"] as const) {
      const bytes = new Uint8Array(4 * ({ U8: 1, BOOL: 1, F8_E4M3: 1, U64: 8 }[dtype] as number));
      const t = new Map(raw);
      t.set("bn.weight", { dtype, shape: [4], bytes });
      expectThrows(counter, () => toStateDict(t, f, SPEC), CheckpointError, f, new RegExp(`"bn.weight" has dtype ${dtype}, which bnlab cannot load`));
    }
    const cases: [string, Map<string, { dtype: "F32"; shape: number[]; bytes: Uint8Array }>, RegExp][] = [];
    const missing = new Map(raw);
    missing.delete("bn.weight");
    cases.push(["missing tensor", missing as never, /missing bn\.weight/]);
    const extra = new Map(raw);
    extra.set("blocks.99.conv1.weight", { dtype: "F32", shape: [1], bytes: new Uint8Array(4) });
    cases.push(["unexpected tensor", extra as never, /unexpected blocks\.99\.conv1\.weight/]);
    const transposed = new Map(raw);
    const conv = raw.get("conv.weight")!;
    transposed.set("conv.weight", { ...conv, shape: [...conv.shape].reverse() });
    cases.push(["transposed conv", transposed as never, /conv\.weight has shape \[3,3,3,4\], expected \[4,3,3,3\]/]);
    for (const [, t, problem] of cases) expectThrows(counter, () => toStateDict(t, f, SPEC), CheckpointError, f, problem);
    // A checkpoint of another architecture: deeper, wider, other classes.
    for (const other of [resnetSpec({ depth: 14, width: 4 }), resnetSpec({ depth: 8, width: 8 }), resnetSpec({ depth: 8, width: 4, classes: 100 })]) {
      const t = decodeSafetensors(checkpointBytes(initWeights(0, other)), f).tensors;
      expectThrows(counter, () => toStateDict(t, f, SPEC), CheckpointError, f, /does not match resnet-8 width 4/);
    }
    // A float num_batches_tracked holding NaN used to escape as a bare RangeError from BigInt().
    const nbt = new Map(raw);
    nbt.set("bn.num_batches_tracked", { dtype: "F32", shape: [], bytes: new Uint8Array(new Float32Array([NaN]).buffer) });
    expectThrows(counter, () => toStateDict(nbt, f, SPEC), CheckpointError, f, /"bn\.num_batches_tracked" should hold integers but has a non-finite value/);
    expect(toStateDict(raw, f, SPEC).size).toBe(sd.size);
  });

  it("flags NaN and ±Inf weights and negative running variances clearly, naming tensor and index", () => {
    const f = "run/ckpt/ep-2.safetensors";
    const load = (sd: ReturnType<typeof initWeights>) => () => checkFinite(toStateDict(decodeSafetensors(checkpointBytes(sd), f).tensors, f, SPEC), f);
    const sd = initWeights();
    expectThrows(counter, load(withValue(sd, "conv.weight", 5, NaN)), CheckpointError, f, /unusable weights: conv\.weight has 1 non-finite value \(first at index 5: NaN\)/);
    expectThrows(counter, load(withValue(sd, "blocks.1.bn2.weight", 0, Infinity)), CheckpointError, f, /blocks\.1\.bn2\.weight has 1 non-finite value .*Infinity/);
    expectThrows(counter, load(withValue(sd, "fc.bias", 9, -Infinity)), CheckpointError, f, /fc\.bias .*-Infinity/);
    expectThrows(counter, load(withValue(sd, "bn.running_var", 2, -1)), CheckpointError, f, /bn\.running_var has 1 non-finite or negative value \(first at index 2: -1\)/);
    expect(load(sd)).not.toThrow();
  });

  it("property: arbitrary bytes never throw anything but a CheckpointError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        properties.add();
        try {
          decodeSafetensors(bytes, "fuzz.safetensors");
        } catch (e) {
          if (!(e instanceof CheckpointError) || !e.message.startsWith("fuzz.safetensors: ")) throw e;
        }
      }),
      { numRuns: 1500 },
    );
  });

  it("property: arbitrary headers over arbitrary data decode consistently or fail with a CheckpointError", () => {
    const dtype = fc.oneof(fc.constantFrom("F32", "F16", "BF16", "I64", "U8", "BOOL", "F64"), fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null));
    const dim = fc.oneof(fc.nat(6), fc.integer({ min: -3, max: 3 }), fc.double(), fc.constant(2 ** 53));
    const entry = fc.oneof(
      fc.record({ dtype, shape: fc.array(dim, { maxLength: 3 }), data_offsets: fc.array(fc.oneof(fc.nat(128), fc.integer()), { minLength: 0, maxLength: 3 }) }),
      fc.anything({ maxDepth: 2 }),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 8 }), entry, { maxKeys: 5 }), fc.uint8Array({ maxLength: 128 }), (header, data) => {
        properties.add();
        const bytes = craft(header, data);
        let parsed: ReturnType<typeof decodeSafetensors>;
        try {
          parsed = decodeSafetensors(bytes, "h.safetensors");
        } catch (e) {
          if (e instanceof CheckpointError) return;
          throw e;
        }
        // What decodes keeps the format's promise: the tensors tile the data section exactly.
        const total = [...parsed.tensors.values()].reduce((s, t) => s + t.bytes.length, 0);
        expect(total).toBe(data.length);
        try {
          checkFinite(toStateDict(parsed.tensors, "h.safetensors"), "h.safetensors");
        } catch (e) {
          if (!(e instanceof CheckpointError)) throw e;
        }
      }),
      { numRuns: 1500 },
    );
  });

  it("property: a mutated valid checkpoint loads or fails with a CheckpointError, in bounded time and memory", () => {
    const before = process.memoryUsage();
    const started = Date.now();
    let slowest = 0;
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("flip" as const), at: fc.nat(VALID.length - 1), value: fc.nat(255) }),
      fc.record({ kind: fc.constant("cut" as const), at: fc.nat(VALID.length), value: fc.constant(0) }),
      fc.record({ kind: fc.constant("length" as const), at: fc.constant(0), value: fc.oneof(fc.nat(), fc.constant(HEADER_LEN + 1), fc.constant(HEADER_LEN - 1)) }),
      fc.record({ kind: fc.constant("header" as const), at: fc.integer({ min: 8, max: 8 + HEADER_LEN - 1 }), value: fc.nat(255) }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        properties.add();
        let bytes = Uint8Array.from(VALID);
        for (const m of mutations) {
          if (m.kind === "cut") bytes = bytes.subarray(0, m.at);
          else if (m.kind === "length" && bytes.length >= 8) new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(0, BigInt(m.value), true);
          else if (m.at < bytes.length) bytes[m.at] = m.value;
        }
        const t0 = Date.now();
        try {
          checkFinite(toStateDict(decodeSafetensors(bytes, "m.safetensors").tensors, "m.safetensors", SPEC), "m.safetensors");
        } catch (e) {
          if (!(e instanceof CheckpointError) || !e.message.startsWith("m.safetensors: ")) throw e;
        }
        slowest = Math.max(slowest, Date.now() - t0);
      }),
      { numRuns: 1500 },
    );
    const after = process.memoryUsage();
    expect(slowest, "no single input takes long").toBeLessThan(500);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(after.arrayBuffers - before.arrayBuffers, "no large allocation survives").toBeLessThan(64 << 20);
  });
});

const runFile = (o: object | string) => (typeof o === "string" ? o : JSON.stringify(o));

describe("run.json", () => {
  const valid = validRunFile();
  const good = runFile(valid);
  const cases: [string, string | Uint8Array, RegExp][] = [
    ["zero-length", "", /not valid JSON/],
    ["truncated", good.slice(0, good.length >> 1), /not valid JSON/],
    ["not JSON", "status: complete", /not valid JSON/],
    ["invalid UTF-8 in a string", Buffer.concat([Buffer.from(good.replace('"cpu"', '"cpu'), "utf8").subarray(0, good.indexOf('"cpu"') + 4), Buffer.from([0xff, 0xfe]), Buffer.from(good.slice(good.indexOf('"cpu"') + 4))]), /not valid UTF-8 text \(bad byte at offset \d+\)/],
    ["null", "null", /not a valid run\.json: \(root\)/],
    ["an array", "[]", /not a valid run\.json: \(root\)/],
    ["a number", "7", /not a valid run\.json/],
    ["a future format version", runFile({ ...valid, formatVersion: 2 }), /format version 2 is newer than this bnlab understands \(1\); upgrade bnlab/],
    ["a far-future format version", runFile({ ...valid, formatVersion: 1e9 }), /format version 1000000000 is newer/],
    ["format version as a string", runFile({ ...valid, formatVersion: "1" }), /formatVersion/],
    ["format version 0", runFile({ ...valid, formatVersion: 0 }), /formatVersion/],
    ["no format version", runFile({ ...valid, formatVersion: undefined }), /formatVersion/],
    ["an unknown status", runFile({ ...valid, status: "exploded" }), /status/],
    ["depth not 6n+2", runFile({ ...valid, config: { ...valid.config, model: { ...valid.config.model, depth: 19 } } }), /config\.model\.depth: depth must be of the form 6n\+2/],
    ["a depth that would never finish building", runFile({ ...valid, config: { ...valid.config, model: { ...valid.config.model, depth: 6_000_000_002 } } }), /config\.model\.depth/],
    ["a width no machine holds", runFile({ ...valid, config: { ...valid.config, model: { ...valid.config.model, width: 1e9 } } }), /config\.model\.width/],
    ["an unknown dataset", runFile({ ...valid, config: { ...valid.config, data: { ...valid.config.data, dataset: "imagenet" } } }), /config\.data\.dataset/],
    ["a path as its id", runFile({ ...valid, id: "../../etc" }), /id: must be a plain run id/],
    ["a 10,000-character id", runFile({ ...valid, id: "r".repeat(10_000) }), /id: must be a plain run id/],
    ["an id with a slash", runFile({ ...valid, id: "a/b" }), /id: must be a plain run id/],
    ["negative epochs done", runFile({ ...valid, epochsDone: -1 }), /epochsDone/],
  ];
  for (const [name, content, problem] of cases) {
    it(`refuses ${name}`, async () => {
      const f = file("run.json", content);
      await expectRejects(counter, readRunFile(f), CheckpointError, f, problem);
    });
  }

  it("refuses a directory, a FIFO, /dev/zero and a 20 MB file under the name run.json", async () => {
    const d = dir("run.json");
    await expectRejects(counter, readRunFile(d), CheckpointError, d, /a directory/);
    const p = fifo("run.json");
    await expectRejects(counter, readRunFile(p), CheckpointError, p, /not a regular file/);
    const z = link("run.json", "/dev/zero");
    await expectRejects(counter, readRunFile(z), CheckpointError, z, /not a regular file/);
    const big = file("run.json", Buffer.alloc(20 << 20, 0x20));
    await expectRejects(counter, readRunFile(big), CheckpointError, big, /is 20971520 bytes, more than/);
    expect((await readRunFile(file("run.json", good))).id).toBe(valid.id);
    expect(() => parseRunFile(good, "x")).not.toThrow();
  });
});

describe("metrics.jsonl", () => {
  const good = metricLines(2);
  const line = (o: object) => JSON.stringify(o);
  const m = { epoch: 1, step: 2, split: "test", loss: 1, accuracy: 0.5, lr: 0.1, seconds: 1 };
  const cases: [string, string, RegExp][] = [
    ["a line that is not JSON", `${good}{oops\n`, /line 4 is not valid JSON/],
    ["a line that is an array", `[1,2]\n`, /line 1: \(root\)/],
    ["accuracy above 1", `${line({ ...m, accuracy: 2 })}\n`, /line 1: accuracy/],
    ["a negative epoch", `${line({ ...m, epoch: -1 })}\n`, /line 1: epoch/],
    ["an unknown split", `${good}${line({ ...m, split: "dev" })}\n`, /line 4: split/],
    ["a NaN loss written by JSON.stringify as null", `${line({ ...m, loss: NaN })}\n`, /line 1: loss/],
    ["a string for a number", `${line({ ...m, lr: "0.1" })}\n`, /line 1: lr/],
  ];
  for (const [name, text, problem] of cases) {
    it(`refuses ${name}`, () => {
      expectThrows(counter, () => parseMetrics(text, "run/metrics.jsonl"), CheckpointError, "run/metrics.jsonl", problem);
    });
  }

  it("reads a zero-length file as no lines and ignores a last line cut short by a crash", () => {
    counter.add(2);
    expect(parseMetrics("", "m")).toEqual([]);
    expect(parseMetrics(good + '{"epoch": 3, "st', "m")).toHaveLength(3);
  });

  it("refuses invalid UTF-8, a directory and a FIFO", async () => {
    const bad = file("metrics.jsonl", Buffer.concat([Buffer.from(good), Buffer.from([0xc3, 0x28, 0x0a])]));
    await expectRejects(counter, readMetricsText(bad), CheckpointError, bad, new RegExp(`not valid UTF-8 text \\(bad byte at offset ${good.length}\\)`));
    const d = dir("metrics.jsonl");
    await expectRejects(counter, readMetricsText(d), CheckpointError, d, /a directory/);
    const p = fifo("metrics.jsonl");
    await expectRejects(counter, readMetricsText(p), CheckpointError, p, /not a regular file/);
  });
});

const IMAGES = idxBytes([2, 3, 3], Array.from({ length: 18 }, (_, i) => i));
const LABELS = idxBytes([2], [1, 9]);

describe("IDX", () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ["zero-length", new Uint8Array(0), /too short for an IDX header \(0 bytes\)/],
    ["3 bytes", Uint8Array.of(0, 0, 8), /too short for an IDX header \(3 bytes\)/],
    ["a wrong magic", Uint8Array.of(0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0), /wrong magic number 0x12345678, not an IDX file/],
    ["PNG bytes", Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), /wrong magic number 0x89504e47/],
    ["float data (0x0D)", idxBytes([2, 3, 3], new Uint8Array(72), 0x0d), /unsupported IDX data type 0x0d/],
    ["a label file where images belong", LABELS, /wrong magic number 0x00000801, expected 0x00000803 \(IDX images\)/],
    ["dimensions cut short", IMAGES.subarray(0, 10), /too short for an IDX header with 3 dimensions \(10 of 16 bytes\)/],
    ["a truncated payload", IMAGES.subarray(0, IMAGES.length - 1), /truncated: dimensions \[2, 3, 3\] need 18 payload bytes, file has 17/],
    ["trailing bytes", Uint8Array.from([...IMAGES, 0]), /trailing bytes/],
    ["dimensions claiming 2^96 bytes", idxBytes([0xffffffff, 0xffffffff, 0xffffffff], new Uint8Array(4)), /truncated: dimensions \[4294967295, 4294967295, 4294967295\]/],
    ["corrupt gzip", Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5), /corrupt gzip data/],
    ["truncated gzip", gzipSync(IMAGES).subarray(0, 20), /corrupt gzip data/],
  ];
  for (const [name, bytes, problem] of cases) {
    it(`refuses ${name}`, () => {
      const f = file("train-images-idx3-ubyte", bytes);
      expectThrows(counter, () => loadIdxPair(f, file("train-labels-idx1-ubyte", LABELS), 10), DatasetError, f, problem);
    });
  }

  it("refuses 0 dimensions and 255 dimensions in a short file", () => {
    expectThrows(counter, () => parseIdx(Uint8Array.of(0, 0, 8, 0), "f-idx"), DatasetError, "f-idx", /declares 0 dimensions/);
    expectThrows(counter, () => parseIdx(Uint8Array.of(0, 0, 8, 255, 0, 0, 0, 1), "f-idx"), DatasetError, "f-idx", /with 255 dimensions \(8 of 1024 bytes\)/);
  });

  it("refuses a gzip bomb without unpacking it all", () => {
    // 17 gzip members of 16 MiB of zeros: 272 MiB unpacked from ~280 kB, past the 256 MiB limit.
    const member = gzipSync(Buffer.alloc(16 << 20), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 17 }, () => member));
    const f = file("train-images-idx3-ubyte.gz", bomb);
    expectThrows(counter, () => parseIdx(readBytes(f), f), DatasetError, f, /unpacks to more than 268435456 bytes/);
  });

  it("refuses out-of-range labels, mismatched counts, and what is not a regular file", () => {
    const imgs = file("i", IMAGES);
    const l10 = file("l", idxBytes([2], [1, 10]));
    expectThrows(counter, () => loadIdxPair(imgs, l10, 10), DatasetError, l10, /label 10 at index 1 is out of range 0\.\.9/);
    const l3 = file("l", idxBytes([3], [1, 2, 3]));
    expectThrows(counter, () => loadIdxPair(imgs, l3, 10), DatasetError, l3, /has 3 labels but .* has 2 images/);
    const d = dir("train-images-idx3-ubyte");
    expectThrows(counter, () => readBytes(d), DatasetError, d, /a directory/);
    const p = fifo("train-images-idx3-ubyte");
    expectThrows(counter, () => readBytes(p), DatasetError, p, /not a regular file/);
    const z = link("train-images-idx3-ubyte", "/dev/zero");
    expectThrows(counter, () => readBytes(z), DatasetError, z, /not a regular file/);
    const missing = path.join(root, "nope-idx3-ubyte");
    expectThrows(counter, () => readBytes(missing), DatasetError, missing, /file not found/);
    // A folder holding only half of a split names the missing partner.
    const folder = dir("mnist");
    writeFileSync(path.join(folder, "t10k-images-idx3-ubyte"), IMAGES);
    expectThrows(counter, () => loadIdxDataset("mnist", "test", path.dirname(folder)), DatasetError, "t10k-labels-idx1-ubyte", /missing mnist test file/);
    expect(parseIdxLabels(LABELS, "l", 10)).toEqual(Uint8Array.of(1, 9));
    expect(parseIdxImages(IMAGES, "i").count).toBe(2);
  });

  it("property: arbitrary and mutated IDX bytes (plain and gzipped) never throw anything but a DatasetError", () => {
    const valid = [IMAGES, LABELS, gzipSync(IMAGES), gzipSync(LABELS)];
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 256 }),
      fc.uint8Array({ maxLength: 64 }).map((b) => Uint8Array.from([0x1f, 0x8b, ...b])),
      fc.tuple(fc.nat(valid.length - 1), fc.array(fc.tuple(fc.nat(80), fc.nat(255)), { minLength: 1, maxLength: 4 }), fc.option(fc.nat(80))).map(([which, flips, cut]) => {
        const b = Uint8Array.from(valid[which]);
        for (const [at, v] of flips) if (at < b.length) b[at] = v;
        return cut === null ? b : b.subarray(0, cut);
      }),
    );
    fc.assert(
      fc.property(input, fc.boolean(), (bytes, asLabels) => {
        properties.add();
        try {
          if (asLabels) parseIdxLabels(bytes, "fuzz-idx", 10);
          else parseIdx(bytes, "fuzz-idx");
        } catch (e) {
          if (!(e instanceof DatasetError) || !e.message.startsWith("fuzz-idx: ")) throw e;
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe("CIFAR-10 binary", () => {
  const records = encodeCifar10Records(new Uint8Array(2 * 3072), [3, 7]);
  const cases: [string, Uint8Array, RegExp][] = [
    ["a zero-length batch", new Uint8Array(0), /holds no records \(the file is empty/],
    ["a truncated record", records.subarray(0, records.length - 1), /size 6145 is not a multiple of the 3073-byte CIFAR-10 record \(truncated/],
    ["CIFAR-100's 3074-byte records", new Uint8Array(3 * 3074), /is not a multiple of the 3073-byte CIFAR-10 record/],
    ["the Python pickle version", Uint8Array.from([0x80, 0x02, 0x7d, 0x71, 0x00]), /is this the binary version\?/],
    ["label 10", Uint8Array.from([...records.subarray(0, 3073), 10, ...new Uint8Array(3072)]), /record 1 has label 10, expected 0\.\.9/],
    ["label 255", Uint8Array.from([255, ...new Uint8Array(3072)]), /record 0 has label 255/],
  ];
  for (const [name, bytes, problem] of cases) {
    it(`refuses ${name}`, () => {
      expectThrows(counter, () => decodeCifar10(bytes, "cifar/data_batch_1.bin"), DatasetError, "cifar/data_batch_1.bin", problem);
    });
  }

  it("names a missing, empty or non-regular batch file of a folder", () => {
    const folder = dir("cifar-10-batches-bin");
    for (const f of ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"]) writeFileSync(path.join(folder, f), records);
    const test = path.join(folder, "test_batch.bin");
    expectThrows(counter, () => loadCifar10("test", path.dirname(folder)), DatasetError, test, /missing CIFAR-10 test file/);
    writeFileSync(test, "");
    expectThrows(counter, () => loadCifar10("test", path.dirname(folder)), DatasetError, test, /holds no records/);
    rmSync(test);
    mkdirSync(test);
    expectThrows(counter, () => loadCifar10("test", path.dirname(folder)), DatasetError, test, /missing CIFAR-10 test file/);
    expect(loadCifar10("train", path.dirname(folder)).count).toBe(10);
  });
});

describe("sweep files", () => {
  const base = { name: "s", base: { data: { dataset: "synthetic" } }, grid: { arch: ["resnet-8"] } };
  const json = (o: unknown) => JSON.stringify(o);
  const cases: [string, string, string | Uint8Array, RegExp][] = [
    ["zero-length JSON", "s.json", "", /not valid JSON/],
    ["zero-length YAML", "s.yaml", "", /\(root\): .*object/],
    ["invalid JSON", "s.json", "{name: s}", /not valid JSON/],
    ["invalid YAML", "s.yaml", "name: [unclosed", /not valid YAML/],
    ["a YAML alias bomb", "s.yaml", `a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`, /not valid YAML|resource exhaustion|alias/i],
    ["invalid UTF-8", "s.json", Buffer.from([0x7b, 0x22, 0x6e, 0xff, 0x22, 0x7d]), /not valid UTF-8 text/],
    ["null", "s.json", "null", /\(root\)/],
    ["an array", "s.json", "[]", /\(root\)/],
    ["no name", "s.json", json({ grid: {} }), /name/],
    ["a grid value that is not a list", "s.json", json({ ...base, grid: { arch: "resnet-8" } }), /grid\.arch/],
    ["an empty grid list", "s.json", json({ ...base, grid: { arch: [] } }), /grid\.arch/],
    ["an unknown base section (typo)", "s.json", json({ ...base, base: { modle: { depth: 14 } } }), /base\.modle: unknown section/],
    ["an unknown base field (typo)", "s.json", json({ ...base, base: { training: { epoch: 3 } } }), /base\.training\.epoch: unknown field/],
    ["a base section that is not an object", "s.json", json({ ...base, base: { model: 5 } }), /base\.model: must be an object/],
    ["a grid of 10^8 runs", "s.json", json({ ...base, grid: { "training.seed": Array.from({ length: 10_000 }, (_, i) => i), "training.lr": Array.from({ length: 10_000 }, (_, i) => i + 1) } }), /grid: 100000000 combinations, more than the 10000/],
    ["a 20 MB file", "s.json", " ".repeat(20 << 20), /more than/],
  ];
  for (const [name, fileName, content, problem] of cases) {
    it(`refuses ${name}`, async () => {
      const f = file(fileName, content);
      await expectRejects(counter, readSweep(f), SweepError, f, problem);
    });
  }

  const expandCases: [string, object, RegExp][] = [
    ["an unknown grid key", { ...base, grid: { foo: [1] } }, /grid key "foo" must be arch, trainable or data\.X/],
    ["an unknown grid field (typo)", { ...base, grid: { "model.dept": [8] } }, /grid key "model\.dept": unknown field/],
    ["a grid key too deep", { ...base, grid: { "model.depth.x": [8] } }, /grid key "model\.depth\.x"/],
    ["an architecture that is not a string", { ...base, grid: { arch: [42] } }, /arch 42 is not an architecture name/],
    ["an unknown architecture", { ...base, grid: { arch: ["densenet-40"] } }, /unknown architecture "densenet-40"/],
    ["a depth that is not 6n+2", { ...base, grid: { arch: ["resnet-19"] } }, /model\.depth: depth must be of the form 6n\+2/],
    ["an unknown trainable mode", { ...base, grid: { trainable: ["most"] } }, /trainable "most" is not one of/],
    ["a value of the wrong type", { ...base, grid: { "training.epochs": ["ten"] } }, /training\.epochs/],
  ];
  for (const [name, sweep, problem] of expandCases) {
    it(`refuses ${name}`, async () => {
      const f = file("s.json", json(sweep));
      await expectRejects(
        counter,
        readSweep(f).then((s) => expandSweep(s, f)),
        SweepError,
        f,
        problem,
      );
    });
  }

  it("refuses a directory and a FIFO, and reads the good base", async () => {
    const d = dir("s.json");
    await expectRejects(counter, readSweep(d), SweepError, d, /a directory/);
    const p = fifo("s.yaml");
    await expectRejects(counter, readSweep(p), SweepError, p, /not a regular file/);
    const f = file("s.json", json(base));
    expect(expandSweep(await readSweep(f), f)).toHaveLength(1);
  });
});
