import { createStepDepsFromEnv } from '#adapters/composition';
import { intFromEnv } from '#adapters/config';
import { reviewScheduleFromEnv, type ReviewSchedule } from '#adapters/review-schedule';
import type { ReviewTimer } from '#domain/review';
import { createOrderSteps } from '#domain/steps';
import type { OrderRunConfig } from './order-run.ts';
import { timeoutInvocation } from './review.ts';

export const VARIANT = 'single-lambda';

/** Composition root of the order function: env read once per cold start. */
export function orderRunConfig(options: { reviewTimer?: ReviewTimer } = {}): OrderRunConfig {
  const deps = createStepDepsFromEnv(VARIANT, process.env, options);
  return {
    steps: createOrderSteps(deps),
    orders: deps.orders,
    maxRuns: 1 + intFromEnv('MAXIMUM_RETRY_ATTEMPTS', 2),
    retry: { baseDelayMs: intFromEnv('RETRY_BASE_MS', 1000) },
  };
}

/** A waiting order's timeout: a schedule in the stack's group that invokes the order function (serverless.yml). */
export function reviewScheduleOfEnv(): ReviewSchedule {
  return reviewScheduleFromEnv(timeoutInvocation);
}
