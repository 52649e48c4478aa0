import { createScheduleTimer } from '#adapters/review-schedule';
import { withOrderContext } from '#observability/logger';
import { runOrder, type RunOrderEvent } from '../lib/order-run.ts';
import { orderRunConfig, reviewScheduleOfEnv } from '../lib/wiring.ts';

/**
 * Invoked asynchronously: by the API (the whole order, validate to confirm, in this one
 * invocation; a big order parks for review and the run ends), by the review API on approval
 * (on from charge-payment) and by the order's review schedule at its timeout.
 */
const config = orderRunConfig({ reviewTimer: createScheduleTimer(reviewScheduleOfEnv()) });

export const handler = async (event: RunOrderEvent): Promise<void> => {
  await withOrderContext(event, () => runOrder(config, event));
};
