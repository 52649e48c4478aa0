import { createFlaggedStepHandler } from '../lib/flags-step.ts';
import { flagsConfig } from '../lib/wiring.ts';

/** OrderValidated -> charge-payment -> PaymentCharged (declined -> OrderStepFailed). */
const config = flagsConfig();

export const handler = createFlaggedStepHandler(config, {
  step: 'charge-payment',
  after: 'validate-order',
  run: config.steps.chargePayment,
  next: 'PaymentCharged',
  reaches: 'PAYMENT_CHARGED',
  compensable: true,
});
