/** The known datasets: static facts, where each is found, and one way to load any of them. */
import { cifar10Hint, loadCifar10, locateCifar10 } from "./cifar10";
import { idxHint, loadIdxDataset, locateIdxDataset } from "./mnist";
import { randomSubsetIndices, selectExamples, takeFirst } from "./subset";
import { SYNTHETIC_DEFAULTS, syntheticDataset, type SyntheticOptions } from "./synthetic";
import type { DatasetInfo, DatasetName, ImageSet, Split } from "./types";

const syn = SYNTHETIC_DEFAULTS;

export const DATASETS: Readonly<Record<DatasetName, DatasetInfo>> = {
  cifar10: {
    name: "cifar10", height: 32, width: 32, channels: 3, classes: 10,
    mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616], trainCount: 50000, testCount: 10000,
  },
  mnist: { name: "mnist", height: 28, width: 28, channels: 1, classes: 10, mean: [0.1307], std: [0.3081], trainCount: 60000, testCount: 10000 },
  "fashion-mnist": {
    name: "fashion-mnist", height: 28, width: 28, channels: 1, classes: 10, mean: [0.286], std: [0.353], trainCount: 60000, testCount: 10000,
  },
  synthetic: {
    name: "synthetic", height: syn.height, width: syn.width, channels: syn.channels, classes: syn.classes,
    mean: Array(syn.channels).fill(0.5), std: Array(syn.channels).fill(0.25), trainCount: syn.trainCount, testCount: syn.testCount,
  },
};

export const DATASET_NAMES = Object.keys(DATASETS) as DatasetName[];

export function isDatasetName(name: string): name is DatasetName {
  return Object.hasOwn(DATASETS, name);
}

/** The info for a dataset; an unknown name is an error that lists the known ones. */
export function getDataset(name: string): DatasetInfo {
  if (!isDatasetName(name)) throw new Error(`unknown dataset "${name}"; known datasets: ${DATASET_NAMES.join(", ")}`);
  return DATASETS[name];
}

export interface LoadOptions {
  split: Split;
  /** Folder for user-supplied data (default `data`). */
  dataDir?: string;
  /** Keep only N examples: the first N, or N at random when `subsetSeed` is given. */
  subset?: number;
  /** Draw the subset at random from this seed (`randomSubsetIndices`) instead of taking the first N. */
  subsetSeed?: number;
  /** For the synthetic dataset only; seed defaults to 0. */
  synthetic?: Partial<Omit<SyntheticOptions, "split">>;
}

export function loadDataset(name: string, opts: LoadOptions): ImageSet {
  const info = getDataset(name);
  let set: ImageSet;
  switch (info.name) {
    case "cifar10":
      set = loadCifar10(opts.split, opts.dataDir);
      break;
    case "mnist":
    case "fashion-mnist":
      set = loadIdxDataset(info.name, opts.split, opts.dataDir);
      break;
    case "synthetic":
      set = syntheticDataset({ seed: 0, ...opts.synthetic, split: opts.split });
      break;
  }
  if (opts.subset === undefined || opts.subset >= set.count) return set;
  return opts.subsetSeed === undefined ? takeFirst(set, opts.subset) : selectExamples(set, randomSubsetIndices(set.count, opts.subset, opts.subsetSeed));
}

export interface DatasetListing {
  name: DatasetName;
  available: boolean;
  /** The folder it loads from; null when missing or generated. */
  location: string | null;
  /** How to get it (or, when available, where it came from). */
  hint: string;
  trainCount: number;
  testCount: number;
}

/** What `bnlab data list` shows. Only checks that files exist; reads none. */
export function listDatasets(opts: { dataDir?: string } = {}): DatasetListing[] {
  return DATASET_NAMES.map((name) => {
    const { trainCount, testCount } = DATASETS[name];
    if (name === "synthetic") {
      return { name, available: true, location: null, hint: "generated from a seed; nothing to download", trainCount, testCount };
    }
    const location = name === "cifar10" ? locateCifar10(opts.dataDir) : locateIdxDataset(name, opts.dataDir);
    const hint = name === "cifar10" ? cifar10Hint(opts.dataDir) : idxHint(name, opts.dataDir);
    return { name, available: location !== null, location, hint, trainCount, testCount };
  });
}
