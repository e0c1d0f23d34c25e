/**
 * GET /api/depth-width?dataset=&metric=final|best — accuracy against depth and width per
 * trainable mode, mean ± sd over seeds, from the complete runs of the index. `accuracy` is the
 * chosen metric; `final` and `best` are both kept. `?format=csv` for the table.
 */
import { depthWidthColumns, depthWidthRows } from "../../../lib/server/tables";
import { csvResponse, toCsv } from "../../../lib/server/csv";
import { handle } from "../../../lib/server/errors";
import { DepthWidthQuery, parseQuery } from "../../../lib/server/api-query";
import { openDb } from "../../../lib/db/client";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  return handle("GET /api/depth-width", async () => {
    const { dataset, metric, format } = parseQuery(DepthWidthQuery, request);
    const rows = await depthWidthRows(await openDb(), dataset, metric);
    if (format === "csv") return csvResponse(`depth-width-${dataset ?? "all"}-${metric}.csv`, toCsv(depthWidthColumns, rows));
    return Response.json({ dataset: dataset ?? null, metric, rows });
  });
}
