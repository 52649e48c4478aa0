import { createTaskHandler } from '../lib/task-step.ts';
import { stepsFromEnv } from '../lib/wiring.ts';

/** Task state ValidateOrder: ACCEPTED -> VALIDATED; ValidationError -> RejectOrder. */
const steps = stepsFromEnv();

export const handler = createTaskHandler(steps, 'validate-order', (input) => steps.validateOrder(input));
