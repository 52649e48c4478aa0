import { InvokeCommand } from '@aws-sdk/client-lambda';
import { createStepDepsFromEnv } from '#adapters/composition';
import { createLambdaClient } from '#adapters/clients';
import { requireEnv } from '#adapters/config';
import { createPlaceOrderHandler } from '#api/order-api';
import { VARIANT } from '../lib/wiring.ts';

/** POST /orders: accept the order, then invoke the order function asynchronously (Event). */
const lambda = createLambdaClient();
const functionName = requireEnv('PROCESS_ORDER_FUNCTION_NAME');

export const handler = createPlaceOrderHandler(createStepDepsFromEnv(VARIANT), async (order) => {
  await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: JSON.stringify({ orderId: order.orderId, correlationId: order.correlationId }),
    }),
  );
});
