import { compensationInputOf, createTaskHandler } from '../lib/task-step.ts';
import { stepsFromEnv } from '../lib/wiring.ts';

/**
 * Task state ReleaseInventory (compensation, idempotent): gives back the stock the order holds (after OutOfStockError).
 */
const steps = stepsFromEnv();

export const handler = createTaskHandler(steps, 'release-inventory', (input, event) =>
  steps.releaseInventory(compensationInputOf(input, event)),
);
