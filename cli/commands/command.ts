import { parseArgs, type ParseArgsConfig } from "node:util";

export interface Command {
  name: string;
  help: string;
  /** Returns the exit code (0 when omitted). */
  run(argv: string[]): Promise<number | void>;
}

/** Bad flags or arguments: the CLI prints the message followed by the command's help. */
export class UsageError extends Error {}

/** node:util's parseArgs, with its errors turned into UsageErrors. */
export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Parses a flag value as an integer in [min, max], naming the flag on error. */
export function intFlag(name: string, value: string | undefined, min = 1, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${value}"`);
  if (n > max) throw new UsageError(`--${name} must be at most ${max}, got "${value}"`);
  return n;
}
