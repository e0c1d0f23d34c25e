/**
 * POST /api/import?name=<file>&dataset=<d> — the Import page's upload: the body is one
 * .pt/.pth/.safetensors file (application/octet-stream), imported and indexed like
 * `bnlab import`; answers 201 with the new run's id and page (200 when nothing changed).
 *
 * proxy.ts leaves this path alone (it would buffer the body in memory), so the same access
 * check and security headers are applied here.
 */
import { version } from "../../../package.json";
import { openDb } from "../../../lib/db/client";
import { handle, jsonError } from "../../../lib/server/errors";
import { importUpload } from "../../../lib/server/import-upload";
import { runHref } from "../../../lib/server/urls";
import { dataDir, runsDir } from "../../../lib/paths";
import { checkAccess, SECURITY_HEADERS, SESSION_COOKIE } from "../../../lib/security";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

function sessionCookie(request: Request): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === SESSION_COOKIE) return v.join("=");
  }
  return undefined;
}

function withHeaders(res: Response): Response {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.headers.set(k, v);
  res.headers.set("cache-control", "no-store");
  return res;
}

export async function POST(request: Request): Promise<Response> {
  const access = checkAccess(
    { url: new URL(request.url), host: request.headers.get("host"), authorization: request.headers.get("authorization"), cookie: sessionCookie(request) },
    process.env.BNLAB_TOKEN,
  );
  if (!access.ok) return withHeaders(jsonError(access.status, access.message));
  const res = await handle("POST /api/import", async () => {
    const r = await importUpload(request, { db: await openDb(), dataDir: dataDir(), runsDir: runsDir(), codeVersion: version });
    return Response.json({ ...r, href: runHref(r.id) }, { status: r.change === "unchanged" ? 200 : 201 });
  });
  return withHeaders(res);
}
