/**
 * The API over an imported torchvision ResNet that bnlab runs (1 channel, 10 classes, named with
 * Fashion-MNIST): the run says nothing is unavailable, and the ablation endpoint evaluates it — the
 * unpruned network's accuracy on the first 1000 test images equal to torchvision's own eval-mode
 * accuracy on them, and a threshold that removes channels answered with the pruned accuracy.
 */
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getJson as call } from "../../support/routes";
import { hasTorch, runPython } from "../../support/torch";

const tmp = mkdtempSync(path.join(tmpdir(), "bnlab-api-tv-"));
process.env.DATABASE_URL = `file:${path.join(tmp, "api.db")}`;
process.env.BNLAB_DATA_DIR = path.join(tmp, "data");
process.env.BNLAB_RUNS_DIR = path.join(tmp, "data", "runs");


describe.skipIf(!hasTorch)("API: an imported torchvision ResNet-18 on Fashion-MNIST", { timeout: 1_200_000 }, async () => {
  const src = path.join(tmp, "src");
  mkdirSync(src);
  runPython(path.resolve("tests/unit/models/torchvision_resnet.py"), [src, "resnet18_fmnist"], 1_200_000);
  const cases = JSON.parse(readFileSync(path.join(src, "cases.json"), "utf8")) as { name: string; first1000: number | null }[];
  const torchAccuracy = cases.find((c) => c.name === "resnet18_fmnist")!.first1000!;
  const { importPath } = await import("../../../lib/import/import");
  const { openDb } = await import("../../../lib/db/client");
  const { ingest } = await import("../../../lib/db/ingest");
  // No test accuracy at import (the whole split would take minutes here); the endpoint measures 1000 images.
  const [imported] = await importPath(path.join(src, "resnet18_fmnist.pth"), { runsDir: process.env.BNLAB_RUNS_DIR!, codeVersion: "test", name: "tv18", dataset: "fashion-mnist", evaluate: false });
  const db = await openDb();
  expect((await ingest(db, process.env.BNLAB_RUNS_DIR!)).broken).toEqual([]);
  afterAll(() => db.close());
  const id = imported.id;

  it("is recognised as resnet18 with nothing unavailable", async () => {
    const { status, body } = await call((await import("../../../app/api/runs/[id]/route")).GET, `/api/runs/${id}`, id);
    expect(status).toBe(200);
    expect(body).toMatchObject({ mode: "imported", architecture: "resnet18", dataset: "fashion-mnist", forwardUnavailable: null });
  });

  it("evaluates it: unpruned accuracy equal to torchvision's on the same 1000 images, pruned accuracy at a threshold", async () => {
    const { GET } = await import("../../../app/api/runs/[id]/ablation/route");
    const { status, body } = await call(GET, `/api/runs/${id}/ablation?threshold=0.3`, id);
    expect(status, JSON.stringify(body)).toBe(200);
    const baseline = body.baseline as { accuracy: number; count: number };
    expect(baseline.count).toBe(1000);
    expect(Math.abs(100 * baseline.accuracy - 100 * torchAccuracy)).toBeLessThanOrEqual(0.1);
    expect(body.removed as number).toBeGreaterThan(0);
    expect(body.accuracy as number).toBeGreaterThanOrEqual(0);
    expect(body.accuracy as number).toBeLessThanOrEqual(1);
  });
});
