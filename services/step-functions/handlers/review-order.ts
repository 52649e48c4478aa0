import { createStepDepsFromEnv } from '#adapters/composition';
import { createSfnClient } from '#adapters/clients';
import { createReviewOrderHandler } from '#api/order-api';
import { createResumeReview } from '../lib/review.ts';
import { VARIANT } from '../lib/wiring.ts';

/** POST /orders/{orderId}/review: record the decision, then send the waiting task its token back. */
export const handler = createReviewOrderHandler(createStepDepsFromEnv(VARIANT), createResumeReview(createSfnClient()));
