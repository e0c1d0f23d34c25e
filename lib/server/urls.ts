/** URLs of the pages and of the export routes, built in one place. */
const enc = encodeURIComponent;

export const runHref = (id: string, q: { epoch?: number; t?: number; sibling?: string | null } = {}) => `/runs/${enc(id)}${query(q)}`;
export const pruneHref = (id: string, q: { epoch?: number; t?: number } = {}) => `/runs/${enc(id)}/prune${query(q)}`;
export const compareHref = (ids: string[]) => `/compare?runs=${ids.map(enc).join(",")}`;

/** A group of runs up to this many is linked run by run (and compared together); a larger one through the runs list. */
export const LINKED_RUNS_MAX = 8;

/** The runs list showing the complete runs of one network and mode (a depth/width point with many seeds). */
export const groupRunsHref = (g: { dataset: string; depth: number; width: number; mode: string }) =>
  `/${query({ dataset: g.dataset, depth: g.depth, width: g.width, mode: g.mode, status: "complete" })}`;

export function query(q: Record<string, string | number | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === "") continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** Export route of a run figure (format and theme are added by the download links). */
export const runFigureUrl = (id: string, figure: string, q: { epoch?: number; t: number; sibling?: string | null }) =>
  `/api/runs/${enc(id)}/figures/${figure}${query({ epoch: q.epoch, t: q.t, sibling: q.sibling === undefined ? undefined : (q.sibling ?? "none") })}`;

export const runZipUrl = (id: string, q: { epoch?: number; t: number; sibling?: string | null; theme: string }) =>
  `/api/runs/${enc(id)}/figures${query({ epoch: q.epoch, t: q.t, sibling: q.sibling === undefined ? undefined : (q.sibling ?? "none"), theme: q.theme })}`;

export const compareFigureUrl = (ids: string[], figure: string, t: number) => `/api/compare/figures/${figure}?runs=${ids.map(enc).join(",")}&t=${t}`;

/** Replaces one parameter of the address bar without a navigation (Next keeps its router in step). */
export function replaceParam(key: string, value: string | null): void {
  const url = new URL(window.location.href);
  if (value === null) url.searchParams.delete(key);
  else url.searchParams.set(key, value);
  window.history.replaceState(null, "", `${url.pathname}${url.search}${url.hash}`);
}
