/** Server side: the progress of the sweep `npm start` trains behind the dashboard, if any. */
import { dataDir } from "../paths";
import { readSweepProgress, type SweepProgress } from "../run/sweep-progress";

export function sweepProgress(): SweepProgress | null {
  return readSweepProgress(dataDir());
}

/** "about 4 min left", from seconds. */
export function etaText(seconds: number | null): string {
  if (seconds === null) return "estimating time left";
  if (seconds < 60) return "less than a minute left";
  const min = Math.round(seconds / 60);
  return min < 90 ? `about ${min} min left` : `about ${(seconds / 3600).toFixed(1)} h left`;
}
