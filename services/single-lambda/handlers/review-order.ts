import { createLambdaClient } from '#adapters/clients';
import { createStepDepsFromEnv } from '#adapters/composition';
import { requireEnv } from '#adapters/config';
import { createReviewOrderHandler } from '#api/order-api';
import { createResumeReview } from '../lib/review.ts';
import { reviewScheduleOfEnv, VARIANT } from '../lib/wiring.ts';

/** POST /orders/{orderId}/review: record the decision, start the approved order's second run, drop the timeout. */
const resume = createResumeReview(
  createLambdaClient(),
  requireEnv('PROCESS_ORDER_FUNCTION_NAME'),
  reviewScheduleOfEnv(),
);

export const handler = createReviewOrderHandler(createStepDepsFromEnv(VARIANT), resume);
