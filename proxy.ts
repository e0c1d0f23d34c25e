/**
 * Runs before every request (pages, API, static files) but one: access control (loopback only,
 * or BNLAB_TOKEN — see lib/security.ts), read-only methods, and the security headers on every
 * response, the refusals included. The one is the Import page's upload, POST /api/import: a
 * proxy makes Next buffer the request body in memory (up to proxyClientMaxBodySize), so that
 * route is left out here and applies the same access check and headers itself.
 */
import { NextResponse, type NextRequest } from "next/server";
import { ALLOWED_METHODS, checkAccess, SECURITY_HEADERS, SESSION_COOKIE } from "./lib/security";

function withHeaders<R extends Response>(res: R): R {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.headers.set(k, v);
  return res;
}

function refuse(request: NextRequest, status: number, message: string, extra: Record<string, string> = {}): Response {
  const headers = { "cache-control": "no-store", ...extra };
  // API clients get the API's {error} JSON; a browser gets a line of text.
  const res = request.nextUrl.pathname.startsWith("/api/") ? Response.json({ error: message }, { status, headers }) : new Response(`${status}: ${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });
  return withHeaders(res);
}

/** Whether the path's percent-escapes decode (Next's router throws on `%E0%A4%A` and answers a bare 500). */
function decodablePath(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

export function proxy(request: NextRequest): Response {
  const access = checkAccess(
    { url: request.nextUrl, host: request.headers.get("host"), authorization: request.headers.get("authorization"), cookie: request.cookies.get(SESSION_COOKIE)?.value },
    process.env.BNLAB_TOKEN,
  );
  if (!access.ok) return refuse(request, access.status, access.message, access.status === 401 ? { "www-authenticate": 'Bearer realm="bnlab"' } : {});
  if (!ALLOWED_METHODS.includes(request.method)) return refuse(request, 405, `method ${request.method} is not allowed here: the dashboard only reads, except POST /api/import (the Import page)`, { allow: ALLOWED_METHODS.join(", ") });
  if (!decodablePath(request.nextUrl.pathname)) return refuse(request, 400, "malformed percent-encoding in the path");
  if (access.redirect) {
    // Next needs an absolute Location (a relative one makes it fail with a 500).
    const res = new Response(null, { status: 303, headers: { location: new URL(access.redirect, request.nextUrl).href, "set-cookie": access.setCookie ?? "", "cache-control": "no-store" } });
    return withHeaders(res);
  }
  return withHeaders(NextResponse.next());
}

export const config = {
  matcher: ["/((?!api/import$).*)"],
};
