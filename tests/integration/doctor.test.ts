/** `bnlab doctor`: the report, and its exit code on a healthy and on unhealthy set-ups. */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { DoctorReport } from "../../lib/doctor";

const BIN = fileURLToPath(new URL("../../bin/bnlab.mjs", import.meta.url));
const tmp = () => mkdtempSync(path.join(tmpdir(), "bnlab-doctor-"));

function doctor(env: Record<string, string>, ...args: string[]) {
  const clean = { ...process.env, BNLAB_BACKEND: "", BNLAB_RUNS_DIR: "", DATABASE_URL: "" };
  const r = spawnSync(process.execPath, [BIN, "doctor", ...args], { encoding: "utf8", timeout: 120_000, env: { ...clean, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("bnlab doctor", { timeout: 180_000 }, () => {
  it("passes a healthy set-up and reports every part", () => {
    const data = tmp();
    mkdirSync(path.join(data, "runs", "r1"), { recursive: true });
    writeFileSync(path.join(data, "runs", "r1", "run.json"), "x".repeat(2000));
    const r = doctor({ BNLAB_DATA_DIR: data });
    expect(r.code, r.out + r.err).toBe(0);
    for (const name of ["backend", "native ISA", "GPU", "data folder", "dataset mnist", "database", "runs folder"]) {
      expect(r.out).toMatch(new RegExp(`^(ok  |warn)  ${name}\\s`, "m"));
    }
    expect(r.out).toContain(`${path.join(data, "runs")}: 1 runs, 2 kB`);
    expect(r.out).toMatch(/The main job can run/);

    const json = JSON.parse(doctor({ BNLAB_DATA_DIR: data }, "--json").out) as DoctorReport;
    expect(json.ok).toBe(true);
    expect(json.backends.all.map((b) => b.name)).toEqual(["node-gpu", "node", "native", "wasm", "cpu"]);
    expect(json.backends.chosen).toBe(json.backends.all.find((b) => b.available)!.name);
    expect(json.isa.isa).not.toBe("");
    expect(json.database).toMatchObject({ kind: "sqlite", applied: 0 });
    expect(json.database.pending.length).toBeGreaterThan(0);
    expect(json.runsDir).toMatchObject({ runs: 1, bytes: 2000, writable: true });
  });

  it("fails when the data folder is a file", () => {
    const file = path.join(tmp(), "not-a-folder");
    writeFileSync(file, "");
    const r = doctor({ BNLAB_DATA_DIR: file });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`^FAIL  data folder\\s+${file}: ${file} is a file, not a folder`, "m"));
    expect(r.out).toMatch(/The main job cannot run/);
  });

  it("fails when the runs folder cannot be created", () => {
    const file = path.join(tmp(), "a-file");
    writeFileSync(file, "");
    const r = doctor({ BNLAB_DATA_DIR: tmp(), BNLAB_RUNS_DIR: path.join(file, "runs") });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL {2}runs folder\s.*is a file, not a folder/m);
    expect(r.out).toMatch(/BNLAB_RUNS_DIR/);
  });

  it("fails when the forced backend is not available, and when DATABASE_URL is bad", () => {
    const forced = doctor({ BNLAB_DATA_DIR: tmp(), BNLAB_BACKEND: "node" });
    expect(forced.code).toBe(1);
    expect(forced.out).toMatch(/^FAIL {2}backend\s+BNLAB_BACKEND=node is not available \(@tensorflow\/tfjs-node is not installed\)/m);
    const db = doctor({ BNLAB_DATA_DIR: tmp(), DATABASE_URL: "mysql://x" });
    expect(db.code).toBe(1);
    expect(db.out).toMatch(/^FAIL {2}database\s.*must start with postgresql:\/\//m);
  });
});
