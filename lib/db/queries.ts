/** The queries pages, route handlers and the CLI share: one home for each read of the index. */
import path from "node:path";
import { matchesArchitecture } from "../models/names";
import { NETWORK_COLUMNS, NETWORK_SELECT, type NetworkRow } from "./network-columns";
import type { Db } from "./client";

export const RUN_SORT_KEYS = ["id", "dataset", "depth", "width", "mode", "seed", "status", "epochsDone", "finalTestAccuracy", "bestTestAccuracy", "paramsTrainable", "createdAt"] as const;
export type RunSortKey = (typeof RUN_SORT_KEYS)[number];

export interface RunFilter {
  dataset?: string;
  family?: string;
  bnPlacement?: string;
  shortcut?: string;
  mode?: string;
  status?: string;
  depth?: number;
  width?: number;
  seed?: number;
  /** Substring of the run id, or a name of the network (`matchesArchitecture`: "wrn", "ResNet-8 ×2", …). */
  q?: string;
  sort?: RunSortKey;
  order?: "asc" | "desc";
  page?: number;
  pageSize?: number;
}

/** The architectures indexed whose names (any alias: "WRN-8-2", "ResNet-8 ×2", "wide") the search matches. */
async function architecturesMatching(db: Db, q: string): Promise<NetworkRow[]> {
  const archs = await db.prisma.run.findMany({ select: NETWORK_SELECT, distinct: [...NETWORK_COLUMNS] });
  return archs.filter((a) => matchesArchitecture(q, a));
}

export async function listRuns(db: Db, f: RunFilter = {}) {
  const archs = f.q ? await architecturesMatching(db, f.q) : [];
  const where = {
    ...(f.dataset ? { dataset: f.dataset } : {}),
    ...(f.family ? { family: f.family } : {}),
    ...(f.bnPlacement ? { bnPlacement: f.bnPlacement } : {}),
    ...(f.shortcut ? { shortcut: f.shortcut } : {}),
    ...(f.mode ? { mode: f.mode } : {}),
    ...(f.status ? { status: f.status } : {}),
    ...(f.depth !== undefined ? { depth: f.depth } : {}),
    ...(f.width !== undefined ? { width: f.width } : {}),
    ...(f.seed !== undefined ? { seed: f.seed } : {}),
    ...(f.q ? { OR: [{ id: { contains: f.q } }, ...archs.map((a) => ({ ...a }))] } : {}),
  };
  const pageSize = f.pageSize ?? 50;
  const page = f.page ?? 1;
  const [total, rows] = await Promise.all([
    db.prisma.run.count({ where }),
    db.prisma.run.findMany({
      where,
      orderBy: [{ [f.sort ?? "createdAt"]: f.order ?? "desc" }, { id: "asc" }],
      skip: (page - 1) * pageSize,
      take: pageSize,
    }),
  ]);
  return { total, page, pageSize, rows };
}

/** Every run matching the filter, in its order, read a page of 500 rows at a time. */
export async function listAllRuns(db: Db, f: Omit<RunFilter, "page" | "pageSize"> = {}) {
  const runs: Awaited<ReturnType<typeof listRuns>>["rows"] = [];
  for (let page = 1; ; page++) {
    const { rows, total } = await listRuns(db, { ...f, page, pageSize: 500 });
    runs.push(...rows);
    if (rows.length === 0 || runs.length >= total) return runs;
  }
}

export function getRun(db: Db, id: string) {
  return db.prisma.run.findUnique({ where: { id }, include: { checkpoints: { orderBy: { epoch: "asc" } } } });
}

/** Several runs with their checkpoints (epoch order), in two queries; unknown ids are absent. */
export function getRuns(db: Db, ids: readonly string[]) {
  return db.prisma.run.findMany({ where: { id: { in: [...ids] } }, include: { checkpoints: { orderBy: { epoch: "asc" } } } });
}

/** Whether the index has this run (a cheap check made before a page starts streaming). */
export async function runExists(db: Db, id: string): Promise<boolean> {
  return (await db.prisma.run.count({ where: { id } })) > 0;
}

