/**
 * Next calls register() once as the server starts. bnlab opens (and migrates) the index there, so
 * that the first visitor does not wait for the database client to load, connect and check the
 * schema: on a fresh server that was most of a first /findings request.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { openDb } = await import("./lib/db/client");
  const { runExists } = await import("./lib/db/queries");
  try {
    await runExists(await openDb(), "");
  } catch (e) {
    // The pages report a database they cannot open, with its cause; starting must not fail here.
    console.error(`[bnlab] the index could not be opened at start: ${(e as Error).message}`);
  }
}
