/** Server side: every run of the index, as the list shows them (the page filters and sorts them). */
import { publicRun } from "../../lib/api/serialize";
import type { Db } from "../../lib/db/client";
import { listRuns } from "../../lib/db/queries";
import type { ListedRun } from "./runs-query";

export async function allRuns(db: Db): Promise<ListedRun[]> {
  const out: ListedRun[] = [];
  for (let page = 1; ; page++) {
    const { rows, total } = await listRuns(db, { sort: "createdAt", order: "desc", page, pageSize: 500 });
    for (const r of rows) {
      const p = publicRun(r);
      out.push({
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
      });
    }
    if (rows.length === 0 || out.length >= total) break;
  }
  return out;
}
