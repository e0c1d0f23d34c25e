/** GET /api/runs — the indexed runs, filtered, sorted and paginated; `?format=csv` for a table. */
import { runColumns } from "../../../lib/server/tables";
import { csvResponse, toCsv } from "../../../lib/server/csv";
import { handle } from "../../../lib/server/errors";
import { parseQuery, RunsQuery } from "../../../lib/server/api-query";
import { publicRun } from "../../../lib/server/serialize";
import { openDb } from "../../../lib/db/client";
import { listRuns } from "../../../lib/db/queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  return handle("GET /api/runs", async () => {
    const { format, ...filter } = parseQuery(RunsQuery, request);
    const db = await openDb();
    const { total, page, pageSize, rows } = await listRuns(db, filter);
    const runs = rows.map(publicRun);
    if (format === "csv") return csvResponse("runs.csv", toCsv(runColumns, runs), { "x-total-count": String(total) });
    return Response.json({ total, page, pageSize, runs });
  });
}
