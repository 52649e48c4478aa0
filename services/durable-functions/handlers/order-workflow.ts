import { withDurableExecution } from '@aws/durable-execution-sdk-js';
import { createOrderSaga } from '../lib/order-saga.ts';
import { stepsFromEnv } from '../lib/wiring.ts';

/** The durable orchestrator: one execution per order, named after its orderId. */
export const handler = withDurableExecution(createOrderSaga(stepsFromEnv()));