export function runMetrics(db: Db, id: string) {
  return db.prisma.metricPoint.findMany({ where: { runId: id }, orderBy: { line: "asc" } });
}

export function gammaSummaries(db: Db, runId: string, epoch: number) {
  return db.prisma.gammaSummary.findMany({ where: { checkpoint: { runId, epoch } }, orderBy: { id: "asc" } });
}

/**
 * The whole-network fraction of |γ| < 0.01 of many runs at a few epochs, in one query: from the
 * per-layer summaries ingest stores with each checkpoint (content-hashed), so nothing is computed.
 * Keyed `${runId}@${epoch}`; a checkpoint without summaries is absent.
 */
export async function gammaFractionsBelow001(db: Db, runIds: readonly string[], epochs: readonly number[]): Promise<Map<string, number>> {
  const rows = await db.prisma.gammaSummary.findMany({
    where: { checkpoint: { runId: { in: [...runIds] }, epoch: { in: [...new Set(epochs)] }, error: null } },
    select: { channels: true, fractionBelow001: true, checkpoint: { select: { runId: true, epoch: true } } },
  });
  const sums = new Map<string, { below: number; channels: number }>();
  for (const r of rows) {
    const k = `${r.checkpoint.runId}@${r.checkpoint.epoch}`;
    const s = sums.get(k) ?? { below: 0, channels: 0 };
    s.below += r.fractionBelow001 * r.channels;
    s.channels += r.channels;
    sums.set(k, s);
  }
  return new Map([...sums].filter(([, s]) => s.channels > 0).map(([k, s]) => [k, s.below / s.channels]));
}

/** A complete run as the findings judge it: its budget columns and whole-network γ fractions. */
export interface FindingInputRow {
  id: string;
  dataset: string;
  family: string;
  depth: number;
  width: number;
  bnPlacement: string;
  shortcut: string;
  mode: string;
  seed: number;
  finalTestAccuracy: number | null;
  paramsTotal: number;
  paramsTrainable: number;
  epochsDone: number;
  /** `config.data.trainSubset` (the one budget field the index has no column for); null without one. */
  trainSubset: number | null;
  /** Fraction of BN channels with |γ| < 0.01 at the last epoch's checkpoint and at epoch 0 (null: no summaries). */
  gammaBelow001: number | null;
  gammaBelow001Init: number | null;
}

/** How many complete runs each dataset has (one grouped scan). */
export async function completeRunCounts(db: Db): Promise<Map<string, number>> {
  const rows = await db.prisma.$queryRawUnsafe<{ dataset: string; n: unknown }[]>(`SELECT "dataset", COUNT(*) AS n FROM "Run" WHERE "status" = 'complete' GROUP BY "dataset"`);
  return new Map(rows.map((r) => [r.dataset, Number(r.n)]));
}

/**
 * The complete runs of a dataset with what the findings need, in one query: narrow columns, the
 * training subset read from the stored config by the database, and the whole-network fractions
 * of |γ| < 0.01 (the channel-weighted mean of the per-layer summaries ingest stored) of the last
 * epoch's and epoch 0's checkpoints. Newest first, as the runs list orders them.
 */
export async function findingInputs(db: Db, dataset: string): Promise<FindingInputRow[]> {
  const pg = db.kind === "postgresql";
  const fraction = (epoch: string) =>
    `(SELECT SUM(g."fractionBelow001" * g."channels") / NULLIF(SUM(g."channels"), 0) FROM "Checkpoint" c JOIN "GammaSummary" g ON g."checkpointId" = c."id" WHERE c."runId" = r."id" AND c."epoch" = ${epoch} AND c."error" IS NULL)`;
  const subset = pg ? `(r."config"::jsonb #>> '{data,trainSubset}')` : `json_extract(r."config", '$.data.trainSubset')`;
  const rows = await db.prisma.$queryRawUnsafe<Record<string, unknown>[]>(
    `SELECT r."id", r."dataset", r."family", r."depth", r."width", r."bnPlacement", r."shortcut", r."mode", r."seed", r."finalTestAccuracy", r."paramsTotal", r."paramsTrainable", r."epochsDone",
       ${subset} AS "trainSubset", ${fraction(`r."epochsDone"`)} AS "gammaBelow001", ${fraction("0")} AS "gammaBelow001Init"
     FROM "Run" r WHERE r."status" = 'complete' AND r."dataset" = ${pg ? "$1" : "?"} ORDER BY r."createdAt" DESC, r."id" ASC`,
    dataset,
  );
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({
    id: String(r.id), dataset: String(r.dataset), family: String(r.family), depth: Number(r.depth), width: Number(r.width), bnPlacement: String(r.bnPlacement), shortcut: String(r.shortcut),
    mode: String(r.mode), seed: Number(r.seed), finalTestAccuracy: num(r.finalTestAccuracy), paramsTotal: Number(r.paramsTotal), paramsTrainable: Number(r.paramsTrainable), epochsDone: Number(r.epochsDone),
    trainSubset: num(r.trainSubset), gammaBelow001: num(r.gammaBelow001), gammaBelow001Init: num(r.gammaBelow001Init),
  }));
}

