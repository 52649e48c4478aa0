import type { Context } from 'aws-lambda';
import { duringWait } from '#observability/usage';
import type { OrderEvent } from '../lib/events.ts';
import { createFlaggedStepHandler } from '../lib/flags-step.ts';
import { handOnDecision } from '../lib/review.ts';
import { flagsConfig } from '../lib/wiring.ts';

/**
 * ReviewTimedOut (put by the order's one-time schedule) -> time-out-review: records the timeout
 * unless a reviewer decided first (one conditional write), then hands the decided order on as the
 * review API does: the timeout puts OrderStepFailed (ReviewTimedOut); a decision that won the race
 * is handed on again, harmlessly. All of it exists because the order waited: its units count as
 * waiting cost.
 */
const config = flagsConfig();

const timeOutReview = createFlaggedStepHandler(config, {
  step: 'time-out-review',
  run: async (input) => {
    const result = await config.steps.timeOutReview(input);
    const order = await config.orders.get(input.orderId);
    const decision = order?.review?.decision;
    if (order && decision) await handOnDecision(config, order, decision);
    return result;
  },
});

export const handler = (event: OrderEvent, context: Context) => duringWait(() => timeOutReview(event, context));
