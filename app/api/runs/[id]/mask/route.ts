/**
 * GET /api/runs/[id]/mask?epoch&threshold=0.01&mode=zero|gamma-only&includeShortcut=true — the BN
 * channels removed at |γ| < threshold, as JSON: per layer in forward order, the removed channel
 * indices (`bnlab-channel-mask@1`). Served as a download named after the run and threshold.
 */
import { handle } from "../../../../../lib/server/errors";
import { parseQuery, runIdParam, type RunContext } from "../../../../../lib/server/api-query";
import { openDb } from "../../../../../lib/db/client";
import { safeFileName , thresholdInName } from "../../../../../lib/server/render";
import { PruneQuery } from "../../../../../lib/server/figure-query";
import { pruneMask } from "../../../../../lib/server/prune";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request, ctx: RunContext): Promise<Response> {
  return handle("GET /api/runs/[id]/mask", async () => {
    const id = await runIdParam(ctx);
    const q = parseQuery(PruneQuery, request);
    const mask = await pruneMask(await openDb(), id, q);
    const name = safeFileName(`${id}-ep${mask.epoch}-mask-${thresholdInName(q.threshold)}-${q.mode}.json`);
    return new Response(JSON.stringify(mask, null, 1) + "\n", {
      headers: { "content-type": "application/json; charset=utf-8", "content-disposition": `attachment; filename="${name}"`, "cache-control": "no-store" },
    });
  });
}
