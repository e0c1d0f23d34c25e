/** Server side of the run and prune pages: the `[id]` segment and their search params. */
import { z } from "zod";
import { epochParam, lenientParse, siblingParam, thresholdParam } from "./figure-query";

export const RunPageQuery = z.strictObject({
  epoch: epochParam.optional(),
  t: thresholdParam.optional(),
  sibling: siblingParam.optional(),
});

export function parseRunPage(sp: Record<string, string | string[] | undefined>) {
  return lenientParse(RunPageQuery, sp);
}
