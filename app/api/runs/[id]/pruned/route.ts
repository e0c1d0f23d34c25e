/**
 * GET /api/runs/[id]/pruned?epoch&threshold=0.01&mode=zero|gamma-only&includeShortcut=true — the
 * checkpoint with every BN channel of |γ| < threshold switched off (γ = 0, and β = 0 in zero
 * mode), as a safetensors file that loads into PyTorch like the original. The channels are the
 * ones `/api/runs/[id]/ablation` removes at the same threshold; the mask is in the file's metadata
 * (counts) and at `/api/runs/[id]/mask` (indices).
 */
import { handle } from "../../../../../lib/server/errors";
import { parseQuery, runIdParam, type RunContext } from "../../../../../lib/server/api-query";
import { openDb } from "../../../../../lib/db/client";
import { PruneQuery } from "../../../../../lib/server/figure-query";
import { prunedCheckpoint } from "../../../../../lib/server/prune";
import { safeFileName , thresholdInName } from "../../../../../lib/server/render";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(request: Request, ctx: RunContext): Promise<Response> {
  return handle("GET /api/runs/[id]/pruned", async () => {
    const id = await runIdParam(ctx);
    const q = parseQuery(PruneQuery, request);
    const { bytes, epoch, mask } = await prunedCheckpoint(await openDb(), id, q);
    const name = safeFileName(`${id}-ep${epoch}-pruned-${thresholdInName(q.threshold)}-${q.mode}.safetensors`);
    // Streamed in chunks: a large network's file is not copied into one more buffer.
    const chunk = 1 << 20;
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.byteLength) return controller.close();
        controller.enqueue(bytes.subarray(at, Math.min(at + chunk, bytes.byteLength)));
        at += chunk;
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "application/octet-stream",
        "content-disposition": `attachment; filename="${name}"`,
        "content-length": String(bytes.byteLength),
        "cache-control": "no-store",
        "x-bnlab-removed": `${mask.removed}/${mask.total}`,
      },
    });
  });
}
