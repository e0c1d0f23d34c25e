/**
 * The bad-input matrix for the command line: `node bin/bnlab.mjs …` with bad flags, bad values and
 * bad files. Each case must exit non-zero, say in stderr what was wrong and with which flag or
 * file, print no stack trace, and leave files it was given as they were.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { caseCounter, checkpointBytes, mkfifo, writeRun } from "./bad-input-support";

const BIN = fileURLToPath(new URL("../../bin/bnlab.mjs", import.meta.url));
const counter = caseCounter("bad-input cases tried (CLI)");
const tmp = mkdtempSync(path.join(tmpdir(), "bnlab-badcli-"));
afterAll(() => {
  counter.done();
  rmSync(tmp, { recursive: true, force: true });
});

const at = (...p: string[]) => path.join(tmp, ...p);
function put(name: string, content: string | Uint8Array): string {
  const f = at(name);
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, content);
  return f;
}

// Files the cases read; each is checked unchanged at the end.
const sweepBase = { name: "s", base: { data: { dataset: "synthetic" } }, grid: { arch: ["resnet-8"] } };
const files = {
  notJson: put("bad.json", "{ not json"),
  nullJson: put("null.json", "null"),
  arrayJson: put("array.json", "[1, 2]"),
  typo: put("typo.json", JSON.stringify({ training: { epoch: 3 } })),
  section: put("section.json", JSON.stringify({ modle: { depth: 14 } })),
  badDepth: put("depth.json", JSON.stringify({ model: { depth: 19 } })),
  utf8: put("utf8.json", Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])),
  sweepTypo: put("sweep-typo.json", JSON.stringify({ ...sweepBase, base: { training: { epoch: 3 } } })),
  sweepArch: put("sweep-arch.json", JSON.stringify({ ...sweepBase, grid: { arch: [42] } })),
  sweepHuge: put("sweep-huge.json", JSON.stringify({ ...sweepBase, grid: { "training.seed": Array.from({ length: 1000 }, (_, i) => i), "training.lr": Array.from({ length: 1000 }, (_, i) => i + 1) } })),
  sweepYaml: put("sweep.yaml", "name: [unclosed"),
  sweepEmpty: put("empty.json", ""),
  checkpoint: put("ckpt.safetensors", checkpointBytes()),
};
const fifo = at("fifo.json");
mkfifo(fifo);
const aFile = put("a-file", "x");
const snapshot = new Map(Object.values(files).map((f) => [f, { bytes: readFileSync(f), mtime: statSync(f).mtimeMs }]));

interface Result {
  code: number | null;
  out: string;
  err: string;
  ms: number;
}

function bnlab(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: tmp,
      env: { ...process.env, BNLAB_DATA_DIR: at("data"), DATABASE_URL: `file:${at("cli.db")}`, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (err += String(d)));
    // A case that hangs (a FIFO read, an endless loop) is killed and fails below.
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, ms: Date.now() - started });
    });
  });
}

/** [name, args, what stderr must say (the flag or file, and the problem), extra env] */
type Case = [string, string[], RegExp, Record<string, string>?];

