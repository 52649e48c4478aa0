import { createStepDepsFromEnv } from '#adapters/composition';
import { createPlaceOrderHandler } from '#api/order-api';
import { putOrderEvent } from '../lib/events.ts';
import { publisherFromEnv, VARIANT } from '../lib/wiring.ts';

/** POST /orders: accept the order, then announce it: `OrderPlaced` starts the choreography. */
const publisher = publisherFromEnv();

export const handler = createPlaceOrderHandler(createStepDepsFromEnv(VARIANT), (order) =>
  putOrderEvent(publisher, 'OrderPlaced', { orderId: order.orderId, correlationId: order.correlationId }),
);
