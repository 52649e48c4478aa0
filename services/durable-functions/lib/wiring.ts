import { createStepsFromEnv } from '#adapters/composition';
import { intFromEnv } from '#adapters/config';
import { DEFAULT_REVIEW_TIMEOUT_SECONDS } from '#domain/review';
import type { OrderSteps } from '#domain/steps';
import type { SagaOptions } from './order-saga.ts';

export const VARIANT = 'durable-functions';

/** Composition root of the durable orchestrator: env read once per cold start. */
export function stepsFromEnv(): OrderSteps {
  return createStepsFromEnv(VARIANT);
}

/** The saga's own settings: the review timeout, as the steps read it (REVIEW_TIMEOUT_SECONDS). */
export function sagaOptionsFromEnv(): SagaOptions {
  return { reviewTimeoutSeconds: intFromEnv('REVIEW_TIMEOUT_SECONDS', DEFAULT_REVIEW_TIMEOUT_SECONDS) };
}
