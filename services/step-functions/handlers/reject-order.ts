import { compensationInputOf, createTaskHandler } from '../lib/task-step.ts';
import { stepsFromEnv } from '../lib/wiring.ts';

/** Task state RejectOrder (compensation, idempotent): ends an invalid order REJECTED (nothing to undo). */
const steps = stepsFromEnv();

export const handler = createTaskHandler(steps, 'reject-order', (input, event) =>
  steps.rejectOrder(compensationInputOf(input, event)),
);
