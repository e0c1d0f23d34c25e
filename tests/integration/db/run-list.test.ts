/**
 * The runs list in SQL against the page's own filter and sort (lib/server/runs-query, the
 * reference): 300 varied rows, on SQLite always and on a throwaway PostgreSQL when Debian's is
 * installed. Pages put together give the unpaginated list; facet counts are the counts of it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meanSd } from "../../../lib/analysis/stats";
import { openDb, type Db } from "../../../lib/db/client";
import { completeRunGroups, otherNetworkCounts } from "../../../lib/db/queries";
import { indexFacets, LIST_FACETS, runFacets, runListPage, runListSummary, runsById, type FacetField } from "../../../lib/db/run-list";
import { allListedRuns, listedRun, runListData } from "../../../lib/server/runs";
import { filterRuns, sortRuns, type ListedRun, type RunListState } from "../../../lib/server/runs-query";
import { hasPostgres, startPostgres, type PgServer } from "../../support/postgres";

const N = 300;
const DATASETS = ["mnist", "cifar10", "fashion-mnist", ""];
const MODES = ["all", "bn", "bn+output", "output", "none"];
const STATUSES = ["complete", "complete", "running", "failed", "interrupted", "broken"];

/** Ids with every character a run id may hold, in both cases, so locale order is exercised. */
function rowAt(i: number) {
  const dataset = DATASETS[i % DATASETS.length];
  const mode = MODES[(i >> 2) % MODES.length];
  const family = i % 11 === 0 ? "vgg" : "resnet";
  const depth = family === "vgg" ? [11, 13, 16, 19][(i * 7) % 4] : [8, 14, 20, 110][(i * 7) % 4];
  const width = family === "vgg" ? 16 : [4, 16, 64][(i * 5) % 3];
  const bnPlacement = i % 13 === 0 ? "after-relu" : "before-relu";
  const shortcut = family === "vgg" ? "projection" : ["projection", "projection", "identity", "none"][i % 4];
  const bnInit = ["uniform", "fixed", "oneone", "positivenegative"][i % 19 === 0 ? 1 + (i % 3) : 0];
  const prefix = ["", "A", "b_", "B.", "x+"][i % 5];
  const id = `${prefix}${dataset || "broken"}-resnet${depth}-w${width}-${mode}-${(i * 2654435761) % 997}-s${i % 7}`;
  const status = STATUSES[(i * 3) % STATUSES.length];
  const accuracy = i % 9 === 0 ? null : ((i * 37) % 1000) / 1000;
  return {
    id, dir: `/runs/${id}`, status, error: status === "failed" ? `Diverged at epoch ${i % 4}` : null, dataset, family, depth, width, bnPlacement, shortcut, mode, seed: i % 7,
    bnInit, epochs: 4, epochsDone: i % 5, paramsTotal: 1000 + i * 13, paramsTrainable: 100 + ((i * 31) % 900), backend: ["wasm", "native", ""][i % 3],
    codeVersion: "t", config: "{}", createdAt: new Date(Date.UTC(2026, 0, 1 + (i % 40), i % 24)), updatedAt: new Date(0),
    finalTestAccuracy: accuracy, bestTestAccuracy: accuracy === null ? null : Math.min(1, accuracy + 0.01), runJsonMtime: 0,
  };
}

const STATES: RunListState[] = [
  {},
  { sort: "id" },
  { sort: "id", order: "desc" },
  { sort: "final" },
  { sort: "final", order: "desc" },
  { sort: "best", status: "complete" },
  { sort: "arch", order: "desc" },
  { sort: "mode", q: "bn" },
  { sort: "dataset" },
  { sort: "status", order: "desc" },
  { sort: "backend" },
  { sort: "params", paramsMin: 300, paramsMax: 700 },
  { sort: "epochs", epochsMin: 2 },
  { sort: "seed", seed: 3 },
  { q: "resnet-1" },
  { q: "W16", dataset: "mnist" },
  { q: "DIVERGED" },
  { q: "_" },
  { q: "x+" },
  // Names no run id contains: found through the network's aliases, beside other filters.
  { q: "wrn-110-4", status: "complete" },
  { q: "ResNet-20", mode: "bn" },
  { finalMin: 50, sort: "final" },
  { bestMin: 90.1 },
  { since: "2026-01-20", mode: "bn+output" },
  { depth: 110, width: 64 },
  { status: "broken", sort: "dataset" },
  { backend: "native", order: "asc" },
  { q: "nothing-matches-this" },
  // The network's family and variants: filters, names and the architecture order.
  { family: "vgg", sort: "arch" },
  { sort: "arch" },
  { q: "vgg-13" },
  { q: "plain", sort: "final", order: "desc" },
  { q: "after relu" },
  { bnPlacement: "after-relu", shortcut: "identity" },
  { shortcut: "none", family: "resnet", sort: "arch", order: "desc" },
  { bnInit: "fixed" },
];

