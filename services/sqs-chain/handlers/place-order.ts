import { createStepDepsFromEnv } from '#adapters/composition';
import { createSqsClient } from '#adapters/clients';
import { requireEnv } from '#adapters/config';
import { createPlaceOrderHandler } from '#api/order-api';
import { sendToQueue } from '../lib/sqs-step.ts';
import { VARIANT } from '../lib/wiring.ts';

/** POST /orders: accept the order, then hand it to the validate-order queue. */
const sqs = createSqsClient();
const validateQueueUrl = requireEnv('VALIDATE_ORDER_QUEUE_URL');

export const handler = createPlaceOrderHandler(createStepDepsFromEnv(VARIANT), (order) =>
  sendToQueue(sqs, validateQueueUrl, { orderId: order.orderId }, order.correlationId),
);
