/**
 * The shapes of the JSON the API answers, for the route handlers that build them and the client
 * components that read them. Types only: safe to import (as `import type`) anywhere.
 */
import type { AblationEvaluation, AccuracyEstimate } from "../analysis/ablation";

/** GET /api/runs/[id]/ablation */
export interface AblationResponse extends AblationEvaluation {
  runId: string;
  epoch: number;
  hash: string;
  /** Whether the ablation came from the analysis cache. */
  cached: boolean;
  /** The unablated network on the same images. */
  baseline: AccuracyEstimate;
}
