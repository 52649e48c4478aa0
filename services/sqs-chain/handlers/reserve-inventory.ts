import { createSqsStepHandler } from '../lib/sqs-step.ts';
import { chainConfig } from '../lib/wiring.ts';

/** SQS -> reserve-inventory -> next queue (business errors -> compensation queue). */
const config = chainConfig('RESERVE_INVENTORY_QUEUE_URL', 'SEND_CONFIRMATION_QUEUE_URL');

export const handler = createSqsStepHandler(
  config,
  'reserve-inventory',
  config.steps.reserveInventory,
  'INVENTORY_RESERVED',
);