/** Cached analysis results of many checkpoints in one query: each entry's value, or null when it has not been computed. */
export async function cachedValues<T>(db: Db, entries: readonly { ckptHash: string; analysis: string; params: object }[]): Promise<(T | null)[]> {
  const keys = entries.map((e) => cacheKey(e.ckptHash, e.analysis, e.params).key);
  if (keys.length === 0) return [];
  const hits = new Map((await db.prisma.analysisCache.findMany({ where: { key: { in: keys } }, select: { key: true, result: true } })).map((h) => [h.key, h.result]));
  return keys.map((k) => (hits.has(k) ? (JSON.parse(hits.get(k)!) as T) : null));
}

/**
 * A checkpoint's file, resolved by the server from the index — never from a client's path —
 * and refused unless it lies inside the runs root.
 */
export async function checkpointFile(db: Db, runsRoot: string, runId: string, epoch: number): Promise<{ path: string; hash: string } | null> {
  const ck = await db.prisma.checkpoint.findUnique({ where: { runId_epoch: { runId, epoch } } });
  if (!ck || ck.error) return null;
  const root = path.resolve(runsRoot) + path.sep;
  const file = path.resolve(ck.path);
  if (!file.startsWith(root)) throw new Error(`checkpoint of ${runId} epoch ${epoch} lies outside the runs root`);
  return { path: file, hash: ck.hash };
}

function cacheKey(ckptHash: string, analysis: string, params: object): { key: string; canonical: string } {
  const canonical = JSON.stringify(params, Object.keys(params).sort());
  return { key: `${ckptHash}:${analysis}:${canonical}`, canonical };
}

/** A cached analysis result, or null when it has not been computed: never computes. */
export async function cachedValue<T>(db: Db, ckptHash: string, analysis: string, params: object): Promise<T | null> {
  const hit = await db.prisma.analysisCache.findUnique({ where: { key: cacheKey(ckptHash, analysis, params).key } });
  return hit ? (JSON.parse(hit.result) as T) : null;
}

/** Cached analysis results keyed by (checkpoint hash, analysis, parameters). */
export async function cached<T>(db: Db, ckptHash: string, analysis: string, params: object, compute: () => Promise<T>): Promise<{ value: T; hit: boolean }> {
  const { key, canonical } = cacheKey(ckptHash, analysis, params);
  const hit = await db.prisma.analysisCache.findUnique({ where: { key } });
  if (hit) return { value: JSON.parse(hit.result) as T, hit: true };
  const value = await compute();
  await db.prisma.analysisCache.upsert({
    where: { key },
    create: { key, ckptHash, analysis, params: canonical, result: JSON.stringify(value) },
    update: {},
  });
  return { value, hit: false };
}

/** Complete runs of networks off the paper's depth/width grid (VGG, BN after ReLU, other shortcuts), per family/variant. */
export async function otherNetworkCounts(db: Db, dataset?: string): Promise<{ family: string; bnPlacement: string; shortcut: string; n: number }[]> {
  const rows = await db.prisma.run.groupBy({
    by: ["family", "bnPlacement", "shortcut"],
    where: { status: "complete", ...(dataset ? { dataset } : {}), NOT: { family: "resnet", shortcut: "projection", bnPlacement: "before-relu" } },
    _count: { _all: true },
  });
  return rows.filter((r) => r.family !== "").map((r) => ({ family: r.family, bnPlacement: r.bnPlacement, shortcut: r.shortcut, n: r._count._all }));
}

