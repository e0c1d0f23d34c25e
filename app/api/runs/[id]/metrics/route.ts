/** GET /api/runs/[id]/metrics?split=train|test|val — the run's metric points in file order. */
import { metricColumns } from "../../../../../lib/server/tables";
import { requireRun } from "../../../../../lib/server/checkpoint";
import { csvResponse, toCsv } from "../../../../../lib/server/csv";
import { handle } from "../../../../../lib/server/errors";
import { MetricsQuery, parseQuery, runIdParam, type RunContext } from "../../../../../lib/server/api-query";
import { openDb } from "../../../../../lib/db/client";
import { runMetrics } from "../../../../../lib/db/queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request, ctx: RunContext): Promise<Response> {
  return handle("GET /api/runs/[id]/metrics", async () => {
    const id = await runIdParam(ctx);
    const { split, format } = parseQuery(MetricsQuery, request);
    const db = await openDb();
    await requireRun(db, id);
    const points = (await runMetrics(db, id))
      .filter((m) => split === undefined || m.split === split)
      .map(({ epoch, step, split, loss, accuracy, lr, seconds }) => ({ epoch, step, split, loss, accuracy, lr, seconds }));
    if (format === "csv") return csvResponse(`${id}-metrics.csv`, toCsv(metricColumns, points));
    return Response.json({ runId: id, points });
  });
}
