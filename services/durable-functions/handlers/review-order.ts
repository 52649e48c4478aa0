import { createStepDepsFromEnv } from '#adapters/composition';
import { createLambdaClient } from '#adapters/clients';
import { createReviewOrderHandler } from '#api/order-api';
import { createResumeReview } from '../lib/review.ts';
import { VARIANT } from '../lib/wiring.ts';

/** POST /orders/{orderId}/review: record the decision, then complete the waiting execution's callback. */
export const handler = createReviewOrderHandler(
  createStepDepsFromEnv(VARIANT),
  createResumeReview(createLambdaClient()),
);
