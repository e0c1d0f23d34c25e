/**
 * The runs list in the database: filters, text search, sort, a page of ids, and the counts the
 * filter bar shows (facets). One SQL text per dialect, so SQLite and PostgreSQL give the same
 * rows in the same order — and the same order as the runs page always had: strings in locale
 * order (as `localeCompare` sorts run ids, whose characters are [A-Za-z0-9._+-]), missing
 * accuracies last in either direction, ties broken by run id.
 */
import { matchesArchitecture } from "../models/names";
import { NETWORK_COLUMNS, type NetworkRow } from "./network-columns";
import type { Db } from "./client";

export const RUN_LIST_SORTS = ["id", "dataset", "arch", "mode", "seed", "status", "epochs", "final", "best", "params", "backend", "started"] as const;
export type RunListSort = (typeof RUN_LIST_SORTS)[number];

/** The runs page's filters (its URL state, less the page). */
export interface RunListFilter {
  q?: string;
  dataset?: string;
  family?: string;
  bnPlacement?: string;
  shortcut?: string;
  bnInit?: string;
  depth?: number;
  width?: number;
  mode?: string;
  seed?: number;
  status?: string;
  epochsMin?: number;
  finalMin?: number;
  bestMin?: number;
  paramsMin?: number;
  paramsMax?: number;
  backend?: string;
  since?: string;
  sort?: RunListSort;
  order?: "asc" | "desc";
}

type FilterKey = Exclude<keyof RunListFilter, "sort" | "order">;

/**
 * A string's locale-order key in SQL: case folded, and the punctuation of run ids mapped to
 * bytes below the digits in the order ICU's root collation gives them (_ - . +), so that the
 * database's binary order is `localeCompare`'s order for run ids, datasets, modes and statuses.
 * The run id's key is the generated, indexed column "idKey" (migration 0005), the same expression.
 */
const localeKey = (col: string) => `REPLACE(REPLACE(REPLACE(REPLACE(LOWER(${col}), '_', '!'), '-', '"'), '.', '#'), '+', '$')`;

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

class Sql {
  readonly params: unknown[] = [];
  constructor(readonly kind: Db["kind"]) {}
  /** A placeholder bound to `v`. */
  p(v: unknown): string {
    this.params.push(v);
    return this.kind === "postgresql" ? `$${this.params.length}` : "?";
  }
}

/**
 * The indexed networks a search names (any alias: "WRN-8-2", "ResNet-8 ×2", "wide", "VGG-11"): the
 * distinct networks (a few rows, read with SELECT DISTINCT, not every run), matched in JS as the page does.
 */
