import { createSqsStepHandler } from '../lib/sqs-step.ts';
import { createScheduleTimer } from '#adapters/review-schedule';
import { chainConfig, reviewScheduleFromEnv } from '../lib/wiring.ts';

/**
 * SQS -> validate-order -> next queue (business errors -> compensation queue). An order above the
 * review threshold parks instead (await-review, with its timeout's schedule) and goes nowhere.
 */
const config = chainConfig('VALIDATE_ORDER_QUEUE_URL', 'CHARGE_PAYMENT_QUEUE_URL', {
  reviewTimer: createScheduleTimer(reviewScheduleFromEnv()),
});

export const handler = createSqsStepHandler(
  config,
  'validate-order',
  async (input) => {
    const validated = await config.steps.validateOrder(input);
    return validated.awaitsReview ? config.steps.awaitReview(input) : validated;
  },
  'VALIDATED',
);
