import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cpuIsa, folderState, runsUsage } from "../../../lib/doctor/system";

const tmp = () => mkdtempSync(path.join(tmpdir(), "bnlab-doctor-"));

describe("doctor: folders", () => {
  it("tells a folder that exists, one that can be created, and one under a file", () => {
    const dir = tmp();
    expect(folderState(dir)).toEqual({ path: dir, exists: true, writable: true });
    expect(folderState(path.join(dir, "a", "b"))).toEqual({ path: path.join(dir, "a", "b"), exists: false, writable: true });
    writeFileSync(path.join(dir, "f"), "");
    expect(folderState(path.join(dir, "f", "runs"))).toMatchObject({ writable: false, problem: `${path.join(dir, "f")} is a file, not a folder` });
  });

  it("counts run folders and bytes", () => {
    const dir = tmp();
    mkdirSync(path.join(dir, "a", "ckpt"), { recursive: true });
    mkdirSync(path.join(dir, "b"));
    writeFileSync(path.join(dir, "a", "run.json"), "12345");
    writeFileSync(path.join(dir, "a", "ckpt", "ep-1.safetensors"), "1234567890");
    writeFileSync(path.join(dir, "b", "notes.txt"), "1");
    expect(runsUsage(dir)).toEqual({ bytes: 16, runs: 1 });
    expect(runsUsage(path.join(dir, "missing"))).toEqual({ bytes: 0, runs: 0 });
  });
});

describe("doctor: ISA", () => {
  it("names the ISA and where the answer came from", () => {
    const r = cpuIsa();
    expect(["oneDNN (native addon)", "/proc/cpuinfo", "unknown"]).toContain(r.source);
    if (r.source === "oneDNN (native addon)") expect(r.isa).toMatch(/^(sse41|avx|avx2|avx512_core\w*)$/);
  });
});
