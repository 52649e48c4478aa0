import { createStepsFromEnv } from '../../../shared/adapters/composition.ts';
import type { OrderSteps } from '../../../shared/domain/steps.ts';

export const VARIANT = 'step-functions';

/** Composition root of a Task's Lambda: env read once per cold start. */
export function stepsFromEnv(): OrderSteps {
  return createStepsFromEnv(VARIANT);
}
