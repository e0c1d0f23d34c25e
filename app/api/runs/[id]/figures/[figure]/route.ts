/**
 * GET /api/runs/[id]/figures/[figure]?format=svg|png|csv&epoch&t=0.01&theme=light|dark&sibling=<id>|none
 * — one figure of the run page as a download: a standalone SVG, a PNG at 2× its size, or the CSV
 * of the numbers drawn. figure: training-curves, gamma-heatmap, gamma-histogram-log,
 * gamma-histogram-linear, layer-fraction, removed-per-layer, pruning-curve. The figure is the
 * page's, drawn by the same lib/charts builder from the same data.
 */
import { badRequest, handle } from "../../../../../../lib/server/errors";
import { parseQuery, runIdParam } from "../../../../../../lib/server/api-query";
import { openDb } from "../../../../../../lib/db/client";
import { RunFigureName, RunFigureQuery } from "../../../../../../lib/server/figure-query";
import { figureResponse } from "../../../../../../lib/server/render";
import { requireRunData, runFigure, runFigureBase } from "../../../../../../lib/server/run-export";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request, ctx: { params: Promise<{ id: string; figure: string }> }): Promise<Response> {
  return handle("GET /api/runs/[id]/figures/[figure]", async () => {
    const id = await runIdParam(ctx);
    const figure = RunFigureName.safeParse((await ctx.params).figure);
    if (!figure.success) throw badRequest(`figure: ${figure.error.issues[0]?.message}`);
    const q = parseQuery(RunFigureQuery, request);
    const db = await openDb();
    const data = await requireRunData(db, id, q);
    const spec = await runFigure(db, data, figure.data, q);
    return figureResponse(spec, q.format, runFigureBase(data, figure.data));
  });
}
