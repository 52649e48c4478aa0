import { createTaskHandler } from '../lib/task-step.ts';
import { stepsFromEnv } from '../lib/wiring.ts';

/** Task state SendConfirmation: INVENTORY_RESERVED -> CONFIRMED. */
const steps = stepsFromEnv();

export const handler = createTaskHandler((input) => steps.sendConfirmation(input));
