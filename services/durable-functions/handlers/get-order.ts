import { createStepDepsFromEnv } from '#adapters/composition';
import { createGetOrderHandler } from '#api/order-api';
import { VARIANT } from '../lib/wiring.ts';

/** GET /orders/{orderId}: status, reason and timeline, as in every variant. */
export const handler = createGetOrderHandler(createStepDepsFromEnv(VARIANT));
