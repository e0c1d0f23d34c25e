/**
 * Server side: the runs list as the page shows it — one page of runs, filtered, searched and
 * sorted in the database, the filter bar's values and the facet counts — never every run.
 */
import type { Db } from "../db/client";
import { indexFacets, runListPage, runListSummary, runsById, type Facet, type FacetField } from "../db/run-list";
import { PAGE_SIZE, type ListedRun, type RunListState } from "./runs-query";
import { publicRun } from "./serialize";

type RunRow = Awaited<ReturnType<typeof runsById>>[number];

export function listedRun(r: RunRow): ListedRun {
  const p = publicRun(r);
  return {
    id: p.id,
    status: p.status,
    error: p.error,
    dataset: p.dataset,
    family: p.family,
    depth: p.depth,
    width: p.width,
    bnPlacement: p.bnPlacement,
    shortcut: p.shortcut,
    architecture: p.architecture,
    bnInit: p.bnInit,
    mode: p.mode,
    seed: p.seed,
    epochs: p.epochs,
    epochsDone: p.epochsDone,
    paramsTotal: p.paramsTotal,
    paramsTrainable: p.paramsTrainable,
    finalTestAccuracy: p.finalTestAccuracy,
    bestTestAccuracy: p.bestTestAccuracy,
    backend: p.backend,
    createdAt: p.createdAt,
  };
}

export interface RunListData {
  /** The runs of this page, in list order. */
  shown: ListedRun[];
  /** Runs in the index, and of them matching the filters. */
  total: number;
  matched: number;
  page: number;
  pages: number;
  /** Every value of each field in the index, with its count (the filter bar's choices). */
  options: Record<FacetField, Facet>;
  /** Counts per status, mode and dataset under the other filters of this list. */
  facets: Pick<Record<FacetField, Facet>, "status" | "mode" | "dataset">;
  /** Whether any run of the index is running (the page refreshes itself). */
  running: boolean;
}

export async function runListData(db: Db, state: RunListState, pageSize = PAGE_SIZE): Promise<RunListData> {
  const [options, page] = await Promise.all([indexFacets(db), runListSummary(db, state, state.page ?? 1, pageSize)]);
  const total = options.status.reduce((s, f) => s + f.count, 0);
  const shown = (await runsById(db, page.ids)).map(listedRun);
  return {
    shown,
    total,
    matched: page.total,
    page: page.page,
    pages: page.pages,
    options,
    facets: page.facets,
    running: options.status.some((f) => f.value === "running" && f.count > 0),
  };
}

/** Every run matching the list's filters, in its order (the unpaginated list). */
export async function allListedRuns(db: Db, state: RunListState): Promise<ListedRun[]> {
  const { ids } = await runListPage(db, state, 1, Infinity);
  return (await runsById(db, ids)).map(listedRun);
}

