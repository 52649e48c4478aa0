import { createTaskHandler } from '../lib/task-step.ts';
import { stepsFromEnv } from '../lib/wiring.ts';

/** Task state ReserveInventory: PAYMENT_CHARGED -> INVENTORY_RESERVED; OutOfStockError -> ReleaseInventory. */
const steps = stepsFromEnv();

export const handler = createTaskHandler(steps, 'reserve-inventory', (input) => steps.reserveInventory(input));
