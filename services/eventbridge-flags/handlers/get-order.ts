import { createStepDepsFromEnv } from '../../../shared/adapters/composition.ts';
import { createGetOrderHandler } from '../../../shared/api/order-api.ts';
import { VARIANT } from '../lib/wiring.ts';

/** GET /orders/{orderId}: status, reason and timeline, as in every variant. */
export const handler = createGetOrderHandler(createStepDepsFromEnv(VARIANT));
