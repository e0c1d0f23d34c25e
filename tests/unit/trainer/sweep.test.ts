import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { depthWidthSeries } from "../../../lib/analysis/depth-width-series";
import { expandSweep, readSweep, withPrecision } from "../../../trainer/sweep";

const dir = mkdtempSync(path.join(tmpdir(), "bnlab-sweep-"));
function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe("sweep files", () => {
  it("expands the paper's grid: 12 architectures × 4 modes × 2 seeds", async () => {
    const runs = expandSweep(await readSweep("trainer/sweeps/paper-cifar10.json"));
    expect(runs.length).toBe(96);
    expect(new Set(runs.map((r) => r.id)).size).toBe(96);
    expect(runs.every((r) => r.config.training.epochs === 160 && r.config.data.dataset === "cifar10")).toBe(true);
    expect(new Set(runs.map((r) => r.config.model.depth))).toEqual(new Set([14, 32, 56, 110, 218, 434, 866]));
    expect(new Set(runs.filter((r) => r.config.model.depth === 14).map((r) => r.config.model.width))).toEqual(new Set([16, 32, 64, 128, 256, 512]));
  });

  it("--precision sets every run's precision (and id); a grid over it still wins", async () => {
    const demo = await readSweep("trainer/sweeps/demo.json");
    const plain = expandSweep(demo);
    const bf16 = expandSweep(withPrecision(demo, "bf16"));
    expect(bf16.every((r) => r.config.training.precision === "bf16")).toBe(true);
    expect(bf16.map((r) => r.id).filter((id) => plain.some((p) => p.id === id))).toEqual([]);
    expect(expandSweep(withPrecision(demo, undefined)).map((r) => r.id)).toEqual(plain.map((r) => r.id));
    const gridded = { ...demo, grid: { ...demo.grid, "training.precision": ["fp32"] } };
    expect(expandSweep(withPrecision(gridded, "bf16")).every((r) => r.config.training.precision === "fp32")).toBe(true);
  });

  it("expands the demo sweep into valid runs", async () => {
    const runs = expandSweep(await readSweep("trainer/sweeps/demo.json"));
    expect(runs.length).toBeGreaterThanOrEqual(8);
    expect(new Set(runs.map((r) => r.config.training.trainable.join("+")))).toContain("bn");
  });

  it("gives both charts of Depth vs width at least three points per mode in the demo", async () => {
    const runs = expandSweep(await readSweep("trainer/sweeps/demo.json"));
    const rows = runs.map((r) => ({ dataset: r.config.data.dataset, depth: r.config.model.depth, width: r.config.model.width, mode: r.config.training.trainable.join("+") }));
    const modes = new Set(rows.map((r) => r.mode));
    expect(modes.size).toBe(4);
    for (const axis of ["depth", "width"] as const) {
      for (const mode of modes) {
        // the longest curve of this mode along the axis
        const longest = Math.max(0, ...depthWidthSeries(rows, axis).filter((c) => c.mode === mode).map((c) => c.rows.length));
        expect(longest, `${axis} points of ${mode}`).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it("grids: each grid over the one base, joined and deduplicated; not with grid", async () => {
    const f = file("g.json", JSON.stringify({ name: "g", base: { data: { dataset: "synthetic" } }, grids: [{ arch: ["resnet-8"], trainable: ["bn", "all"] }, { arch: ["resnet-8", "resnet-14"], trainable: ["bn"] }] }));
    const runs = expandSweep(await readSweep(f));
    expect(runs.map((r) => [r.config.model.depth, r.config.training.trainable.join("+")])).toEqual([[8, "bn"], [8, "bn+output+shortcut+other"], [14, "bn"]]);
    await expect(readSweep(file("both.json", JSON.stringify({ name: "b", grid: { arch: ["resnet-8"] }, grids: [{ arch: ["resnet-8"] }] })))).rejects.toThrow(/both\.json: give grid or grids, not both/);
  });

  it("reads YAML, deduplicates identical runs and keeps grid order", async () => {
    const f = file("s.yaml", "name: s\nbase:\n  data: {dataset: synthetic}\ngrid:\n  arch: [resnet-8, resnet-8, resnet-14]\n  training.seed: [0, 1]\n");
    const runs = expandSweep(await readSweep(f));
    expect(runs.map((r) => [r.config.model.depth, r.config.training.seed])).toEqual([[8, 0], [8, 1], [14, 0], [14, 1]]);
  });

  it("sweeps VGG, placements, shortcuts and the random-k control", () => {
    const runs = expandSweep({
      name: "v", base: { data: { dataset: "mnist" } },
      grid: { arch: ["vgg-11", "resnet-8"], trainable: ["bn", "random-k"], "model.bnPlacement": ["before-relu", "after-relu"] },
    });
    expect(runs).toHaveLength(8);
    expect(runs[0].config.model).toMatchObject({ family: "vgg", depth: 11 });
    expect(runs[1].config.model.bnPlacement).toBe("after-relu");
    expect(runs[2].config.training).toMatchObject({ trainable: [], randomK: 2 });
    expect(runs[2].id).toMatch(/^mnist-vgg11-random-k-/);
    expect(runs[4].id).toMatch(/^mnist-resnet8-w16-bn-/);
  });

  it("rejects bad files with the file and the problem", async () => {
    await expect(readSweep(path.join(dir, "missing.json"))).rejects.toThrow(/missing\.json: cannot read \(ENOENT\)/);
    await expect(readSweep(file("bad.json", "{"))).rejects.toThrow(/bad\.json: not valid JSON/);
    await expect(readSweep(file("noname.json", "{}"))).rejects.toThrow(/noname\.json: name/);
    const badKey = file("key.json", JSON.stringify({ name: "k", grid: { "training.nope.x": [1] } }));
    expect(() => expandSweep({ name: "k", base: {}, grid: { "training.nope.x": [1] } }, badKey)).toThrow(/grid key "training\.nope\.x"/);
    expect(() => expandSweep({ name: "k", base: {}, grid: { arch: ["resnet-19"] } }, "k.json")).toThrow(/6n\+2/);
    expect(() => expandSweep({ name: "k", base: {}, grid: { trainable: ["conv"] } }, "k.json")).toThrow(/trainable "conv"/);
    expect(() => expandSweep({ name: "k", base: {}, grid: { "training.lr": [-1] } }, "k.json")).toThrow(/k\.json: run \{"training\.lr":-1\}: training\.lr/);
  });
});
