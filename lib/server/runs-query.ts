/**
 * The runs list's state in the URL — filters on every column, text search, sort and page — as a
 * zod schema (a bookmark is parsed, never trusted), and the filtering and sorting done on the
 * index's rows. Importable from the client (the filter bar) and the server (the page).
 */
import type { PublicRun } from "./serialize";
import { z } from "zod";
import { BN_PLACEMENTS, SHORTCUTS } from "../models/arch";
import { BN_INITS } from "../models/init";
import { matchesArchitecture } from "../models/names";
import { isTrainableMode, PARAM_GROUPS, RANDOM_K_MODE, TRAINABLE_CHOICES } from "../run/modes";

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,16}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const percent = z
  .string()
  .trim()
  .regex(/^\d{1,3}(\.\d+)?$/, "must be a percentage")
  .transform(Number)
  .pipe(z.number().min(0).max(100));

const text = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);

/** The mode of an imported run (lib/db/ingest). */
const IMPORTED_MODE = "imported";

/** A mode a run can have: a named mode, random-k, an imported run's, or parameter groups joined by "+" ("bn+shortcut"). */
export function isRunMode(mode: string): boolean {
  if (mode === RANDOM_K_MODE || mode === IMPORTED_MODE || isTrainableMode(mode)) return true;
  const groups = mode.split("+");
  return groups.every((g) => (PARAM_GROUPS as readonly string[]).includes(g)) && new Set(groups).size === groups.length;
}

export const RUN_SORTS = ["id", "dataset", "arch", "mode", "seed", "status", "epochs", "final", "best", "params", "backend", "started"] as const;
export type RunSort = (typeof RUN_SORTS)[number];

export const RunListQuery = z.strictObject({
  q: text(200).optional(),
  dataset: text(40).optional(),
  family: z.enum(["resnet", "vgg"], { error: "must be resnet or vgg" }).optional(),
  bnPlacement: z.enum(BN_PLACEMENTS, { error: `must be one of ${BN_PLACEMENTS.join(", ")}` }).optional(),
  shortcut: z.enum(SHORTCUTS, { error: `must be one of ${SHORTCUTS.join(", ")}` }).optional(),
  bnInit: z.enum(BN_INITS, { error: `must be one of ${BN_INITS.join(", ")}` }).optional(),
  depth: int(1, 10_000).optional(),
  width: int(1, 100_000).optional(),
  mode: text(64)
    .refine(isRunMode, `must be a trainable mode (${[...TRAINABLE_CHOICES, IMPORTED_MODE].join(", ")}, or parameter groups joined by "+")`)
    .optional(),
  seed: int(0, Number.MAX_SAFE_INTEGER).optional(),
  status: z.enum(["running", "complete", "interrupted", "failed", "broken", "missing"], { error: "must be a run status" }).optional(),
  epochsMin: int(0, 1_000_000).optional(),
  finalMin: percent.optional(),
  bestMin: percent.optional(),
  paramsMin: int(0, Number.MAX_SAFE_INTEGER).optional(),
  paramsMax: int(0, Number.MAX_SAFE_INTEGER).optional(),
  backend: text(40).optional(),
  since: z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD").optional(),
  sort: z.enum(RUN_SORTS, { error: `must be one of ${RUN_SORTS.join(", ")}` }).optional(),
  order: z.enum(["asc", "desc"]).optional(),
  page: int(1, 1_000_000).optional(),
});

export type RunListState = z.output<typeof RunListQuery>;

/** The fields of a run the list shows. */
export type ListedRun = Pick<
  PublicRun,
  | "id" | "status" | "error" | "dataset" | "family" | "depth" | "width" | "bnPlacement" | "shortcut" | "architecture" | "bnInit" | "mode" | "seed" | "epochs" | "epochsDone"
  | "paramsTotal" | "paramsTrainable" | "finalTestAccuracy" | "bestTestAccuracy" | "backend" | "createdAt"
>;

/** Runs per page: a page stays well under 300 KB of HTML. */
export const PAGE_SIZE = 50;

