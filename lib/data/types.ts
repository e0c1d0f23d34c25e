/** The shapes every dataset reader returns; plain typed arrays, no tensors. */

export type DatasetName = "cifar10" | "mnist" | "fashion-mnist" | "synthetic";

export type Split = "train" | "test";

/** A set of images with their labels. `images` is NHWC uint8: count*height*width*channels bytes. */
export interface ImageSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  classes: number;
}

/** Static facts about a dataset; mean and std are per channel, on the 0..1 scale. */
export interface DatasetInfo {
  name: DatasetName;
  height: number;
  width: number;
  channels: number;
  classes: number;
  mean: number[];
  std: number[];
  trainCount: number;
  testCount: number;
}