const long = "x".repeat(100_000);
const CASES: Case[] = [
  ["an unknown command", ["frobnicate"], /unknown command "frobnicate"/],
  ["an unknown flag", ["train", "--bogus"], /Unknown option '--bogus'/],
  ["a flag without its value", ["train", "--epochs"], /--epochs/],
  ["a non-number", ["train", "--epochs", "ten"], /--epochs must be a number, got "ten"/],
  ["a fractional integer", ["train", "--epochs", "1.5"], /--epochs must be an integer, got "1\.5"/],
  ["a negative count", ["train", "--epochs=-1"], /invalid training\.epochs/],
  ["an overflowing number", ["train", "--lr", "1e999"], /--lr must be a number, got "1e999"/],
  ["NaN", ["train", "--lr", "NaN"], /--lr must be a number, got "NaN"/],
  ["Infinity", ["train", "--momentum", "Infinity"], /--momentum must be a number/],
  ["a zero batch size", ["train", "--batch-size", "0"], /training\.batchSize/],
  ["a bad milestone list", ["train", "--milestones", "10,x"], /--milestones must be a number, got "10,x"/],
  ["a negative seed", ["train", "--seed=-3"], /invalid training\.seed/],
  ["a dash-looking value", ["train", "--seed", "-3"], /Option '--seed' argument is ambiguous/],
  ["an unknown dataset", ["train", "--dataset", "imagenet"], /data\.dataset/],
  ["an unknown mode", ["train", "--trainable", "most"], /--trainable must be one of .*got "most"/],
  ["an unknown group", ["train", "--train-groups", "bn,gamma"], /gamma/],
  ["both group flags", ["train", "--train-groups", "bn", "--freeze-groups", "bn"], /--train-groups or --freeze-groups, not both/],
  ["an unknown architecture", ["train", "--arch", "densenet-40"], /unknown architecture "densenet-40"/],
  ["a depth that is not 6n+2", ["arch", "resnet-19"], /depth 19 is not of the form 6n\+2/],
  ["a depth that would never finish building", ["arch", "resnet-6000000002"], /depth 6000000002 is more than bnlab builds \(at most 6002\)/],
  ["a 20-digit depth", ["arch", "resnet-99999999999999999999"], /depth .* (is not of the form|is more than)/],
  ["a width no machine holds", ["arch", "resnet-20", "--width", "100000000"], /width 100000000 is more than bnlab builds/],
  ["a huge width for training", ["train", "--width", "100000000"], /model\.width/],
  ["a zero width", ["arch", "resnet-20", "--width", "0"], /--width must be an integer ≥ 1, got "0"/],
  ["a 100,000-character architecture", ["arch", long], /unknown architecture/],
  ["a stray argument", ["train", "extra"], /Unexpected argument 'extra'/],
  ["a 100,000-character flag value", ["train", "--epochs", long], /--epochs must be a number, got "x+\.\.\./],
  ["a missing config file", ["train", "--config", at("missing.json")], new RegExp(`${at("missing.json")}: cannot read the config \\(cannot read \\(ENOENT\\)\\)`)],
  ["a config that is not JSON", ["train", "--config", files.notJson], new RegExp(`${files.notJson}: cannot read the config \\(not valid JSON`)],
  ["a config that is null", ["train", "--config", files.nullJson], new RegExp(`${files.nullJson}: not a run config: expected a JSON object`)],
  ["a config that is an array", ["train", "--config", files.arrayJson], new RegExp(`${files.arrayJson}: not a run config`)],
  ["a config with a typo", ["train", "--config", files.typo], new RegExp(`${files.typo}: not a run config: training\\.epoch: unknown field`)],
  ["a config with an unknown section", ["train", "--config", files.section], new RegExp(`${files.section}: not a run config: unknown section "modle"`)],
  ["a config with a bad depth", ["train", "--config", files.badDepth], new RegExp(`${files.badDepth}: not a run config: model\\.depth`)],
  ["a config with invalid UTF-8", ["train", "--config", files.utf8], new RegExp(`${files.utf8}: cannot read the config \\(is not valid UTF-8 text`)],
  ["a config that is a FIFO", ["train", "--config", fifo], /fifo\.json: cannot read the config \(cannot read \(not a regular file\)\)/],
  ["a config that is a directory", ["train", "--config", tmp], /cannot read the config \(cannot read \(a directory\)\)/],
  ["a runs dir under a file", ["train", "--dataset", "synthetic", "--epochs", "1", "--runs-dir", path.join(aFile, "runs")], /cannot write to the runs directory .*a-file\/runs \(ENOTDIR\)/],
  ["a missing sweep file", ["sweep", at("nope.json"), "--list"], /nope\.json: cannot read \(ENOENT\)/],
  ["a sweep file that is not JSON", ["sweep", files.notJson, "--list"], /bad\.json: not valid JSON/],
  ["a zero-length sweep file", ["sweep", files.sweepEmpty, "--list"], /empty\.json: not valid JSON/],
  ["a sweep file that is not YAML", ["sweep", files.sweepYaml, "--list"], /sweep\.yaml: not valid YAML/],
  ["a sweep with a typo", ["sweep", files.sweepTypo, "--list"], /sweep-typo\.json: base\.training\.epoch: unknown field/],
  ["a sweep with a numeric architecture", ["sweep", files.sweepArch, "--list"], /sweep-arch\.json: arch 42 is not an architecture name/],
  ["a sweep of a million runs", ["sweep", files.sweepHuge, "--list"], /sweep-huge\.json: grid: 1000000 combinations, more than the 10000/],
  ["a sweep that is a FIFO", ["sweep", fifo, "--list"], /fifo\.json: cannot read \(not a regular file\)/],
  ["two sweep files", ["sweep", files.sweepTypo, files.sweepArch], /give one sweep file/],
  ["a bad --save-every", ["sweep", files.sweepTypo, "--save-every", "0"], /--save-every must be an integer ≥ 1, got "0"|sweep-typo/],
  ["two runs directories", ["ingest", "a", "b"], /give at most one runs directory/],
  ["a runs directory that does not exist", ["ingest", at("no-such-runs")], /no-such-runs: no such runs directory/],
  ["a runs directory that is a file", ["ingest", aFile], /a-file: not a directory/],
  ["a bad DATABASE_URL", ["runs"], /DATABASE_URL="mysql:\/\/x": DATABASE_URL must start with postgresql/, { DATABASE_URL: "mysql://x" }],
  ["an unknown data subcommand", ["data", "frobnicate"], /unknown subcommand "frobnicate"/],
  ["fetching what cannot be fetched", ["data", "fetch", "mnist"], /cannot fetch "mnist"/],
  ["a missing archive", ["data", "fetch", "cifar10", "--from", at("none.tar.gz")], /none\.tar\.gz: file not found/],
  ["an archive that is not one", ["data", "fetch", "cifar10", "--from", files.checkpoint, "--no-verify"], /ckpt\.safetensors/],
  ["--no-verify without --from", ["data", "fetch", "cifar10", "--no-verify"], /--no-verify only applies to --from/],
  ["a zero concurrency", ["worker", "--concurrency", "0"], /--concurrency must be an integer ≥ 1, got "0"|DATABASE_URL/],
  ["a port out of range", ["start", "--no-train", "--port", "99999"], /--port must be at most 65535, got "99999"/],
  ["a port that is not a number", ["start", "--no-train", "--port", "http"], /--port must be an integer ≥ 1, got "http"/],
  ["a PORT out of range", ["start", "--no-train"], /--port must be at most 65535, got "70000"/, { PORT: "70000" }],
  ["an unknown queue subcommand", ["queue", "frobnicate"], /unknown subcommand "frobnicate"/],
  ["a 5,000-character runs directory", ["ingest", `${tmp}/${"d".repeat(5000)}`], /d{20}\.\.\..*no such runs directory/],
];

/** The CLI's own entry, in this process: the same code as bin/bnlab.mjs minus Node's start-up. */
async function inProcess(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const { main } = await import("../../cli/main");
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.map(String).join(" ")));
  const error = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.map(String).join(" ")));
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const started = Date.now();
  let code: number | null;
  try {
    code = await main(args);
  } catch (e) {
    // main() must turn every error into a message and an exit code; one escaping is a failure.
    code = null;
    err.push(`main() threw:\n${(e as Error).stack}`);
  } finally {
    log.mockRestore();
    error.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { code, out: out.join("\n"), err: err.join("\n"), ms: Date.now() - started };
}

