import { createStepDepsFromEnv } from '#adapters/composition';
import { createSfnClient } from '#adapters/clients';
import { requireEnv } from '#adapters/config';
import { createPlaceOrderHandler } from '#api/order-api';
import { startOrderExecution } from '../lib/start-execution.ts';
import { VARIANT } from '../lib/wiring.ts';

/** POST /orders: accept the order, then start its execution (named after the orderId). */
const sfn = createSfnClient();
const stateMachineArn = requireEnv('STATE_MACHINE_ARN');

export const handler = createPlaceOrderHandler(createStepDepsFromEnv(VARIANT), (order) =>
  startOrderExecution(sfn, stateMachineArn, order),
);
