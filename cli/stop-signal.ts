/**
 * Ctrl-C (or SIGTERM) while training: the first asks the run to stop after the current step and
 * save; the second quits at once. The trainer takes the returned signal.
 */
import type { Reporter } from "../trainer/progress";

export function stopOnSignal(reporter: Reporter): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    reporter.warn("stopping after this step (Ctrl-C again to quit at once)…");
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
