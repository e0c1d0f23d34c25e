/**
 * GET /api/runs/[id]/figures?epoch&t=0.01&theme=light|dark&sibling — every figure of the run
 * (the run page's and the prune page's) as SVG, PNG (2×) and CSV in one zip, with a README that
 * lists them and says why any is missing (no metrics yet, no checkpoint, no test data).
 */
import { handle } from "../../../../../lib/server/errors";
import { parseQuery, runIdParam, type RunContext } from "../../../../../lib/server/api-query";
import { openDb } from "../../../../../lib/db/client";
import { RunFiguresZipQuery } from "../../../../../lib/server/figure-query";
import { CONTENT_TYPES, download, zipFigures } from "../../../../../lib/server/render";
import { allRunFigures, requireRunData, runFigureBase } from "../../../../../lib/server/run-export";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request, ctx: RunContext): Promise<Response> {
  return handle("GET /api/runs/[id]/figures", async () => {
    const id = await runIdParam(ctx);
    const q = parseQuery(RunFiguresZipQuery, request);
    const db = await openDb();
    const data = await requireRunData(db, id, q);
    const { figures, notes } = await allRunFigures(db, data, q);
    const folder = runFigureBase(data, "figures");
    const parameters = { threshold: q.t, epoch: data.gamma?.epoch, sibling: data.sibling ? `${data.sibling.runId} (epoch ${data.sibling.epoch})` : "none", "epoch 0 overlay": data.init ? "yes" : "no", theme: q.theme };
    return download(zipFigures(folder, figures, notes, parameters), `${folder}.zip`, CONTENT_TYPES.zip);
  });
}
