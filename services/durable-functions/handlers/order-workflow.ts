import { withDurableExecution } from '@aws/durable-execution-sdk-js';
import { timedCheckpoints } from '../instrumentation/checkpoint-timing.ts';
import { createOrderSaga } from '../lib/order-saga.ts';
import { sagaOptionsFromEnv, stepsFromEnv } from '../lib/wiring.ts';

/**
 * The durable orchestrator: one execution per order, named after its orderId. Its checkpoints
 * are timed (the report's "durable checkpoint overhead"); the transport is the SDK's own.
 */
export const handler = withDurableExecution(createOrderSaga(stepsFromEnv(), sagaOptionsFromEnv()), timedCheckpoints());
