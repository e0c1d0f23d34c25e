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

/** The complete default-ResNet runs' columns the depth/width table groups (one narrow read, not whole rows). */
export function completeRunResults(db: Db, dataset?: string) {
  return db.prisma.run.findMany({
    where: { status: "complete", family: "resnet", shortcut: "projection", bnPlacement: "before-relu", ...(dataset ? { dataset } : {}) },
    select: { id: true, dataset: true, depth: true, width: true, mode: true, seed: true, paramsTotal: true, paramsTrainable: true, finalTestAccuracy: true, bestTestAccuracy: true },
    orderBy: { id: "asc" },
  });
}
