import { createStepsFromEnv } from '#adapters/composition';
import type { OrderSteps } from '#domain/steps';

export const VARIANT = 'durable-functions';

/** Composition root of the durable orchestrator: env read once per cold start. */
export function stepsFromEnv(): OrderSteps {
  return createStepsFromEnv(VARIANT);
}
