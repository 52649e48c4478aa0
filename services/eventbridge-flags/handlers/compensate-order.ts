import { COMPENSATION_HOP } from '#domain/order';
import { createFlaggedStepHandler } from '../lib/flags-step.ts';
import { flagsConfig } from '../lib/wiring.ts';

/**
 * OrderStepFailed -> release stock, refund, cancel (last in, first out), or reject an invalid
 * order. Each inverse runs at most once; its failures are retried, then parked, never compensated.
 */
const config = flagsConfig();

export const handler = createFlaggedStepHandler(config, {
  step: COMPENSATION_HOP,
  run: (input, detail) => config.steps.compensateOrder({ ...input, reason: detail.reason ?? 'Unknown' }),
});
