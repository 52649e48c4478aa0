import { createStepDepsFromEnv } from '#adapters/composition';
import { intFromEnv } from '#adapters/config';
import { createOrderSteps } from '#domain/steps';
import type { OrderRunConfig } from './order-run.ts';

export const VARIANT = 'single-lambda';

/** Composition root of the order function: env read once per cold start. */
export function orderRunConfig(): OrderRunConfig {
  const deps = createStepDepsFromEnv(VARIANT);
  return {
    steps: createOrderSteps(deps),
    orders: deps.orders,
    maxRuns: 1 + intFromEnv('MAXIMUM_RETRY_ATTEMPTS', 2),
    retry: { baseDelayMs: intFromEnv('RETRY_BASE_MS', 1000) },
  };
}
