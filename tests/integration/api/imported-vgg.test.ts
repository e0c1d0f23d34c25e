/**
 * The API over imported VGGs that bnlab runs, both 1 channel and 10 classes, on Fashion-MNIST:
 * * a torchvision vgg11_bn (a small hidden width, its output layer fitted in PyTorch): the run says
 *   nothing is unavailable, and the ablation endpoint's unpruned and pruned (|γ| < 0.3 switched
 *   off) accuracies on the first 1000 test images equal PyTorch's on the same images;
 * * an open_lth-style run of cifar_vgg_11: evaluated at import, its test accuracy on the whole
 *   split equal to PyTorch's eval-mode accuracy, and pruned through the same endpoint;
 * * a VGG-BN imported before bnlab ran them (its run.json says so) is imported again, not left as it was.
 * Within 0.1 points: one image of 1000.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getJson as call } from "../../support/routes";
import { hasTorch, runPython } from "../../support/torch";

const tmp = mkdtempSync(path.join(tmpdir(), "bnlab-api-vgg-"));
process.env.DATABASE_URL = `file:${path.join(tmp, "api.db")}`;
process.env.BNLAB_DATA_DIR = path.join(tmp, "data");
process.env.BNLAB_RUNS_DIR = path.join(tmp, "data", "runs");

interface Expected {
  first1000: number;
  pruned03_first1000: number;
}

const points = (a: number, b: number) => Math.abs(100 * a - 100 * b);

describe.skipIf(!hasTorch)("API: imported VGGs on Fashion-MNIST", { timeout: 1_200_000 }, async () => {
  const src = path.join(tmp, "src");
  mkdirSync(src);
  runPython(path.resolve("tests/unit/models/torchvision_vgg.py"), [src, "vgg11_bn_fmnist", "--accuracy"], 1_200_000);
  runPython(path.resolve("tests/integration/open_lth_vgg.py"), [src], 1_200_000);
  const tv = (JSON.parse(readFileSync(path.join(src, "cases.json"), "utf8")) as (Expected & { name: string })[]).find((c) => c.name === "vgg11_bn_fmnist")!;
  const lth = JSON.parse(readFileSync(path.join(src, "expected.json"), "utf8")) as Expected & { test_accuracy: number };
  const { importPath } = await import("../../../lib/import/import");
  const { openDb } = await import("../../../lib/db/client");
  const { ingest } = await import("../../../lib/db/ingest");
  const runsDir = process.env.BNLAB_RUNS_DIR!;
  // The torchvision network: no test accuracy at import (the endpoint measures 1000 images).
  const [tvRun] = await importPath(path.join(src, "vgg11_bn_fmnist.pth"), { runsDir, codeVersion: "test", name: "tvvgg11", dataset: "fashion-mnist", evaluate: false });
  // The open_lth run names its dataset in hparams.log; evaluated on the whole test split at import.
  const [lthRun] = await importPath(path.join(src, "train_0badc0de"), { runsDir, codeVersion: "test" });
  const db = await openDb();
  expect((await ingest(db, runsDir)).broken).toEqual([]);
  afterAll(() => db.close());

  const runRoute = async (id: string) => call((await import("../../../app/api/runs/[id]/route")).GET, `/api/runs/${id}`, id);
  const ablation = async (id: string, threshold: number) => call((await import("../../../app/api/runs/[id]/ablation/route")).GET, `/api/runs/${id}/ablation?threshold=${threshold}`, id);

  it("recognises the torchvision network as vgg11_bn (1 channel, hidden width 64) with nothing unavailable", async () => {
    expect(tvRun.run.architecture).toEqual({ family: "torchvision_vgg_bn", depth: 11, inChannels: 1, classes: 10, hidden: 64 });
    const { status, body } = await runRoute(tvRun.id);
    expect(status).toBe(200);
    expect(body).toMatchObject({ mode: "imported", architecture: "vgg11_bn", dataset: "fashion-mnist", forwardUnavailable: null });
  });

  it("evaluates the torchvision network: unpruned and pruned accuracy equal to PyTorch's on the same 1000 images", async () => {
    const { status, body } = await ablation(tvRun.id, 0.3);
    expect(status, JSON.stringify(body)).toBe(200);
    const baseline = body.baseline as { accuracy: number; count: number };
    expect(baseline.count).toBe(1000);
    expect(tv.first1000, "its output layer was fitted: well past chance").toBeGreaterThan(0.3);
    expect(points(baseline.accuracy, tv.first1000)).toBeLessThanOrEqual(0.1);
    expect(body.removed as number).toBeGreaterThan(0);
    expect(points(body.accuracy as number, tv.pruned03_first1000)).toBeLessThanOrEqual(0.1);
  });

  it("evaluates the open_lth cifar_vgg_11 at import: test accuracy equal to PyTorch's on the whole split", async () => {
    expect(lthRun.run.architecture).toEqual({ family: "cifar_vgg", depth: 11, inChannels: 1, classes: 10 });
    expect(lthRun.run).toMatchObject({ dataset: "fashion-mnist", forwardUnavailable: null });
    expect(lthRun.run.test?.count).toBe(10_000);
    expect(lth.test_accuracy, "its fc was fitted: well past chance").toBeGreaterThan(0.5);
    expect(points(lthRun.run.test!.accuracy, lth.test_accuracy)).toBeLessThanOrEqual(0.1);
    const { status, body } = await runRoute(lthRun.id);
    expect(status).toBe(200);
    expect(body).toMatchObject({ mode: "imported", architecture: "cifar_vgg_11", forwardUnavailable: null, finalTestAccuracy: lthRun.run.test!.accuracy });
    // Indexed as bnlab's own VGG-11 (named and filtered as one); torchvision's is not a family of bnlab's.
    expect(body).toMatchObject({ family: "vgg", depth: 11, width: 16 });
    expect((await runRoute(tvRun.id)).body).toMatchObject({ family: "", depth: 0 });
  });

  it("prunes the open_lth cifar_vgg_11: unpruned and pruned accuracy equal to PyTorch's on the same 1000 images", async () => {
    const { status, body } = await ablation(lthRun.id, 0.3);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(points((body.baseline as { accuracy: number }).accuracy, lth.first1000)).toBeLessThanOrEqual(0.1);
    expect(body.removed as number).toBeGreaterThan(0);
    expect(points(body.accuracy as number, lth.pruned03_first1000)).toBeLessThanOrEqual(0.1);
  });

  it("imports again a VGG-BN that an earlier bnlab recorded as not run (no inChannels or hidden width then)", async () => {
    const file = path.join(tvRun.dir, "run.json");
    const old = JSON.parse(readFileSync(file, "utf8")) as { architecture: Record<string, unknown>; forwardUnavailable: string | null };
    old.architecture = { family: "torchvision_vgg_bn", depth: 11, classes: 10 };
    old.forwardUnavailable = "bnlab does not run vgg11_bn yet";
    writeFileSync(file, JSON.stringify(old));
    const [again] = await importPath(path.join(src, "vgg11_bn_fmnist.pth"), { runsDir, codeVersion: "test", name: "tvvgg11", dataset: "fashion-mnist", evaluate: false });
    expect(again.id).toBe(tvRun.id);
    expect(again.change).toBe("updated");
    expect(again.run).toMatchObject({ forwardUnavailable: null, architecture: { family: "torchvision_vgg_bn", depth: 11, inChannels: 1, classes: 10, hidden: 64 } });
    const [same] = await importPath(path.join(src, "vgg11_bn_fmnist.pth"), { runsDir, codeVersion: "test", name: "tvvgg11", dataset: "fashion-mnist", evaluate: false });
    expect(same.change).toBe("unchanged");
  });
});
