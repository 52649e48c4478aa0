import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Target } from '@aws-sdk/client-scheduler';
import { callAws } from '#adapters/aws-errors';
import { deleteReviewSchedule, type ReviewSchedule } from '#adapters/review-schedule';
import type { ResumeReview } from '#api/order-api';
import type { OrderRecord } from '#domain/order';
import type { RunOrderEvent } from './order-run.ts';

/**
 * How one Lambda waits for a review: it does not. An invocation lasts 15 minutes at most and a
 * reviewer may take a day, so the run parks the order in DynamoDB (AWAITING_REVIEW) and ends;
 * nothing runs while it waits. A one-time EventBridge Scheduler schedule named after the orderId
 * invokes the order function asynchronously at the timeout (`resume: 'timeout'`); the review API
 * invokes it asynchronously on approval (`resume: 'approve'`): a second run that goes on from
 * charge-payment with the same in-code retries and compensations. A rejection needs no run (the
 * decision ended the order CANCELLED, nothing to undo). Both decisions delete the schedule.
 */

/** The order of this event, as the function's async invocation payload. */
export function runEvent(order: Pick<OrderRecord, 'orderId' | 'correlationId'>, resume?: RunOrderEvent['resume']) {
  const event: RunOrderEvent = {
    orderId: order.orderId,
    ...(order.correlationId ? { correlationId: order.correlationId } : {}),
    ...(resume ? { resume } : {}),
  };
  return JSON.stringify(event);
}

/** The schedule's templated Lambda target: an async invocation of the order function, to time the order out. */
export function timeoutInvocation(order: OrderRecord, functionArn: string): Omit<Target, 'RoleArn'> {
  return { Arn: functionArn, Input: runEvent(order, 'timeout') };
}

/** An async invocation of the order function (Lambda queues it, retries it, then its on-failure destination). */
export async function invokeRun(lambda: LambdaClient, functionName: string, payload: string): Promise<void> {
  await callAws('order-function', () =>
    lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: payload })),
  );
}

/**
 * The single Lambda's ResumeReview: approve starts the second run (async invoke); reject needs no
 * run. Both then delete the timeout's schedule (after the run is queued: a failed delete leaves a
 * timeout that finds the order decided and changes nothing).
 */
export function createResumeReview(lambda: LambdaClient, functionName: string, schedule: ReviewSchedule): ResumeReview {
  return async (order, decision) => {
    if (decision === 'approve') await invokeRun(lambda, functionName, runEvent(order, 'approve'));
    await deleteReviewSchedule(schedule, order);
  };
}
