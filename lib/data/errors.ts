import type { DatasetName } from "./types";

/** A dataset file that cannot be used; the message always starts with the file's path. */
export class DatasetError extends Error {
  override name = "DatasetError";
  readonly file: string;
  readonly problem: string;

  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.file = file;
    this.problem = problem;
  }
}

/** A dataset that is not on disk at all; the message says where we looked and how to get it. */
export class MissingDatasetError extends DatasetError {
  override name = "MissingDatasetError";
  readonly dataset: DatasetName;
  readonly searched: string[];
  readonly hint: string;

  constructor(dataset: DatasetName, searched: string[], hint: string) {
    const where = searched.length > 0 ? searched.join(", ") : "(nowhere)";
    super(searched[0] ?? dataset, `${dataset} not found`);
    this.message = `${dataset} not found (looked in ${where}). ${hint}`;
    this.dataset = dataset;
    this.searched = searched;
    this.hint = hint;
  }
}
