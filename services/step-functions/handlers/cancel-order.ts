import { compensationInputOf, createTaskHandler } from '../lib/task-step.ts';
import { stepsFromEnv } from '../lib/wiring.ts';

/**
 * Task state CancelOrder (compensation, idempotent): ends the order CANCELLED with the business error as its reason.
 */
const steps = stepsFromEnv();

export const handler = createTaskHandler(steps, 'cancel-order', (input, event) =>
  steps.cancelOrder(compensationInputOf(input, event)),
);
