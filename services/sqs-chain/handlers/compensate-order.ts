import { COMPENSATION_HOP } from '#domain/order';
import { createSqsStepHandler } from '../lib/sqs-step.ts';
import { chainConfig } from '../lib/wiring.ts';

/**
 * The compensation queue: release stock, refund, cancel (last in, first out), or reject an
 * invalid order. Each inverse is idempotent, so a redelivered message is harmless.
 */
const config = chainConfig('COMPENSATE_ORDER_QUEUE_URL');

export const handler = createSqsStepHandler(config, COMPENSATION_HOP, (input, message) =>
  config.steps.compensateOrder({ ...input, reason: message.reason ?? 'Unknown' }),
);
