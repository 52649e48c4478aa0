import { createFlaggedStepHandler } from '../lib/flags-step.ts';
import { flagsConfig } from '../lib/wiring.ts';

/** OrderPlaced -> validate-order -> OrderValidated (ValidationError -> OrderStepFailed -> REJECTED). */
const config = flagsConfig();

export const handler = createFlaggedStepHandler(config, {
  step: 'validate-order',
  run: config.steps.validateOrder,
  next: 'OrderValidated',
  reaches: 'VALIDATED',
  compensable: true,
});
