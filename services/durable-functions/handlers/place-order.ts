import { createStepDepsFromEnv } from '#adapters/composition';
import { createLambdaClient } from '#adapters/clients';
import { requireEnv } from '#adapters/config';
import { createPlaceOrderHandler } from '#api/order-api';
import { startOrderWorkflow } from '../lib/start-workflow.ts';
import { VARIANT } from '../lib/wiring.ts';

/** POST /orders: accept the order, then start its durable execution (named after the orderId). */
const lambda = createLambdaClient();
const workflow = requireEnv('ORDER_WORKFLOW_FUNCTION');

export const handler = createPlaceOrderHandler(createStepDepsFromEnv(VARIANT), async (order) => {
  await startOrderWorkflow(lambda, workflow, order);
});
