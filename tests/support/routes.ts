/** Calling Next.js route handlers directly, as the API tests do (no server). */

/** A route handler: the request and the route's params. */
export type RouteHandler<P = { id: string }> = (request: Request, ctx: { params: Promise<P> }) => Promise<Response>;

/** A GET of `url` (path and query) on a handler whose route takes `id`. */
export function getRoute(handler: RouteHandler, url: string, id = ""): Promise<Response> {
  return handler(new Request(`http://x${url}`), { params: Promise.resolve({ id }) });
}

/** `getRoute`, with the body parsed as JSON. */
export async function getJson(handler: RouteHandler, url: string, id: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await getRoute(handler, url, id);
  return { status: res.status, body: JSON.parse(await res.text()) as Record<string, unknown> };
}
