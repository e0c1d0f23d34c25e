/** Schemas of the run directory's files: run.json and the lines of metrics.jsonl. */
import { z } from "zod";
import { CheckpointError } from "../checkpoint/errors";
import { decodeUtf8, MAX_METRICS_FILE_BYTES, readRegularFile, readTextFile } from "../checkpoint/read-file";
import { RunConfig } from "./config";

/** Bumped when run.json changes incompatibly; a reader refuses newer versions by name. */
export const RUN_FORMAT_VERSION = 1;

export const RunStatus = z.enum(["running", "complete", "interrupted", "failed"]);
export type RunStatus = z.infer<typeof RunStatus>;

export const RunFile = z.object({
  formatVersion: z.number().int().positive(),
  // A run id is a folder name and a URL segment: a plain name, never a path.
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/, "must be a plain run id (letters, digits, . _ + -; at most 200)")
    .refine((s) => !s.includes(".."), "must not contain .."),
  config: RunConfig,
  status: RunStatus,
  epochsDone: z.number().int().nonnegative(),
  parameters: z.object({ total: z.number().int(), trainable: z.number().int() }),
  codeVersion: z.string(),
  backend: z.string(),
  /** The precision that ran: training.precision, with auto resolved on the machine that trained. */
  precision: z.enum(["fp32", "bf16"]).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  error: z.string().optional(),
});
export type RunFile = z.infer<typeof RunFile>;

export const MetricLine = z.object({
  epoch: z.number().int().nonnegative(),
  step: z.number().int().nonnegative(),
  split: z.enum(["train", "test", "val"]),
  loss: z.number(),
  accuracy: z.number().min(0).max(1),
  lr: z.number(),
  seconds: z.number().nonnegative(),
  examplesPerSecond: z.number().nonnegative().optional(),
});
export type MetricLine = z.infer<typeof MetricLine>;

function describeZod(e: z.ZodError): string {
  return e.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}

/**
 * A run.json of any kind: JSON, a format version this bnlab understands, then the schema; `what`
 * names the file in errors ("run.json", "imported run.json").
 */
export function parseRunJson<T>(text: string, file: string, schema: z.ZodType<T>, what: string): T {
  return checkRunJson(runJsonValue(text, file), file, schema, what);
}

/** run.json's text as JSON (not yet checked), or an error naming the file: parsed once, then checked as the kind it says it is. */
export function runJsonValue(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(file, `not valid JSON (${(e as Error).message})`);
  }
}

/** A parsed run.json checked: a format version this bnlab understands, then the schema. */
export function checkRunJson<T>(json: unknown, file: string, schema: z.ZodType<T>, what: string): T {
  const version = (json as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === "number" && version > RUN_FORMAT_VERSION) {
    throw new CheckpointError(file, `format version ${version} is newer than this bnlab understands (${RUN_FORMAT_VERSION}); upgrade bnlab`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new CheckpointError(file, `not a valid ${what}: ${describeZod(parsed.error)}`);
  return parsed.data;
}

export function parseRunFile(text: string, file: string): RunFile {
  return parseRunJson(text, file, RunFile, "run.json");
}

export async function readRunFile(file: string): Promise<RunFile> {
  return parseRunFile(await readTextFile(file), file);
}

/** metrics.jsonl's text: a regular file of bounded size, strict UTF-8. */
export async function readMetricsText(file: string): Promise<string> {
  return decodeUtf8(await readRegularFile(file, MAX_METRICS_FILE_BYTES), file);
}

/**
 * Parses metrics.jsonl. A last line without its newline is a write cut short by a crash and
 * is ignored; any other bad line is an error naming the file and line.
 */
export function parseMetrics(text: string, file: string): MetricLine[] {
  const lines = text.split("\n");
  const complete = text.endsWith("\n") ? lines.slice(0, -1) : lines.slice(0, -1);
  const out: MetricLine[] = [];
  complete.forEach((line, i) => {
    if (line.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new CheckpointError(file, `line ${i + 1} is not valid JSON`);
    }
    const parsed = MetricLine.safeParse(json);
    if (!parsed.success) throw new CheckpointError(file, `line ${i + 1}: ${describeZod(parsed.error)}`);
    out.push(parsed.data);
  });
  return out;
}
