/** The index carries a run's family, BN placement and shortcut, and the random-k mode. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openDb } from "../../lib/db/client";
import { ingest } from "../../lib/db/ingest";
import { listRuns } from "../../lib/db/queries";
import { initBackend } from "../../lib/engine/backend";
import { createReporter } from "../../trainer/progress";
import { train } from "../../trainer/train";
import { tinyConfig } from "../support/runs";

describe("index of architecture variants", () => {
  it("stores family, placement, shortcut and the random-k mode, and filters by them", async () => {
    await initBackend({ log: () => {} });
    const runsDir = mkdtempSync(path.join(tmpdir(), "bnlab-variants-"));
    const quiet = createReporter({ quiet: true });
    const base = tinyConfig("bn", 0, 1);
    await train(base, { runsDir, reporter: quiet });
    await train({ ...base, model: { ...base.model, bnPlacement: "after-relu", shortcut: "identity" } }, { runsDir, reporter: quiet });
    await train({ ...base, training: { ...base.training, trainable: [], randomK: 2 } }, { runsDir, reporter: quiet });

    const dir = mkdtempSync(path.join(tmpdir(), "bnlab-variants-db-"));
    const db = await openDb({ DATABASE_URL: `file:${path.join(dir, "test.db")}` });
    try {
      expect(await ingest(db, runsDir)).toMatchObject({ runs: 3, added: 3, broken: [] });
      const { rows } = await listRuns(db, { sort: "id", order: "asc" });
      const shape = rows.map((r) => [r.family, r.bnPlacement, r.shortcut, r.mode]);
      expect(shape).toEqual(expect.arrayContaining([
        ["resnet", "before-relu", "projection", "bn"],
        ["resnet", "after-relu", "identity", "bn"],
        ["resnet", "before-relu", "projection", "random-k"],
      ]));
      expect((await listRuns(db, { shortcut: "identity" })).rows.map((r) => r.bnPlacement)).toEqual(["after-relu"]);
      expect((await listRuns(db, { family: "vgg" })).total).toBe(0);
      const randomK = rows.find((r) => r.mode === "random-k")!;
      // resnet-8 width 4, 2 weights per output channel: stem 4; blocks 4+4, 8+8, 16+16; projections 8, 16.
      expect(randomK.paramsTrainable).toBe(2 * (4 + 4 + 4 + 8 + 8 + 16 + 16 + 8 + 16));
    } finally {
      await db.close();
    }
  });
});
