import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { OrderRecord } from '#domain/order';

/** The durable execution's input: which order, and the correlation id its logs carry. */
export interface WorkflowInput {
  orderId: string;
  correlationId: string;
}

/**
 * Starts the order's durable execution with an asynchronous invoke named after the orderId, so
 * an order runs once: the same name with the same input answers with the execution already
 * there (Lambda's idempotent start) and starts nothing new. `functionRef` is the qualified ARN
 * (osls publishes a durable function behind the alias `durable`).
 */
export async function startOrderWorkflow(
  lambda: LambdaClient,
  functionRef: string,
  order: Pick<OrderRecord, 'orderId' | 'correlationId'>,
): Promise<string | undefined> {
  const input: WorkflowInput = { orderId: order.orderId, correlationId: order.correlationId };
  const { DurableExecutionArn } = await lambda.send(
    new InvokeCommand({
      FunctionName: functionRef,
      InvocationType: 'Event',
      DurableExecutionName: order.orderId,
      Payload: Buffer.from(JSON.stringify(input)),
    }),
  );
  return DurableExecutionArn;
}
