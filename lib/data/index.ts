/** bnlab's datasets: readers, the registry, normalisation, augmentation and batching. */
export type { DatasetInfo, DatasetName, ImageSet, Split } from "./types";
export { DatasetError, MissingDatasetError } from "./errors";
export { DEFAULT_DATA_DIR } from "./files";
export { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, loadIdxPair, parseIdx, parseIdxImages, parseIdxLabels, type IdxArray } from "./idx";
export { FASHION_MNIST_SYSTEM_DIR, loadIdxDataset, locateIdxDataset, mnistPackageDir, type IdxDatasetName } from "./mnist";
export { CIFAR10_FILES, CIFAR10_RECORD_BYTES, decodeCifar10, encodeCifar10Records, loadCifar10, locateCifar10 } from "./cifar10";
export { SYNTHETIC_DEFAULTS, syntheticDataset, syntheticPrototypes, type SyntheticOptions } from "./synthetic";
export { DATASETS, DATASET_NAMES, getDataset, isDatasetName, listDatasets, loadDataset, type DatasetListing, type LoadOptions } from "./registry";
export { normalizationTable, toFloat } from "./normalize";
export { CIFAR_PAD, cropFlipInto, sampleCropFlip, type CropFlip, type ImageShape } from "./augment";
export { batchCount, iterateBatches, type Batch, type BatchOptions } from "./batches";
export { selectExamples, splitHoldout, takeFirst } from "./subset";
