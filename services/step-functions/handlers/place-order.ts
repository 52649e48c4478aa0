import { createStepDepsFromEnv } from '../../../shared/adapters/composition.ts';
import { createSfnClient } from '../../../shared/adapters/clients.ts';
import { requireEnv } from '../../../shared/adapters/config.ts';
import { createPlaceOrderHandler } from '../../../shared/api/order-api.ts';
import { startOrderExecution } from '../lib/start-execution.ts';
import { VARIANT } from '../lib/wiring.ts';

/** POST /orders: accept the order, then start its execution (named after the orderId). */
const sfn = createSfnClient();
const stateMachineArn = requireEnv('STATE_MACHINE_ARN');

export const handler = createPlaceOrderHandler(createStepDepsFromEnv(VARIANT), (order) => startOrderExecution(sfn, stateMachineArn, order));