async function architecturesMatching(db: Db, q: string | undefined): Promise<NetworkRow[]> {
  if (!q) return [];
  const cols = NETWORK_COLUMNS.map((c) => `"${c}"`).join(", ");
  const archs = await db.prisma.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT DISTINCT ${cols} FROM "Run"`);
  return archs
    .map((a): NetworkRow => ({ family: String(a.family), depth: Number(a.depth), width: Number(a.width), bnPlacement: String(a.bnPlacement), shortcut: String(a.shortcut), architecture: a.architecture == null ? null : String(a.architecture) }))
    .filter((a) => matchesArchitecture(q.toLowerCase(), a));
}

type Arch = NetworkRow;

/** The WHERE clause of a filter; `omit` leaves fields out (a facet counts its own values under the other filters). */
function whereOf(sql: Sql, f: RunListFilter, archs: readonly Arch[], omit: readonly FilterKey[] = []): string {
  const parts: string[] = [];
  const has = <K extends FilterKey>(k: K) => !omit.includes(k) && f[k] !== undefined && f[k] !== "";
  const q = has("q") ? f.q!.toLowerCase() : "";
  if (q) {
    const like = `%${escapeLike(q)}%`;
    const fields = ['"id"', '"dataset"', '"mode"', '"status"', '"backend"', `COALESCE("error", '')`];
    // Placeholders bind in text order ("?" on SQLite): the LIKEs first, then the named networks.
    const likes = fields.map((c) => `LOWER(${c}) LIKE ${sql.p(like)} ESCAPE '\\'`);
    const named = archs.map((a) => `(${NETWORK_COLUMNS.map((c) => (a[c] === null ? `"${c}" IS NULL` : `"${c}" = ${sql.p(a[c])}`)).join(" AND ")})`);
    parts.push(`(${[...likes, ...named].join(" OR ")})`);
  }
  for (const k of ["dataset", "family", "bnPlacement", "shortcut", "bnInit", "mode", "status", "backend", "depth", "width", "seed"] as const) {
    if (has(k)) parts.push(`"${k}" = ${sql.p(f[k])}`);
  }
  if (has("epochsMin")) parts.push(`"epochsDone" >= ${sql.p(f.epochsMin)}`);
  // As the page compares percentages: a hair of tolerance for the ×100.
  if (has("finalMin")) parts.push(`"finalTestAccuracy" IS NOT NULL AND "finalTestAccuracy" * 100 >= ${sql.p(f.finalMin! - 1e-9)}`);
  if (has("bestMin")) parts.push(`"bestTestAccuracy" IS NOT NULL AND "bestTestAccuracy" * 100 >= ${sql.p(f.bestMin! - 1e-9)}`);
  if (has("paramsMin")) parts.push(`"paramsTrainable" >= ${sql.p(f.paramsMin)}`);
  if (has("paramsMax")) parts.push(`"paramsTrainable" <= ${sql.p(f.paramsMax)}`);
  if (has("since")) {
    // SQLite keeps Prisma's DateTime as ISO text with a +00:00 offset; PostgreSQL as a timestamp (UTC).
    parts.push(sql.kind === "postgresql" ? `"createdAt" >= CAST(${sql.p(`${f.since} 00:00:00`)} AS TIMESTAMP)` : `"createdAt" >= ${sql.p(`${f.since}T00:00:00.000+00:00`)}`);
  }
  return parts.length ? `WHERE ${parts.join(" AND ")}` : "";
}

function orderOf(f: RunListFilter): string {
  const sort = f.sort ?? "started";
  const dir = (f.order ?? (sort === "started" ? "desc" : "asc")) === "asc" ? "ASC" : "DESC";
  const cols: Record<RunListSort, string[]> = {
    id: ['"idKey"'],
    dataset: [localeKey('"dataset"')],
    arch: ['"family"', '"depth"', '"width"', '"bnPlacement"', '"shortcut"'],
    mode: [localeKey('"mode"')],
    seed: ['"seed"'],
    status: [localeKey('"status"')],
    epochs: ['"epochsDone"'],
    final: ['"finalTestAccuracy"'],
    best: ['"bestTestAccuracy"'],
    params: ['"paramsTrainable"'],
    backend: [localeKey('"backend"')],
    started: ['"createdAt"'],
  };
  const nullsLast = sort === "final" || sort === "best" ? [`(${cols[sort][0]} IS NULL) ASC`] : [];
  return `ORDER BY ${[...nullsLast, ...cols[sort].map((c) => `${c} ${dir}`), `"idKey" ASC`, `"id" ASC`].join(", ")}`;
}

const count = (rows: { n: unknown }[]) => Number(rows[0]?.n ?? 0);

/** How many runs match. */
export async function countRunList(db: Db, f: RunListFilter, archs?: readonly Arch[]): Promise<number> {
  const sql = new Sql(db.kind);
  const where = whereOf(sql, f, archs ?? (await architecturesMatching(db, f.q)));
  return count(await db.prisma.$queryRawUnsafe<{ n: unknown }[]>(`SELECT COUNT(*) AS n FROM "Run" ${where}`, ...sql.params));
}

/** The ids of one page (1-based, not clamped) of the matching runs in list order. */
async function pageIds(db: Db, f: RunListFilter, archs: readonly Arch[], page: number, pageSize: number): Promise<string[]> {
  const sql = new Sql(db.kind);
  const where = whereOf(sql, f, archs);
  const limit = Number.isFinite(pageSize) ? ` LIMIT ${sql.p(pageSize)} OFFSET ${sql.p((page - 1) * pageSize)}` : "";
  const rows = await db.prisma.$queryRawUnsafe<{ id: string }[]>(`SELECT "id" FROM "Run" ${where} ${orderOf(f)}${limit}`, ...sql.params);
  return rows.map((r) => r.id);
}

/**
 * One page of the matching runs' ids in list order (`page` clamped to the last page), and how
 * many match. `pageSize: Infinity` gives every match (the unpaginated list).
 */
export async function runListPage(db: Db, f: RunListFilter, page: number, pageSize: number): Promise<{ ids: string[]; total: number; page: number; pages: number }> {
  const archs = await architecturesMatching(db, f.q);
  const total = await countRunList(db, f, archs);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const at = Math.min(Math.max(1, page), pages);
  return { ids: await pageIds(db, f, archs, at, pageSize), total, page: at, pages };
}

/** The rows of these runs, in the order of `ids`. */
export async function runsById(db: Db, ids: string[]) {
  if (ids.length === 0) return [];
  const rows = await db.prisma.run.findMany({ where: { id: { in: ids } } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export const FACET_FIELDS = ["dataset", "family", "depth", "width", "bnPlacement", "shortcut", "bnInit", "mode", "seed", "status", "backend"] as const;
export type FacetField = (typeof FACET_FIELDS)[number];
export type Facet = { value: string | number; count: number }[];

const numeric = (v: unknown): string | number => (typeof v === "bigint" ? Number(v) : (v as string | number));

/** Numbers ascending, strings in locale order. */
function sortFacet(facet: Facet): Facet {
  return facet.sort((a, b) => (typeof a.value === "number" && typeof b.value === "number" ? a.value - b.value : String(a.value).localeCompare(String(b.value))));
}

/**
 * Every value of each field with its count of runs, under the other filters of `f` (none: the
 * whole index). Numbers ascending, strings in locale order.
 */
export async function runFacets(db: Db, f: RunListFilter = {}, fields: readonly FacetField[] = FACET_FIELDS): Promise<Record<FacetField, Facet>> {
  const out = {} as Record<FacetField, Facet>;
  const archs = await architecturesMatching(db, f.q);
  await Promise.all(
    fields.map(async (field) => {
      const sql = new Sql(db.kind);
      const where = whereOf(sql, f, archs, [field]);
      const rows = await db.prisma.$queryRawUnsafe<{ v: string | number | bigint; n: unknown }[]>(`SELECT "${field}" AS v, COUNT(*) AS n FROM "Run" ${where} GROUP BY "${field}"`, ...sql.params);
      out[field] = sortFacet(rows.map((r) => ({ value: numeric(r.v), count: Number(r.n) })));
    }),
  );
  return out;
}

/** The index's own facets (every value of each field, no filter), kept per database until a row changes. */
const indexFacetsCache = new Map<string, { stamp: string; facets: Promise<Record<FacetField, Facet>> }>();

/**
 * `runFacets(db)` for the filter bar's choices: seven GROUP BY scans only when the index changed
 * since the last call — told by one cheap scan (row count and the latest `indexedAt`, which every
 * write of a row sets).
 */
export async function indexFacets(db: Db): Promise<Record<FacetField, Facet>> {
  const [s] = await db.prisma.$queryRawUnsafe<{ n: unknown; t: unknown }[]>(`SELECT COUNT(*) AS n, MAX("indexedAt") AS t FROM "Run"`);
  const stamp = `${Number(s?.n ?? 0)}:${String(s?.t instanceof Date ? s.t.getTime() : s?.t)}`;
  const hit = indexFacetsCache.get(db.url);
  if (hit && hit.stamp === stamp) return hit.facets;
  const facets = runFacets(db);
  indexFacetsCache.set(db.url, { stamp, facets });
  facets.catch(() => indexFacetsCache.delete(db.url));
  return facets;
}

/** The facets the runs list shows beside its filters. */
export const LIST_FACETS = ["status", "mode", "dataset"] as const;
export type ListFacet = (typeof LIST_FACETS)[number];

/**
 * One page of the list with its match count and the counts per status, mode and dataset (each
 * under the other filters), from two scans: the runs grouped by those three fields under every
 * other filter — the facets and the total are sums over these few groups — then the page.
 */
export async function runListSummary(
  db: Db,
  f: RunListFilter,
  page: number,
  pageSize: number,
): Promise<{ ids: string[]; total: number; page: number; pages: number; facets: Record<ListFacet, Facet> }> {
  const archs = await architecturesMatching(db, f.q);
  const sql = new Sql(db.kind);
  const where = whereOf(sql, f, archs, LIST_FACETS);
  const cells = (await db.prisma.$queryRawUnsafe<Record<ListFacet | "n", unknown>[]>(`SELECT "status", "mode", "dataset", COUNT(*) AS n FROM "Run" ${where} GROUP BY "status", "mode", "dataset"`, ...sql.params)).map((c) => ({
    status: String(c.status),
    mode: String(c.mode),
    dataset: String(c.dataset),
    n: Number(c.n),
  }));
  const passes = (c: (typeof cells)[number], k: ListFacet) => f[k] === undefined || f[k] === "" || c[k] === f[k];
  const facets = {} as Record<ListFacet, Facet>;
  for (const field of LIST_FACETS) {
    const counts = new Map<string, number>();
    for (const c of cells) if (LIST_FACETS.every((k) => k === field || passes(c, k))) counts.set(c[field], (counts.get(c[field]) ?? 0) + c.n);
    facets[field] = sortFacet([...counts].map(([value, count]) => ({ value, count })));
  }
  const total = cells.filter((c) => LIST_FACETS.every((k) => passes(c, k))).reduce((s, c) => s + c.n, 0);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const at = Math.min(Math.max(1, page), pages);
  return { ids: total === 0 ? [] : await pageIds(db, f, archs, at, pageSize), total, page: at, pages, facets };
}

/** Which of these run ids the index has. */
export async function indexedIds(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  return new Set((await db.prisma.run.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((r) => r.id));
}
