import { createStepDepsFromEnv } from '../../../shared/adapters/composition.ts';
import { createSqsClient } from '../../../shared/adapters/clients.ts';
import { requireEnv } from '../../../shared/adapters/config.ts';
import { createPlaceOrderHandler } from '../../../shared/api/order-api.ts';
import { sendToQueue } from '../lib/sqs-step.ts';
import { VARIANT } from '../lib/wiring.ts';

/** POST /orders: accept the order, then hand it to the validate-order queue. */
const sqs = createSqsClient();
const validateQueueUrl = requireEnv('VALIDATE_ORDER_QUEUE_URL');

export const handler = createPlaceOrderHandler(createStepDepsFromEnv(VARIANT), (order) =>
  sendToQueue(sqs, validateQueueUrl, { orderId: order.orderId }, order.correlationId),
);