export function filterRuns(runs: readonly ListedRun[], s: RunListState): ListedRun[] {
  const q = s.q?.toLowerCase();
  const since = s.since ? Date.parse(`${s.since}T00:00:00Z`) : undefined;
  return runs.filter(
    (r) =>
      (!q || [r.id, r.dataset, r.mode, r.status, r.backend, r.error ?? ""].some((f) => f.toLowerCase().includes(q)) || matchesArchitecture(q, r)) &&
      (s.dataset === undefined || r.dataset === s.dataset) &&
      (s.family === undefined || r.family === s.family) &&
      (s.bnPlacement === undefined || r.bnPlacement === s.bnPlacement) &&
      (s.shortcut === undefined || r.shortcut === s.shortcut) &&
      (s.bnInit === undefined || r.bnInit === s.bnInit) &&
      (s.depth === undefined || r.depth === s.depth) &&
      (s.width === undefined || r.width === s.width) &&
      (s.mode === undefined || r.mode === s.mode) &&
      (s.seed === undefined || r.seed === s.seed) &&
      (s.status === undefined || r.status === s.status) &&
      (s.backend === undefined || r.backend === s.backend) &&
      (s.epochsMin === undefined || r.epochsDone >= s.epochsMin) &&
      (s.finalMin === undefined || (r.finalTestAccuracy !== null && r.finalTestAccuracy * 100 >= s.finalMin - 1e-9)) &&
      (s.bestMin === undefined || (r.bestTestAccuracy !== null && r.bestTestAccuracy * 100 >= s.bestMin - 1e-9)) &&
      (s.paramsMin === undefined || r.paramsTrainable >= s.paramsMin) &&
      (s.paramsMax === undefined || r.paramsTrainable <= s.paramsMax) &&
      (since === undefined || Date.parse(r.createdAt) >= since),
  );
}

const KEYS: Record<RunSort, (r: ListedRun) => string | number | null> = {
  id: (r) => r.id,
  dataset: (r) => r.dataset,
  // As the SQL orders it: family, depth, width, BN placement, shortcut (each column's binary order).
  arch: (r) => ((([ "", "resnet", "vgg"].indexOf(r.family) * 1e4 + r.depth) * 1e6 + r.width) * 2 + (r.bnPlacement === "before-relu" ? 1 : 0)) * 3 + ["identity", "none", "projection"].indexOf(r.shortcut),
  mode: (r) => r.mode,
  seed: (r) => r.seed,
  status: (r) => r.status,
  epochs: (r) => r.epochsDone,
  final: (r) => r.finalTestAccuracy,
  best: (r) => r.bestTestAccuracy,
  params: (r) => r.paramsTrainable,
  backend: (r) => r.backend,
  started: (r) => r.createdAt,
};

/** Default order: newest first. Missing values (an accuracy not yet measured) sort last either way. */
export function sortRuns(runs: readonly ListedRun[], s: RunListState): ListedRun[] {
  const sort = s.sort ?? "started";
  const dir = (s.order ?? (sort === "started" ? "desc" : "asc")) === "asc" ? 1 : -1;
  const key = KEYS[sort];
  return [...runs].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === null || y === null) return x === y ? a.id.localeCompare(b.id) : x === null ? 1 : -1;
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return c !== 0 ? dir * c : a.id.localeCompare(b.id);
  });
}

/** The query string of a state (defaults left out), with a patch applied. */
export function runListHref(s: RunListState, patch: Partial<Record<keyof RunListState, string | number | undefined>> = {}): string {
  const params = new URLSearchParams();
  const merged: Record<string, unknown> = { ...s, ...patch };
  for (const k of Object.keys(RunListQuery.shape)) {
    const v = merged[k];
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `/?${qs}` : "/";
}

/**
 * The ticked runs a `sel` parameter names (comma-separated ids, distinct, at most 100). Not a
 * filter: the compare bar keeps the selection in the address so that a reload keeps it.
 */
export function selectionOf(sel: string | string[] | undefined): string[] {
  const raw = Array.isArray(sel) ? sel.join(",") : (sel ?? "");
  return [...new Set(raw.split(",").map((s) => s.trim()).filter(Boolean))].slice(0, 100);
}
