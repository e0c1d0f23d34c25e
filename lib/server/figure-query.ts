/**
 * Query parameters of the export routes and of the pages' URLs, validated with zod in the style
 * of ./api-query (every value a string; unknown parameters are a 400 in routes). Importable
 * from pages and client components: nothing here loads the database or tfjs.
 */
import { z } from "zod";
import { DATASET_NAMES } from "../data/registry";
import { ABLATION_MODES } from "../analysis/ablation";
import { COMPARE_FIGURES, RUN_FIGURES } from "../charts/run-figures";
import { boolParam, NUMBER, numberParam, oneOf } from "./api-query";
import { RUN_ID } from "./run-id";

export const EXPORT_FORMATS = ["svg", "png", "csv"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];


/** A threshold t > 0 (the figures draw a line at t, so 0 has no place). */
export const thresholdParam = z
  .string()
  .trim()
  .regex(NUMBER, "must be a number")
  .transform(Number)
  .pipe(z.number({ error: "must be a finite number" }).gt(0, "must be > 0").max(1e6, "must be ≤ 1000000"));

export const themeParam = z.enum(["light", "dark"], { error: "must be light or dark" });

export const epochParam = z
  .string()
  .trim()
  .regex(/^\d{1,7}$/, "must be a whole number")
  .transform(Number);

export const runIdString = z.string().trim().regex(RUN_ID, "must be a run id").refine((s) => !s.includes(".."), "must be a run id");

/** The sibling to overlay: a run id, or "none". */
export const siblingParam = z.union([z.literal("none"), runIdString]);

/** `a,b,c` (or the parameter repeated, joined by the caller): 1 to 12 distinct run ids in order. */
export const runListParam = z
  .string()
  .transform((s) => [...new Set(s.split(",").map((x) => x.trim()).filter(Boolean))])
  .pipe(z.array(runIdString).min(1, "must name at least one run").max(12, "at most 12 runs"));

// One enum, not enum.or(literal): a union's failure reads only "Invalid input".
const RUN_FIGURE_NAMES = [...RUN_FIGURES, "pruning-curve"] as const;
export const RunFigureName = z.enum(RUN_FIGURE_NAMES, { error: `must be one of ${RUN_FIGURE_NAMES.join(", ")}` });
export const CompareFigureName = z.enum(COMPARE_FIGURES, { error: `must be one of ${COMPARE_FIGURES.join(", ")}` });

export const formatParam = z.enum(EXPORT_FORMATS, { error: `must be one of ${EXPORT_FORMATS.join(", ")}` });

export const RunFigureQuery = z.strictObject({
  epoch: epochParam.optional(),
  t: thresholdParam.default(0.01),
  theme: themeParam.default("light"),
  sibling: siblingParam.optional(),
  format: formatParam.default("svg"),
});

export const RunFiguresZipQuery = RunFigureQuery.omit({ format: true });

export const CompareFigureQuery = z.strictObject({
  runs: runListParam,
  t: thresholdParam.default(0.01),
  theme: themeParam.default("light"),
  format: formatParam.default("svg"),
});

export const DEPTH_WIDTH_X = ["size", "params-total", "params-trainable"] as const;

export const DepthWidthFigureQuery = z.strictObject({
  dataset: z.enum(DATASET_NAMES as [string, ...string[]], { error: `must be one of ${DATASET_NAMES.join(", ")}` }).optional(),
  metric: z.enum(["final", "best"], { error: "must be final or best" }).default("final"),
  family: z.enum(["resnet", "wide"], { error: "must be resnet or wide" }).default("resnet"),
  x: z.enum(DEPTH_WIDTH_X, { error: `must be one of ${DEPTH_WIDTH_X.join(", ")}` }).default("size"),
  theme: themeParam.default("light"),
  format: formatParam.default("svg"),
});

/** `/api/runs/[id]/pruned` and `/mask`: the ablation route's parameters that choose the channels. */
export const PruneQuery = z.strictObject({
  epoch: epochParam.optional(),
  threshold: numberParam(0, 1e6).default(0.01),
  mode: oneOf(ABLATION_MODES).default("zero"),
  includeShortcut: boolParam.default(true),
});

/** Page search params (`string | string[] | undefined` each) as the strings a schema expects: repeats joined by commas, empties dropped. */
export function flatParams(sp: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sp)) {
    const s = Array.isArray(v) ? v.join(",") : v;
    if (s !== undefined && s.trim() !== "") out[k] = s;
  }
  return out;
}

/**
 * Parses a page's search params field by field: a bad value is dropped (and reported) instead of
 * failing the page, so a hand-edited bookmark still opens.
 */
export function lenientParse<S extends z.ZodObject>(schema: S, sp: Record<string, string | string[] | undefined>): { value: z.output<S>; problems: string[] } {
  const raw = flatParams(sp);
  const problems: string[] = [];
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    const field = schema.shape[k] as z.ZodType | undefined;
    if (!field) continue;
    const r = field.safeParse(v);
    if (r.success) kept[k] = v;
    else problems.push(`${k}: ${r.error.issues[0]?.message ?? "invalid"} (got "${v.length > 40 ? `${v.slice(0, 37)}...` : v}")`);
  }
  return { value: schema.parse(kept), problems };
}
