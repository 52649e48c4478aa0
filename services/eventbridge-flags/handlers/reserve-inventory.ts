import { createFlaggedStepHandler } from '../lib/flags-step.ts';
import { flagsConfig } from '../lib/wiring.ts';

/** PaymentCharged -> reserve-inventory -> InventoryReserved (out of stock -> OrderStepFailed). */
const config = flagsConfig();

export const handler = createFlaggedStepHandler(config, {
  step: 'reserve-inventory',
  after: 'charge-payment',
  run: config.steps.reserveInventory,
  next: 'InventoryReserved',
  reaches: 'INVENTORY_RESERVED',
  compensable: true,
});