/** A (dataset, depth, width, mode) group of complete default-ResNet runs, as the database aggregates it. */
export interface RunGroup {
  dataset: string;
  depth: number;
  width: number;
  mode: string;
  n: number;
  /** The recorded parameter counts (one network and mode: the same for every run of the group). */
  paramsTotal: number;
  paramsTrainable: number;
  /** Run ids in id order, and seeds. */
  ids: string[];
  seeds: number[];
  /** Mean and sample sd (null below two values) of the runs' final and best test accuracies; n counts the runs that have one. */
  final: { mean: number; sd: number | null; n: number };
  best: { mean: number; sd: number | null; n: number };
}

/**
 * The complete default-ResNet runs grouped by (dataset, depth, width, mode) in the database: one
 * row per group with its count, mean and sample sd (two passes: the group means, then the squared
 * deviations from them), ids and seeds — never a row per run.
 */
export async function completeRunGroups(db: Db, dataset?: string): Promise<RunGroup[]> {
  const pg = db.kind === "postgresql";
  // The same filter for the inner (group means) and outer scan: its placeholder binds once on PostgreSQL, twice on SQLite.
  const where = (t: string) => `${t}"status" = 'complete' AND ${t}"family" = 'resnet' AND ${t}"shortcut" = 'projection' AND ${t}"bnPlacement" = 'before-relu'${dataset ? ` AND ${t}"dataset" = ${pg ? "$1" : "?"}` : ""}`;
  const list = (col: string) => (pg ? `string_agg(CAST(r."${col}" AS TEXT), ',')` : `group_concat(r."${col}", ',')`);
  const key = `"dataset", "depth", "width", "mode"`;
  const dev = (col: string, m: string) => `SUM((r."${col}" - g."${m}") * (r."${col}" - g."${m}"))`;
  const rows = await db.prisma.$queryRawUnsafe<Record<string, unknown>[]>(
    `SELECT r."dataset", r."depth", r."width", r."mode", COUNT(*) AS n, MIN(r."paramsTotal") AS "paramsTotal", MIN(r."paramsTrainable") AS "paramsTrainable",
       ${list("id")} AS ids, ${list("seed")} AS seeds,
       COUNT(r."finalTestAccuracy") AS "finalN", MIN(g."finalMean") AS "finalMean", ${dev("finalTestAccuracy", "finalMean")} AS "finalSs",
       COUNT(r."bestTestAccuracy") AS "bestN", MIN(g."bestMean") AS "bestMean", ${dev("bestTestAccuracy", "bestMean")} AS "bestSs"
     FROM "Run" r JOIN (SELECT ${key}, AVG("finalTestAccuracy") AS "finalMean", AVG("bestTestAccuracy") AS "bestMean" FROM "Run" WHERE ${where("")} GROUP BY ${key}) g
       ON g."dataset" = r."dataset" AND g."depth" = r."depth" AND g."width" = r."width" AND g."mode" = r."mode"
     WHERE ${where("r.")}
     GROUP BY r."dataset", r."depth", r."width", r."mode"`,
    ...(dataset ? (pg ? [dataset] : [dataset, dataset]) : []),
  );
  const stats = (n: unknown, mean: unknown, ss: unknown) => {
    const count = Number(n);
    return { mean: count > 0 ? Number(mean) : NaN, sd: count >= 2 ? Math.sqrt(Number(ss) / (count - 1)) : null, n: count };
  };
  return rows.map((r) => ({
    dataset: String(r.dataset), depth: Number(r.depth), width: Number(r.width), mode: String(r.mode), n: Number(r.n),
    paramsTotal: Number(r.paramsTotal), paramsTrainable: Number(r.paramsTrainable),
    ids: String(r.ids).split(",").sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    seeds: String(r.seeds).split(",").map(Number),
    final: stats(r.finalN, r.finalMean, r.finalSs),
    best: stats(r.bestN, r.bestMean, r.bestSs),
  }));
}
