/** A file that bnlab cannot read, with the file named in the message. */
export class CheckpointError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    // A problem quoting the file's own contents (a megabyte-long name) is cut short.
    super(`${file}: ${problem.length > 1000 ? `${problem.slice(0, 997)}...` : problem}`);
  }
}
