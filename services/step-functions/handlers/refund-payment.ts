import { compensationInputOf, createTaskHandler } from '../lib/task-step.ts';
import { stepsFromEnv } from '../lib/wiring.ts';

/** Task state RefundPayment (compensation, idempotent): refunds the charge, if any (after OutOfStockError). */
const steps = stepsFromEnv();

export const handler = createTaskHandler(steps, 'refund-payment', (input, event) =>
  steps.refundPayment(compensationInputOf(input, event)),
);
