/**
 * What a run id may look like in a URL. Run ids are plain names (`synthetic-resnet8-w4-bn-…-s0`);
 * anything else — a path, an encoded slash, `..` — cannot be a run, so it is refused without any
 * lookup. The id is only ever a database key: no file is opened by a name a client gave.
 */
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/;

/** The run id of a URL segment (percent-decoded), or null when it cannot be one. */
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
