import { createStepDepsFromEnv } from '#adapters/composition';
import { createSqsClient } from '#adapters/clients';
import { requireEnv } from '#adapters/config';
import { createReviewOrderHandler } from '#api/order-api';
import { createResumeReview } from '../lib/review.ts';
import { reviewScheduleFromEnv, VARIANT } from '../lib/wiring.ts';

/** POST /orders/{orderId}/review: record the decision, then hand the order on and drop its timeout. */
const resume = createResumeReview(createSqsClient(), requireEnv('CHARGE_PAYMENT_QUEUE_URL'), reviewScheduleFromEnv());

export const handler = createReviewOrderHandler(createStepDepsFromEnv(VARIANT), resume);
