/**
 * `bnlab import` end to end, on networks PyTorch built or trained: the γ statistics bnlab indexes
 * equal PyTorch's (BN channels and |γ| < 0.01, per layer), the open_lth-style run's test accuracy
 * equals PyTorch's eval accuracy, re-importing changes nothing, and a pickle that would run code is
 * refused with nothing written or indexed.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, type Db } from "../../lib/db/client";
import { gammaSummaries, getRun, listRuns, runMetrics } from "../../lib/db/queries";
import { hasTorch, runPython } from "../support/torch";

const BIN = fileURLToPath(new URL("../../bin/bnlab.mjs", import.meta.url));
const SCRIPT = fileURLToPath(new URL("./import_fixtures.py", import.meta.url));

type Stats = [string, number, number][];
interface Expected {
  stats: Record<string, Stats>;
  test_accuracy_ep2: number;
}

describe.skipIf(!hasTorch)("bnlab import", { timeout: 600_000 }, () => {
  let src = "";
  let data = "";
  let marker = "";
  let expected: Expected;
  let db: Db;
  const env = () => ({ ...process.env, BNLAB_DATA_DIR: data, DATABASE_URL: "" });
  const bnlab = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, "import", ...args], { encoding: "utf8", timeout: 300_000, env: env() });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const runsRoot = () => path.join(data, "runs");
  const runIds = () => (existsSync(runsRoot()) ? readdirSync(runsRoot()).sort() : []);

  beforeAll(async () => {
    src = mkdtempSync(path.join(tmpdir(), "bnlab-import-src-"));
    data = mkdtempSync(path.join(tmpdir(), "bnlab-import-data-"));
    marker = path.join(src, "pwned");
    runPython(SCRIPT, [src, marker], 1_500_000);
    expected = JSON.parse(readFileSync(path.join(src, "expected.json"), "utf8")) as Expected;
    db = await openDb(env());
  }, 1_600_000);
  afterAll(async () => {
    await db?.close();
    for (const d of [src, data]) if (d) rmSync(d, { recursive: true, force: true });
  });

  /** bnlab's per-layer statistics from the index, as [layer, channels, count |γ| < 0.01]. */
  async function indexedStats(id: string, epoch: number): Promise<Stats> {
    const rows = await gammaSummaries(db, id, epoch);
    return rows.map((r) => [r.layer, r.channels, Math.round(r.fractionBelow001 * r.channels)]);
  }

  async function onlyRun(nameContains: string) {
    const { rows } = await listRuns(db, { q: nameContains });
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  it("refuses a pickle that calls os.system: marker never created, nothing written or indexed", async () => {
    const r = bnlab(path.join(src, "malicious.pth"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/malicious\.pth: refused: the pickle names the global "posix\.system"/);
    expect(existsSync(marker)).toBe(false);
    expect(runIds()).toEqual([]);
    expect((await listRuns(db)).total).toBe(0);
  });

  it("imports a torchvision resnet18: recognised, not evaluated without a dataset, γ statistics equal PyTorch's per layer", async () => {
    const r = bnlab(path.join(src, "resnet18.pth"), "--name", "r18");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/added import-r18-\w+: resnet18; 1 checkpoint; 20 BN layers/);
    const run = await onlyRun("r18");
    expect(run).toMatchObject({ status: "complete", mode: "imported", architecture: "resnet18", sourceFormat: "pytorch", sourcePath: path.join(src, "resnet18.pth") });
    expect(run.forwardUnavailable).toBe("no dataset named (import it again naming the dataset it was trained on)");
    const want = expected.stats["resnet18.pth"];
    expect(await indexedStats(run.id, 1)).toEqual(want);
    expect(want.reduce((s, l) => s + l[2], 0)).toBeGreaterThan(100);
  });

  it("re-importing the same file changes nothing; a changed file updates the same run", async () => {
    const before = runIds();
    const dir = path.join(runsRoot(), before[0]);
    const runJson = readFileSync(path.join(dir, "run.json"), "utf8");
    const r = bnlab(path.join(src, "resnet18.pth"), "--name", "r18");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^unchanged import-r18-/);
    expect(readFileSync(path.join(dir, "run.json"), "utf8")).toBe(runJson);
    // The same path now holding other weights (the nested ResNet-8 checkpoint).
    const moved = path.join(src, "resnet18.pth");
    const keep = path.join(src, "resnet18.orig");
    cpSync(moved, keep);
    cpSync(path.join(src, "nested.pth"), moved);
    try {
      const u = bnlab(moved, "--name", "r18");
      expect(u.code).toBe(0);
      expect(u.out).toMatch(/^updated import-r18-/);
      expect(runIds()).toEqual(before);
      const run = await onlyRun("r18");
      expect(run.architecture).toBe("cifar_resnet_8_16");
      expect(await indexedStats(run.id, 1)).toEqual(expected.stats["nested.pth"]);
    } finally {
      cpSync(keep, moved);
    }
  });

  it("imports the open_lth-style run: epochs in order, logger metrics, test accuracy equal to PyTorch's", async () => {
    const r = bnlab(path.join(src, "train_0123abcd"));
    // Evaluation starts a backend, which says which on stderr; no error may follow.
    expect(r.err).not.toMatch(/bnlab import:|broken/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/added import-train_0123abcd-replicate_1-\w+: cifar_resnet_8_16; 3 checkpoints/);
    const row = await onlyRun("train_0123abcd");
    expect(row).toMatchObject({ dataset: "fashion-mnist", depth: 8, width: 16, sourceFormat: "open_lth", forwardUnavailable: null, epochsDone: 2 });
    const run = await getRun(db, row.id);
    expect(run!.checkpoints.map((c) => c.epoch)).toEqual([0, 1, 2]);
    const metrics = await runMetrics(db, row.id);
    expect(metrics.filter((m) => m.split === "test").map((m) => m.epoch)).toEqual([0, 1, 2]);
    expect(await indexedStats(row.id, 2)).toEqual(expected.stats.open_lth);
    // Eval mode on the whole Fashion-MNIST test split, same normalisation: within 0.1 points.
    expect(Math.abs(100 * row.finalTestAccuracy! - 100 * expected.test_accuracy_ep2)).toBeLessThanOrEqual(0.1);
    expect(expected.test_accuracy_ep2, "trained well past chance").toBeGreaterThan(0.3);
  });

  it.each(["dataparallel.pth", "fp16.pth", "nested.pth"])("imports %s as cifar_resnet_8_16 with PyTorch's γ statistics", async (file) => {
    const r = bnlab(path.join(src, file));
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const row = await onlyRun(file.replace(".pth", "-"));
    expect(row.architecture).toBe("cifar_resnet_8_16");
    expect(await indexedStats(row.id, 1)).toEqual(expected.stats[file]);
    // Three channels of bn moved to |γ| < 0.01 or just above it before saving.
    expect(expected.stats[file][0][2]).toBeGreaterThanOrEqual(2);
  });

  it("a torchvision resnet18 named with a dataset it does not fit says why it is not evaluated", async () => {
    const r = bnlab(path.join(src, "resnet18.pth"), "--name", "r18fm", "--dataset", "fashion-mnist");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/no evaluation: the network takes 3 channels and has 1000 classes; fashion-mnist has 1 and 10/);
    const row = await onlyRun("r18fm");
    expect(row).toMatchObject({ architecture: "resnet18", dataset: "fashion-mnist", finalTestAccuracy: null });
  });

  it("--arch that contradicts the tensors is refused; unknown imports without an architecture", async () => {
    const bad = bnlab(path.join(src, "resnet18.pth"), "--name", "r18b", "--arch", "resnet50");
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--arch resnet50 does not fit .*resnet18/);
    const ok = bnlab(path.join(src, "resnet18.pth"), "--name", "r18u", "--arch", "unknown");
    expect(ok.code).toBe(0);
    const row = await onlyRun("r18u");
    expect(row).toMatchObject({ architecture: "unknown", forwardUnavailable: "unknown architecture" });
    expect(await indexedStats(row.id, 1)).toEqual(expected.stats["resnet18.pth"]);
  });

  it("leaves no temporary folders in the runs root", () => {
    expect(runIds().filter((n) => n.startsWith("."))).toEqual([]);
  });
});
