import { createFlaggedStepHandler } from '../lib/flags-step.ts';
import { flagsConfig } from '../lib/wiring.ts';

/** InventoryReserved -> send-confirmation -> OrderConfirmed (the order ends CONFIRMED). */
const config = flagsConfig();

export const handler = createFlaggedStepHandler(config, {
  step: 'send-confirmation',
  after: 'reserve-inventory',
  run: config.steps.sendConfirmation,
  next: 'OrderConfirmed',
  reaches: 'CONFIRMED',
  compensable: true,
});
