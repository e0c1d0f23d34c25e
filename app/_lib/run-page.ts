/** Server side of the run and prune pages: the `[id]` segment and their search params. */
import { z } from "zod";
import { epochParam, lenientParse, siblingParam, thresholdParam } from "../../lib/export/params";

export const RunPageQuery = z.strictObject({
  epoch: epochParam.optional(),
  t: thresholdParam.optional(),
  sibling: siblingParam.optional(),
});

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/;

/** The run id of the URL, or null when it cannot be one (a 404 without a lookup). */
export function runIdOf(raw: string): string | null {
  let id = raw;
  if (id.includes("%")) {
    try {
      id = decodeURIComponent(id);
    } catch {
      return null;
    }
  }
  return RUN_ID.test(id) && !id.includes("..") ? id : null;
}

export function parseRunPage(sp: Record<string, string | string[] | undefined>) {
  return lenientParse(RunPageQuery, sp);
}
