import { createFlaggedStepHandler } from '../lib/flags-step.ts';
import { handOnDecision } from '../lib/review.ts';
import { flagsConfig } from '../lib/wiring.ts';

/**
 * ReviewTimedOut (put by the order's one-time schedule) -> time-out-review: records the timeout
 * unless a reviewer decided first (one conditional write), then hands the decided order on as the
 * review API does: the timeout puts OrderStepFailed (ReviewTimedOut); a decision that won the race
 * is handed on again, harmlessly.
 */
const config = flagsConfig();

export const handler = createFlaggedStepHandler(config, {
  step: 'time-out-review',
  run: async (input) => {
    const result = await config.steps.timeOutReview(input);
    const order = await config.orders.get(input.orderId);
    const decision = order?.review?.decision;
    if (order && decision) await handOnDecision(config, order, decision);
    return result;
  },
});
