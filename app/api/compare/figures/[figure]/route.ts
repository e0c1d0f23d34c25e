/**
 * GET /api/compare/figures/[figure]?runs=a,b,c&t=0.01&theme&format=svg|png|csv — a figure of the
 * compare page: training-curves (overlaid), gamma-histogram (|γ|, log, as fractions of each run),
 * layer-fraction (fraction below t per layer, grouped). Unknown run ids are a 404.
 */
import { ApiError, badRequest, handle, notFound } from "../../../../../lib/server/errors";
import { parseQuery } from "../../../../../lib/server/api-query";
import { openDb } from "../../../../../lib/db/client";
import { CompareFigureName, CompareFigureQuery } from "../../../../../lib/server/figure-query";
import { loadCompareRuns } from "../../../../../lib/server/page-data";
import { figureResponse } from "../../../../../lib/server/render";
import { compareFigureSpec } from "../../../../../lib/charts/run-figures";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request, ctx: { params: Promise<{ figure: string }> }): Promise<Response> {
  return handle("GET /api/compare/figures/[figure]", async () => {
    const figure = CompareFigureName.safeParse((await ctx.params).figure);
    if (!figure.success) throw badRequest(`figure: ${figure.error.issues[0]?.message}`);
    const q = parseQuery(CompareFigureQuery, request);
    const { runs, missing } = await loadCompareRuns(await openDb(), q.runs);
    if (missing.length) throw notFound(`no run ${missing.map((m) => `"${m}"`).join(", ")}`);
    const spec = compareFigureSpec(figure.data, runs, { threshold: q.t, theme: q.theme });
    if (!spec) throw new ApiError(422, `none of the runs has ${figure.data === "training-curves" ? "metrics" : "a readable checkpoint"}`);
    return figureResponse(spec, q.format, `compare-${runs.length}-runs-${figure.data}`);
  });
}
