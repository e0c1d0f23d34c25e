/** Server side: every run of the index, as the list shows them (the page filters and sorts them). */
import type { Db } from "../db/client";
import { listAllRuns } from "../db/queries";
import type { ListedRun } from "./runs-query";
import { publicRun } from "./serialize";

export async function allRuns(db: Db): Promise<ListedRun[]> {
  return (await listAllRuns(db, { sort: "createdAt", order: "desc" })).map((r): ListedRun => {
    const p = publicRun(r);
    return {
      id: p.id,
      status: p.status,
      error: p.error,
      dataset: p.dataset,
      depth: p.depth,
      width: p.width,
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
  });
}
