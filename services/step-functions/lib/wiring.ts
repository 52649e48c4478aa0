import { createStepsFromEnv } from '#adapters/composition';
import type { OrderSteps } from '#domain/steps';

export const VARIANT = 'step-functions';

/** Composition root of a Task's Lambda: env read once per cold start. */
export function stepsFromEnv(): OrderSteps {
  return createStepsFromEnv(VARIANT);
}
