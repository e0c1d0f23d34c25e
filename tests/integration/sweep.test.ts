import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { initBackend } from "../../lib/engine/backend";
import { createReporter } from "../../trainer/progress";
import { runSweep } from "../../trainer/run-sweep";
import { expandSweep, readSweep, runState } from "../../trainer/sweep";

await initBackend({ log: () => {} });

describe("sweep", () => {
  it("trains pending runs, stops when asked, and resumes on the next call", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "bnlab-sweep-"));
    const file = path.join(dir, "s.json");
    writeFileSync(file, JSON.stringify({
      name: "s",
      base: { data: { dataset: "synthetic", trainSubset: 64, testSubset: 32 }, model: { depth: 8, width: 4 }, training: { epochs: 2, batchSize: 32 } },
      grid: { trainable: ["bn", "output"], "training.seed": [0, 1] },
    }));
    const runs = path.join(dir, "runs");
    const controller = new AbortController();
    let steps = 0;
    const lines: string[] = [];
    const reporter = { ...createReporter({ quiet: true }), log: (l: string) => lines.push(l), progress: () => ++steps === 6 && controller.abort() };
    const first = await runSweep(file, { runsDir: runs, reporter, signal: controller.signal });
    expect(first).toMatchObject({ interrupted: true, trained: 1 });
    expect(lines[0]).toBe("sweep s: 4 runs — 0 done, 0 partial, 4 pending");
    const ids = expandSweep(await readSweep(file)).map((r) => r.id);
    expect((await Promise.all(ids.map((id) => runState(runs, id)))).map((s) => s.state)).toEqual(["done", "partial", "pending", "pending"]);

    lines.length = 0;
    const second = await runSweep(file, { runsDir: runs, reporter: { ...reporter, progress: () => {} } });
    expect(lines[0]).toBe("sweep s: 4 runs — 1 done, 1 partial, 2 pending");
    expect(second).toMatchObject({ interrupted: false, trained: 3 });
    expect((await Promise.all(ids.map((id) => runState(runs, id)))).every((s) => s.state === "done")).toBe(true);
  });
});