/** Cases also run as real processes: one or more per command, and every one whose failure would hang. */
const SPAWNED = new Set([
  "an unknown command",
  "a depth that would never finish building",
  "a config that is a FIFO",
  "a sweep that is a FIFO",
  "a runs directory that does not exist",
  "a bad DATABASE_URL",
  "fetching what cannot be fetched",
]);

function check(failures: string[], [name, args, pattern]: Case, r: Result, how: string): void {
  counter.add();
  const shown = `${name} (${how}): bnlab ${args.join(" ").slice(0, 120)} → exit ${r.code}\n${r.err.slice(0, 600)}`;
  if (r.code === 0 || r.code === null) failures.push(`${shown}\n  (exit code ${r.code}: expected non-zero)`);
  else if (!pattern.test(r.err)) failures.push(`${shown}\n  (stderr does not match ${pattern})`);
  else if (/\n\s+at /.test(r.err)) failures.push(`${shown}\n  (a stack trace in stderr)`);
  else if (r.err.length > 4000) failures.push(`${shown}\n  (stderr of ${r.err.length} characters)`);
}

describe("bnlab CLI on bad input", () => {
  const env = { BNLAB_DATA_DIR: at("data"), DATABASE_URL: `file:${at("cli.db")}` };

  it(`answers ${CASES.length} bad invocations with one clear line, a non-zero exit and no stack trace`, { timeout: 120_000 }, async () => {
    const failures: string[] = [];
    for (const c of CASES) check(failures, c, await inProcess(c[1], { ...env, ...c[3] }), "in process");
    expect(failures, failures.join("\n\n")).toEqual([]);
  });

  it(`answers ${SPAWNED.size} of them the same as a real process (bin/bnlab.mjs)`, { timeout: 120_000 }, async () => {
    const chosen = CASES.filter((c) => SPAWNED.has(c[0]));
    expect(chosen.length).toBe(SPAWNED.size);
    const results: Result[] = new Array(chosen.length);
    // Two at a time: the machine has two cores, and each case is a fresh Node process.
    let next = 0;
    await Promise.all(
      [0, 1].map(async () => {
        while (next < chosen.length) {
          const i = next++;
          results[i] = await bnlab(chosen[i][1], chosen[i][3]);
        }
      }),
    );
    const failures: string[] = [];
    chosen.forEach((c, i) => check(failures, c, results[i], "spawned"));
    expect(failures, failures.join("\n\n")).toEqual([]);
  });

  it("changed none of the files it was given", () => {
    for (const [f, before] of snapshot) {
      expect(readFileSync(f).equals(before.bytes), `${f} unchanged`).toBe(true);
      expect(statSync(f).mtimeMs, `${f} not rewritten`).toBe(before.mtime);
    }
  });

  it("indexes the good runs and reports the broken one when a runs dir holds a bad run", async () => {
    const runs = at("runs");
    mkdirSync(runs, { recursive: true });
    const good = writeRun(runs, 3);
    const bad = writeRun(runs, 4);
    writeFileSync(path.join(bad.dir, "run.json"), JSON.stringify({ formatVersion: 9 }));
    counter.add();
    const dbEnv = { ...env, DATABASE_URL: `file:${at("ingest.db")}` };
    const r = await inProcess(["ingest", runs], dbEnv);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/2 runs — 2 added, 0 updated, 0 unchanged, 1 broken/);
    expect(r.out).toContain(`broken ${bad.id}: ${path.join(bad.dir, "run.json")}: format version 9 is newer than this bnlab understands`);
    const list = await inProcess(["runs", "--json"], dbEnv);
    const rows = JSON.parse(list.out) as { id: string; status: string }[];
    expect(rows.find((x) => x.id === good.id)?.status).toBe("complete");
    expect(rows.find((x) => x.id === bad.id)?.status).toBe("broken");
  });
});
