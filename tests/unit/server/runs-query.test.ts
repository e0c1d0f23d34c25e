import { describe, expect, it } from "vitest";
import { arch } from "../../../lib/server/format";
import { lenientParse } from "../../../lib/server/figure-query";
import { filterRuns, isRunMode, RunListQuery, runListHref, selectionOf, type ListedRun } from "../../../lib/server/runs-query";

const listed = (id: string, depth: number, width: number, network: Partial<ListedRun> = {}): ListedRun => ({
  id, status: "complete", error: null, dataset: "mnist", family: "resnet", depth, width, bnPlacement: "before-relu", shortcut: "projection", architecture: null, bnInit: "uniform", mode: "bn", seed: 0, epochs: 2, epochsDone: 2,
  paramsTotal: 1, paramsTrainable: 1, finalTestAccuracy: 0.5, bestTestAccuracy: 0.5, backend: "native", createdAt: "2026-01-01T00:00:00Z",
  ...network,
});

describe("the runs list: one name per network, found by any of its names", () => {
  const runs = [listed("mnist-r8-bn-s0", 8, 16), listed("mnist-r8x32-bn-s0", 8, 32), listed("mnist-r20-bn-s0", 20, 16)];
  const ids = (q: string) => filterRuns(runs, { q } as Parameters<typeof filterRuns>[1]).map((r) => r.id);

  it("shows the display name", () => {
    expect(arch({ depth: 8, width: 32 })).toBe("WRN-8-2");
    expect(arch({ depth: 20, width: 16 })).toBe("ResNet-20");
    expect(arch({ family: "vgg", depth: 11, width: 16 })).toBe("VGG-11");
  });

  it("searches by any alias", () => {
    for (const q of ["wrn", "WIDE", "WRN-8-2", "ResNet-8 ×2", "resnet-8 width 32"]) expect(ids(q), q).toEqual(["mnist-r8x32-bn-s0"]);
    expect(ids("resnet-8")).toEqual(["mnist-r8-bn-s0", "mnist-r8x32-bn-s0"]);
    expect(ids("resnet-2")).toEqual([]);
    expect(ids("r20")).toEqual(["mnist-r20-bn-s0"]);
  });

  it("filters by family, BN placement, shortcut and BN init, and searches VGGs by name", () => {
    const more = [
      ...runs,
      listed("mnist-vgg11-bn-s0", 11, 16, { family: "vgg" }),
      listed("mnist-r20-after-bn-s0", 20, 16, { bnPlacement: "after-relu" }),
      listed("mnist-r20-plain-bn-s0", 20, 16, { shortcut: "none", bnInit: "fixed" }),
    ];
    const by = (s: object) => filterRuns(more, s as Parameters<typeof filterRuns>[1]).map((r) => r.id);
    expect(by({ family: "vgg" })).toEqual(["mnist-vgg11-bn-s0"]);
    expect(by({ q: "vgg-11" })).toEqual(["mnist-vgg11-bn-s0"]);
    expect(by({ bnPlacement: "after-relu" })).toEqual(["mnist-r20-after-bn-s0"]);
    expect(by({ shortcut: "none" })).toEqual(["mnist-r20-plain-bn-s0"]);
    expect(by({ bnInit: "fixed" })).toEqual(["mnist-r20-plain-bn-s0"]);
    expect(by({ family: "resnet", depth: 20 })).toEqual(["mnist-r20-bn-s0", "mnist-r20-after-bn-s0", "mnist-r20-plain-bn-s0"]);
  });
});

describe("the runs list's address", () => {
  it("warns about a mode no run can have, as it does about a sort", () => {
    const bad = lenientParse(RunListQuery, { mode: "zzz", sort: "bogus" });
    expect(bad.value.mode).toBeUndefined();
    expect(bad.problems).toHaveLength(2);
    expect(bad.problems[0]).toMatch(/^mode: must be a trainable mode \(all, bn, bn\+output, output, none, random-k, imported.*\(got "zzz"\)$/);
    expect(bad.problems[1]).toMatch(/^sort: /);
    for (const mode of ["bn", "bn+output", "bn+shortcut", "random-k", "imported"]) {
      expect(lenientParse(RunListQuery, { mode }).problems, mode).toEqual([]);
      expect(lenientParse(RunListQuery, { mode }).value.mode).toBe(mode);
    }
    expect(isRunMode("bn+bn")).toBe(false);
  });

  it("reads the ticked runs of `sel`, distinct, and never as a filter", () => {
    expect(selectionOf("a,b, a,,c")).toEqual(["a", "b", "c"]);
    expect(selectionOf(["a,b", "c"])).toEqual(["a", "b", "c"]);
    expect(selectionOf(undefined)).toEqual([]);
    expect(selectionOf(Array.from({ length: 150 }, (_, i) => `r${i}`).join(","))).toHaveLength(100);
    expect(runListHref(lenientParse(RunListQuery, { mode: "bn", sel: "a,b" }).value)).toBe("/?mode=bn");
  });
});
