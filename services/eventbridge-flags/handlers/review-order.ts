import { createStepDepsFromEnv } from '#adapters/composition';
import { createReviewOrderHandler } from '#api/order-api';
import { createResumeReview } from '../lib/review.ts';
import { flagsConfig, reviewScheduleOf, VARIANT } from '../lib/wiring.ts';

/** POST /orders/{orderId}/review: record the decision, put the event it calls for, drop the timeout. */
const config = flagsConfig();

export const handler = createReviewOrderHandler(
  createStepDepsFromEnv(VARIANT),
  createResumeReview(config, reviewScheduleOf(config.publisher.source)),
);
