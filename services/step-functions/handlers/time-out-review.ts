import { createTaskHandler } from '../lib/task-step.ts';
import { stepsFromEnv } from '../lib/wiring.ts';

/**
 * Task state TimeOutReview (AwaitReview's States.Timeout): records the timeout in the same
 * conditional write a reviewer's decision uses. CANCELLED (ReviewTimedOut) when it won; when an
 * approval won just before, the order is VALIDATED and AfterTimeout goes on to ChargePayment.
 */
const steps = stepsFromEnv();

export const handler = createTaskHandler(steps, 'time-out-review', (input) => steps.timeOutReview(input));
