/**
 * Errors of the HTTP API and their responses. A handler throws `ApiError` for anything the client
 * should see (400 bad input, 404 unknown run or epoch, 422 broken checkpoint, …); `handle()` turns
 * it into `{error}` JSON. Anything else is logged server-side with its stack and answered with a
 * plain 500: no stack trace and no server path ever reaches a response.
 */
import { z } from "zod";
import { dataDir, runsDir } from "../paths";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const badRequest = (message: string) => new ApiError(400, message);
export const notFound = (message: string) => new ApiError(404, message);

/**
 * A message with the server's folders taken out: a checkpoint error recorded as
 * "/srv/bnlab/runs/<id>/ckpt/ep-2.safetensors: …" becomes "<id>/ckpt/ep-2.safetensors: …".
 */
export function redactPaths(message: string): string {
  let out = message;
  for (const root of [runsDir(), dataDir()].sort((a, b) => b.length - a.length)) {
    for (const sep of ["/", "\\"]) out = out.split(root + sep).join("");
    out = out.split(root).join(".");
  }
  return out;
}

/** One line per zod issue, each naming the query parameter and the value it got. */
export function describeQueryError(e: z.ZodError, raw: Record<string, string>): string {
  return e.issues
    .slice(0, 5)
    .map((i) => {
      if (i.code === "unrecognized_keys") return i.keys.map((k) => `unknown parameter "${k}"`).join("; ");
      const name = String(i.path[0] ?? "query");
      const got = raw[name];
      return got === undefined ? `${name}: ${i.message}` : `${name}: ${i.message} (got "${got.length > 60 ? `${got.slice(0, 57)}...` : got}")`;
    })
    .join("; ");
}

export function jsonError(status: number, message: string): Response {
  return Response.json({ error: message }, { status, headers: { "cache-control": "no-store" } });
}

/** The response for an error thrown by a handler. */
export function errorResponse(e: unknown, where: string): Response {
  if (e instanceof ApiError) return jsonError(e.status, redactPaths(e.message));
  console.error(`[bnlab api] ${where}:`, e);
  return jsonError(500, "internal error (see the server log)");
}

/** Runs a handler body; every error becomes a JSON error response. */
export async function handle(where: string, body: () => Promise<Response>): Promise<Response> {
  try {
    return await body();
  } catch (e) {
    return errorResponse(e, where);
  }
}
