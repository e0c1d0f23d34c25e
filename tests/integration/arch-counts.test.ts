/** `bnlab arch vgg-D --json` against open_lth's cifar_vgg_D built in PyTorch. */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { hasTorch, runPython } from "../support/torch";

const BIN = fileURLToPath(new URL("../../bin/bnlab.mjs", import.meta.url));
const SCRIPT = fileURLToPath(new URL("./pytorch_counts.py", import.meta.url));

describe.skipIf(!hasTorch)("bnlab arch vs PyTorch", () => {
  it("prints open_lth's VGG-11/13/16/19 counts exactly", () => {
    const depths = ["11", "13", "16", "19"];
    const torch = JSON.parse(runPython(SCRIPT, depths)) as Record<string, Record<string, number>>;
    for (const d of depths) {
      const r = spawnSync(process.execPath, [BIN, "arch", `vgg-${d}`, "--json"], { encoding: "utf8", timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ ...torch[d], shortcut: 0 });
    }
    expect(torch["16"].total).toBe(14_728_266);
  });
});
