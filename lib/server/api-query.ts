/**
 * Query and path parameters of the HTTP API, validated with zod. Every parameter arrives as a
 * string; these schemas turn it into a number, a boolean or one of a fixed set, or reject it with
 * a message naming the parameter (a 400). Unknown parameters are rejected too, so a typo
 * (`treshold=`) is an error rather than a silently ignored default. An empty value (`?mode=`, as a
 * form's "any" option sends) counts as absent.
 */
import { z } from "zod";
import { ABLATION_MODES } from "../analysis/ablation";
import { DEFAULT_PRUNE_FRACTIONS, DEFAULT_RANDOM_SEEDS } from "../analysis/pruning";
import { RunStatus } from "../run/files";
import { DATASET_NAMES } from "../data/registry";
import { RUN_SORT_KEYS } from "../db/queries";
import { badRequest, describeQueryError, notFound } from "./errors";
import { runIdOf } from "./run-id";

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PRUNE_POINTS = 41;
export const MAX_RANDOM_SEEDS = 10;
/** Statuses of the index: the run.json statuses and "broken" (a file ingest could not read). */
export const RUN_STATUSES = [...RunStatus.options, "broken"] as const;

/** One of a fixed set of strings; the message lists them. */
export const oneOf = <const T extends readonly string[]>(values: T) =>
  z.enum(values as unknown as [T[number], ...T[number][]], { error: `must be one of ${values.join(", ")}` });

export function intParam(min: number, max: number) {
  return z
    .string()
    .trim()
    .regex(/^[-+]?\d{1,16}$/, "must be an integer")
    .transform(Number)
    .pipe(z.number().int().min(min, `must be ≥ ${min}`).max(max, `must be ≤ ${max}`));
}

/** A decimal number as a query writes it (no hex, no Infinity, no NaN). */
export const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

export function numberParam(min: number, max: number) {
  return z
    .string()
    .trim()
    .regex(NUMBER, "must be a number")
    .transform(Number)
    // 1e999 passes the pattern and becomes Infinity: say so rather than zod's "expected number, received number".
    .pipe(z.number({ error: "must be a finite number" }).min(min, `must be ≥ ${min}`).max(max, `must be ≤ ${max}`));
}

export const boolParam = z.enum(["true", "false", "1", "0"], { error: "must be true or false" }).transform((v) => v === "true" || v === "1");

export const formatParam = oneOf(["json", "csv"]).default("json");

/** A checkpoint epoch; absent means the run's last checkpoint. */
export const epochParam = intParam(0, 1_000_000).optional();

/** Test images to evaluate: the first N of the test split, or "all" of it. */
export const countParam = z.union([z.literal("all"), intParam(1, 1_000_000)], { error: 'must be a positive integer or "all"' }).optional();

/** A comma list of pruning fractions in [0, 1]; returned sorted ascending without repeats. */
export const fractionsParam = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const parts = s.split(",").map((p) => p.trim());
    const out: number[] = [];
    for (const p of parts) {
      if (!NUMBER.test(p) || !(Number(p) >= 0 && Number(p) <= 1)) {
        ctx.addIssue({ code: "custom", message: `each fraction must be a number in [0, 1], "${p}" is not` });
        return z.NEVER;
      }
      out.push(Number(p));
    }
    const sorted = [...new Set(out)].sort((a, b) => a - b);
    if (sorted.length > MAX_PRUNE_POINTS) {
      ctx.addIssue({ code: "custom", message: `at most ${MAX_PRUNE_POINTS} fractions` });
      return z.NEVER;
    }
    return sorted;
  })
  .default([...DEFAULT_PRUNE_FRACTIONS]);

export const RunsQuery = z.strictObject({
  dataset: oneOf(DATASET_NAMES).optional(),
  mode: z
    .string()
    .trim()
    .max(64, "must be at most 64 characters")
    .regex(/^[a-z]+(\+[a-z]+)*$/, 'must be a mode name such as bn, all or bn+output')
    .optional(),
  status: oneOf(RUN_STATUSES).optional(),
  depth: intParam(1, 10_000).optional(),
  width: intParam(1, 100_000).optional(),
  seed: intParam(0, Number.MAX_SAFE_INTEGER).optional(),
  q: z.string().trim().max(200, "must be at most 200 characters").optional(),
  sort: oneOf(RUN_SORT_KEYS).optional(),
  order: oneOf(["asc", "desc"]).optional(),
  page: intParam(1, 1_000_000).default(1),
  pageSize: intParam(1, MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  format: formatParam,
});

export const RunQuery = z.strictObject({});

export const MetricsQuery = z.strictObject({
  split: oneOf(["train", "test", "val"]).optional(),
  format: formatParam,
});

export const GammaQuery = z.strictObject({
  epoch: epochParam,
  /** The threshold of `fractionBelow`. */
  t: numberParam(0, 1e6).default(0.01),
  includeShortcut: boolParam.default(true),
  /** Bins of each histogram. */
  bins: intParam(1, 200).default(30),
  format: formatParam,
});

export const AblationQuery = z.strictObject({
  epoch: epochParam,
  threshold: numberParam(0, 1e6).default(0.01),
  mode: oneOf(ABLATION_MODES).default("zero"),
  count: countParam,
  includeShortcut: boolParam.default(true),
  format: formatParam,
});

export const PruningQuery = z.strictObject({
  epoch: epochParam,
  fractions: fractionsParam,
  /** Random-baseline replicates: seeds 0 … n−1. */
  seeds: intParam(1, MAX_RANDOM_SEEDS).default(DEFAULT_RANDOM_SEEDS.length),
  count: countParam,
  mode: oneOf(ABLATION_MODES).default("zero"),
  includeShortcut: boolParam.default(true),
  format: formatParam,
});

export const DepthWidthQuery = z.strictObject({
  dataset: oneOf(DATASET_NAMES).optional(),
  metric: oneOf(["final", "best"]).default("final"),
  format: formatParam,
});

/** The query of a request, validated; a bad or unknown parameter is a 400 naming it. */
export function parseQuery<S extends z.ZodType>(schema: S, request: Request): z.output<S> {
  const params = new URL(request.url).searchParams;
  const raw: Record<string, string> = {};
  for (const [k, v] of params) {
    if (Object.hasOwn(raw, k)) throw badRequest(`parameter "${k}" given more than once`);
    raw[k] = v;
  }
  const present = Object.fromEntries(Object.entries(raw).filter(([, v]) => v.trim() !== ""));
  const parsed = schema.safeParse(present);
  if (!parsed.success) throw badRequest(describeQueryError(parsed.error, raw));
  return parsed.data;
}

/** The `[id]` segment: a run id (./run-id), or a 404 without any lookup. */
export async function runIdParam(ctx: { params: Promise<{ id: string }> }): Promise<string> {
  const id = runIdOf((await ctx.params).id);
  if (id === null) throw notFound("no such run");
  return id;
}

/** The second argument of a `/api/runs/[id]/…` handler (Next 16: params is a promise). */
export interface RunContext {
  params: Promise<{ id: string }>;
}
