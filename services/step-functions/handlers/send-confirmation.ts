import { createTaskHandler } from '../lib/task-step.ts';
import { stepsFromEnv } from '../lib/wiring.ts';

/** Task state SendConfirmation: INVENTORY_RESERVED -> CONFIRMED. */
const steps = stepsFromEnv();

export const handler = createTaskHandler(steps, 'send-confirmation', (input) => steps.sendConfirmation(input));
