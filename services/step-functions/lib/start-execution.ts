import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { callAws } from '#adapters/aws-errors';
import type { OrderRecord } from '#domain/order';

/** The execution's input: what every Task state reads (`$.orderId`, `$.correlationId`). */
export interface PipelineInput {
  orderId: string;
  correlationId: string;
}

/**
 * Starts the order's execution, named after the orderId, so an order runs once:
 *  - the same name and input while it runs returns that execution (Standard: idempotent start);
 *  - once it has ended, AWS answers `ExecutionAlreadyExists` (names stay taken for 90 days):
 *    the order was already started, which is what the caller wanted.
 * Express executions need not have unique names; there the idempotent steps keep a second start
 * from doing anything twice, and the API only starts orders still ACCEPTED.
 */
export async function startOrderExecution(
  sfn: SFNClient,
  stateMachineArn: string,
  order: Pick<OrderRecord, 'orderId' | 'correlationId'>,
): Promise<void> {
  const input: PipelineInput = { orderId: order.orderId, correlationId: order.correlationId };
  try {
    // Throttling and 5xx become TransientDependencyError, as every AWS call of the project.
    await callAws('state-machine', () =>
      sfn.send(new StartExecutionCommand({ stateMachineArn, name: order.orderId, input: JSON.stringify(input) })),
    );
  } catch (error) {
    if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
  }
}