function suite(name: string, connect: () => Promise<{ db: Db; done: () => Promise<void> }>) {
  describe(name, () => {
    let db: Db;
    let done: () => Promise<void>;
    let every: ListedRun[];
    beforeAll(async () => {
      ({ db, done } = await connect());
      await db.prisma.run.createMany({ data: Array.from({ length: N }, (_, i) => rowAt(i)) });
      every = (await db.prisma.run.findMany()).map(listedRun);
      expect(every.length).toBe(N);
    }, 120_000);
    afterAll(async () => done());

    it.each(STATES.map((s) => [JSON.stringify(s), s] as const))("filters and sorts %s as the page's reference does", async (_, state) => {
      const want = sortRuns(filterRuns(every, state), state).map((r) => r.id);
      const got = (await allListedRuns(db, state)).map((r) => r.id);
      expect(got).toEqual(want);
    });

    it.each(STATES.slice(0, 8).map((s) => [JSON.stringify(s), s] as const))("pages of %s put together are the unpaginated list", async (_, state) => {
      const all = (await runListPage(db, state, 1, Infinity)).ids;
      const pageSize = 37;
      const first = await runListPage(db, state, 1, pageSize);
      expect(first.total).toBe(all.length);
      expect(first.pages).toBe(Math.max(1, Math.ceil(all.length / pageSize)));
      const joined: string[] = [];
      for (let p = 1; p <= first.pages; p++) joined.push(...(await runListPage(db, state, p, pageSize)).ids);
      expect(joined).toEqual(all);
      // A page past the end is the last page.
      expect((await runListPage(db, state, first.pages + 5, pageSize)).ids).toEqual(all.slice((first.pages - 1) * pageSize));
    });

    it("facets count each value under the other filters", async () => {
      for (const state of [{}, { mode: "bn" }, { q: "resnet-2", status: "complete" as const }, { dataset: "cifar10", finalMin: 30 }, { family: "vgg" as const }, { shortcut: "none" as const, q: "plain" }] as RunListState[]) {
        const facets = await runFacets(db, state);
        for (const field of ["status", "mode", "dataset", "depth", "backend", "family", "bnPlacement", "shortcut", "bnInit"] as FacetField[]) {
          const others = filterRuns(every, { ...state, [field]: undefined });
          const want = new Map<string | number, number>();
          for (const r of others) want.set(r[field], (want.get(r[field]) ?? 0) + 1);
          expect(new Map(facets[field].map((f) => [f.value, f.count])), `${field} of ${JSON.stringify(state)}`).toEqual(want);
        }
      }
    });

    it("counts the complete runs off the depth/width grid (VGG, BN after ReLU, other shortcuts) per network", async () => {
      const want = new Map<string, number>();
      for (const r of every.filter((x) => x.status === "complete" && x.dataset === "mnist")) {
        if (r.family === "resnet" && r.bnPlacement === "before-relu" && r.shortcut === "projection") continue;
        const k = `${r.family}/${r.bnPlacement}/${r.shortcut}`;
        want.set(k, (want.get(k) ?? 0) + 1);
      }
      expect(want.size).toBeGreaterThan(2);
      const got = await otherNetworkCounts(db, "mnist");
      expect(new Map(got.map((o) => [`${o.family}/${o.bnPlacement}/${o.shortcut}`, o.n]))).toEqual(want);
    });

    it.each(STATES.map((s) => [JSON.stringify(s), s] as const))("one page, its total and its facets from one grouped scan: %s", async (_, state) => {
      const all = (await runListPage(db, state, 1, Infinity)).ids;
      const facets = await runFacets(db, state, LIST_FACETS);
      const pageSize = 23;
      const pages = Math.max(1, Math.ceil(all.length / pageSize));
      for (const page of [1, 2, pages, pages + 3]) {
        const got = await runListSummary(db, state, page, pageSize);
        const at = Math.min(page, pages);
        expect(got).toEqual({ ids: all.slice((at - 1) * pageSize, at * pageSize), total: all.length, page: at, pages, facets });
      }
    });

    it("keeps the index's own facets until a row changes", async () => {
      const before = await indexFacets(db);
      expect(before).toEqual(await runFacets(db));
      expect(await indexFacets(db)).toBe(before);
      const id = every[0].id;
      const old = await db.prisma.run.findUniqueOrThrow({ where: { id } });
      try {
        await db.prisma.run.update({ where: { id }, data: { status: "running", backend: "added-backend" } });
        const after = await indexFacets(db);
        expect(after).toEqual(await runFacets(db));
        expect(after.backend.map((f) => f.value)).toContain("added-backend");
      } finally {
        await db.prisma.run.update({ where: { id }, data: { status: old.status, backend: old.backend } });
      }
      expect(await indexFacets(db)).toEqual(before);
    });

    it.each([undefined, "mnist", "cifar10"])("groups the complete runs of %s by network and mode in the database, as the runs give them", async (dataset) => {
      // The paper's grid: default ResNets only (VGG and the variants are other networks).
      const runs = (await db.prisma.run.findMany()).filter((r) => r.status === "complete" && r.family === "resnet" && r.bnPlacement === "before-relu" && r.shortcut === "projection" && (dataset === undefined || r.dataset === dataset));
      const want = new Map<string, typeof runs>();
      for (const r of runs) {
        const k = [r.dataset, r.depth, r.width, r.mode].join("|");
        want.set(k, [...(want.get(k) ?? []), r]);
      }
      const got = await completeRunGroups(db, dataset);
      expect(got.map((g) => [g.dataset, g.depth, g.width, g.mode].join("|")).sort()).toEqual([...want.keys()].sort());
      for (const g of got) {
        const rs = want.get([g.dataset, g.depth, g.width, g.mode].join("|"))!;
        expect(g.n).toBe(rs.length);
        expect(g.ids).toEqual(rs.map((r) => r.id).sort((a, b) => (a < b ? -1 : 1)));
        expect([...g.seeds].sort((a, b) => a - b)).toEqual(rs.map((r) => r.seed).sort((a, b) => a - b));
        expect([g.paramsTotal, g.paramsTrainable]).toEqual([Math.min(...rs.map((r) => r.paramsTotal)), Math.min(...rs.map((r) => r.paramsTrainable))]);
        for (const [metric, col] of [["final", "finalTestAccuracy"], ["best", "bestTestAccuracy"]] as const) {
          const ref = meanSd(rs.map((r) => r[col]).filter((v): v is number => v !== null));
          expect(g[metric].n).toBe(ref.n);
          if (ref.n > 0) expect(g[metric].mean).toBeCloseTo(ref.mean, 12);
          else expect(g[metric].mean).toBeNaN();
          if (ref.sd === null) expect(g[metric].sd).toBeNull();
          else expect(g[metric].sd).toBeCloseTo(ref.sd, 12);
        }
      }
    });

    it("gives the page one page of rows, the totals and the filter bar's values", async () => {
      const state: RunListState = { status: "complete", sort: "final", order: "desc", page: 2 };
      const data = await runListData(db, state, 25);
      const want = sortRuns(filterRuns(every, state), state);
      expect(data.total).toBe(N);
      expect(data.matched).toBe(want.length);
      expect(data.page).toBe(2);
      expect(data.shown).toEqual(want.slice(25, 50));
      expect(data.options.dataset.map((f) => f.value)).toEqual([...new Set(every.map((r) => r.dataset))].sort((a, b) => a.localeCompare(b)));
      expect(data.running).toBe(every.some((r) => r.status === "running"));
      expect(await runsById(db, ["nope", every[0].id])).toHaveLength(1);
    });
  });
}

suite("runs list on SQLite", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "bnlab-list-"));
  const db = await openDb({ DATABASE_URL: `file:${path.join(dir, "t.db")}` });
  return { db, done: async () => (await db.close(), rmSync(dir, { recursive: true, force: true })) };
});

describe.runIf(hasPostgres)("PostgreSQL", () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(() => server?.stop());
  suite("runs list on PostgreSQL", async () => {
    const db = await openDb({ DATABASE_URL: server.url });
    return { db, done: () => db.close() };
  });
});
