/**
 * GET /api/depth-width/figure?dataset&metric=final|best&family=resnet|wide&x=size|params-total|params-trainable&theme&format=svg|png|csv
 * — the depth-vs-width page's figure as a download, from the same rows as `/api/depth-width`.
 */
import { handle } from "../../../../lib/server/errors";
import { parseQuery } from "../../../../lib/server/api-query";
import { depthWidthRows } from "../../../../lib/server/tables";
import { openDb } from "../../../../lib/db/client";
import { DepthWidthFigureQuery } from "../../../../lib/server/figure-query";
import { figureResponse } from "../../../../lib/server/render";
import { depthWidthSpec } from "../../../../lib/charts/run-figures";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  return handle("GET /api/depth-width/figure", async () => {
    const q = parseQuery(DepthWidthFigureQuery, request);
    const rows = await depthWidthRows(await openDb(), q.dataset, q.metric);
    const spec = depthWidthSpec(rows, q);
    return figureResponse(spec, q.format, `depth-width-${q.dataset ?? "all"}-${q.family}-${q.x}-${q.metric}`);
  });
}
