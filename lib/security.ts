/**
 * Who may talk to the dashboard, and the headers every response carries. Used by the root
 * proxy.ts (every request) and by `bnlab start` (refuses to serve a network without a token).
 *
 * * No `BNLAB_TOKEN`: the server is meant for this machine only, so a request must name a
 *   loopback host (`Host: 127.0.0.1:3000`, `localhost`, `[::1]`); anything else is a 403. That
 *   also stops DNS rebinding (a web page whose domain resolves to 127.0.0.1 sends its own Host).
 * * `BNLAB_TOKEN` set: every request needs it — `Authorization: Bearer <token>`, or the cookie
 *   that `?token=<token>` sets once (HttpOnly, SameSite=Strict; the URL is then redirected without
 *   the token so it stays out of history and Referer). Compared in constant time.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "bnlab_session";

/** A token shorter than this is refused by `bnlab start` for a network address. */
export const MIN_TOKEN_LENGTH = 16;

/** Whether a host name or address (as given to --host, or a Host header's name) is this machine's loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || h === "::ffff:127.0.0.1";
}

/** The host name of a Host header (`127.0.0.1:3000` → `127.0.0.1`, `[::1]:3000` → `[::1]`). */
export function hostName(hostHeader: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)(:\d+)?$/.exec(hostHeader.trim());
  return m ? m[1] : "";
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Constant-time string equality (both sides hashed first, so their lengths leak nothing either). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** The cookie's value: derived from the token, so the cookie cannot be replayed as a bearer token. */
export function sessionValue(token: string): string {
  return createHmac("sha256", token).update("bnlab-session-v1").digest("base64url");
}

export type Access =
  | { ok: true; setCookie?: string; redirect?: string }
  | { ok: false; status: 401 | 403; message: string };

export interface AccessRequest {
  url: URL;
  host: string | null;
  authorization: string | null;
  cookie: string | undefined;
}

/** Decides whether a request may be served; `token` is BNLAB_TOKEN (undefined or empty: none). */
export function checkAccess(req: AccessRequest, token: string | undefined): Access {
  if (!token) {
    if (req.host !== null && isLoopbackHost(hostName(req.host))) return { ok: true };
    return { ok: false, status: 403, message: "this bnlab server answers on loopback only (set BNLAB_TOKEN to serve other hosts)" };
  }
  const bearer = /^Bearer\s+(.+)$/i.exec(req.authorization ?? "");
  if (bearer && safeEqual(bearer[1].trim(), token)) return { ok: true };
  if (req.cookie !== undefined && safeEqual(req.cookie, sessionValue(token))) return { ok: true };
  const given = req.url.searchParams.get("token");
  if (given !== null && safeEqual(given, token)) {
    const clean = new URL(req.url);
    clean.searchParams.delete("token");
    return {
      ok: true,
      setCookie: `${SESSION_COOKIE}=${sessionValue(token)}; Path=/; HttpOnly; SameSite=Strict`,
      redirect: clean.pathname + clean.search,
    };
  }
  return { ok: false, status: 401, message: "this bnlab server needs its token: open the dashboard once as /?token=<BNLAB_TOKEN>, or send Authorization: Bearer <BNLAB_TOKEN>" };
}

/**
 * Content-Security-Policy for the app. Next's production pages carry inline bootstrap scripts
 * (the flight data) and the layout an inline theme script, and React sets inline styles: hence
 * 'unsafe-inline' for scripts and styles (a nonce would force every page to render per request).
 * Everything else is this origin only; figures and downloads are same-origin or data: URLs.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers every response carries (proxy.ts sets them; next.config.ts turns X-Powered-By off). */
export const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
};

/**
 * Methods the app answers: it only reads (no server actions). The one route that takes a body,
 * the Import page's POST /api/import, is outside the proxy and checks access itself.
 */
export const ALLOWED_METHODS = ["GET", "HEAD"];
