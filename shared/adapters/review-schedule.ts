import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  type SchedulerClient,
  type Target,
} from '@aws-sdk/client-scheduler';
import type { OrderRecord } from '../domain/order.ts';
import type { ReviewTimer } from '../domain/review.ts';
import { callAws } from './aws-errors.ts';
import { createSchedulerClient } from './clients.ts';
import { requireEnv } from './config.ts';

/**
 * The review timeout of the variants that park an order in DynamoDB (sqs-chain,
 * eventbridge-flags, single-lambda): a one-time EventBridge Scheduler schedule, named after the
 * orderId in the stack's own schedule group, fires the timeout into the variant's own transport
 * (a queue, the bus, the order function) and deletes itself; a decision deletes it first. What
 * it fires, and into what, is the variant's: `target` builds it per order.
 */
export interface ReviewSchedule {
  scheduler: SchedulerClient;
  /** The stack's schedule group (REVIEW_SCHEDULE_GROUP): an operator lists the waiting orders there. */
  groupName: string;
  /** The role Scheduler assumes to invoke the target (REVIEW_SCHEDULE_ROLE_ARN). */
  roleArn: string;
  /**
   * Where a timeout goes that Scheduler could not deliver once its retries ran out
   * (REVIEW_TIMEOUT_DLQ_ARN, optional): a DLQ with an alarm, so it is never silently lost.
   */
  deadLetterArn?: string;
  /** What the schedule of this order fires (without the role, which is `roleArn`). */
  target(order: OrderRecord): Omit<Target, 'RoleArn'>;
}

/**
 * The stack's schedule group and role from the environment (serverless.yml sets them), with the
 * variant's target; REVIEW_TIMEOUT_TARGET_ARN names the queue, bus or function it fires into.
 *
 * @example
 * const schedule = reviewScheduleFromEnv((order, arn) => ({ Arn: arn, Input: JSON.stringify({ orderId: order.orderId }) }));
 */
export function reviewScheduleFromEnv(
  target: (order: OrderRecord, targetArn: string) => Omit<Target, 'RoleArn'>,
  env: NodeJS.ProcessEnv = process.env,
): ReviewSchedule {
  const targetArn = requireEnv('REVIEW_TIMEOUT_TARGET_ARN', env);
  const deadLetterArn = env.REVIEW_TIMEOUT_DLQ_ARN?.trim();
  return {
    scheduler: createSchedulerClient(),
    groupName: requireEnv('REVIEW_SCHEDULE_GROUP', env),
    roleArn: requireEnv('REVIEW_SCHEDULE_ROLE_ARN', env),
    ...(deadLetterArn ? { deadLetterArn } : {}),
    target: (order) => target(order, targetArn),
  };
}

/** Starts the timeout of a parked order: the schedule's name (the orderId) is the token stored with the review. */
export function createScheduleTimer(schedule: ReviewSchedule): ReviewTimer {
  return {
    async start(order, timeoutAt) {
      try {
        await callAws('scheduler', () =>
          schedule.scheduler.send(
            new CreateScheduleCommand({
              Name: order.orderId,
              GroupName: schedule.groupName,
              ScheduleExpression: `at(${atExpression(timeoutAt)})`,
              ScheduleExpressionTimezone: 'UTC',
              FlexibleTimeWindow: { Mode: 'OFF' },
              // One-time: gone once it fired, so the group only ever lists orders still waiting.
              ActionAfterCompletion: 'DELETE',
              Target: {
                ...schedule.target(order),
                RoleArn: schedule.roleArn,
                // Never lost: undeliverable, it waits in the DLQ (alarmed) with the order's id.
                ...(schedule.deadLetterArn ? { DeadLetterConfig: { Arn: schedule.deadLetterArn } } : {}),
              },
            }),
          ),
        );
      } catch (error) {
        // A redelivered park step finds the schedule its first attempt created: that one stands.
        if ((error as Error).name !== 'ConflictException') throw error;
      }
      return order.orderId;
    },
  };
}

/**
 * A decision ends the wait: its timeout's schedule is deleted. One that fired (and deleted
 * itself) or was deleted already is fine: the timeout finds the order decided and changes nothing.
 */
export async function deleteReviewSchedule(schedule: ReviewSchedule, order: OrderRecord): Promise<void> {
  try {
    await callAws('scheduler', () =>
      schedule.scheduler.send(
        new DeleteScheduleCommand({ Name: order.review?.token ?? order.orderId, GroupName: schedule.groupName }),
      ),
    );
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
}

/** `yyyy-mm-ddThh:mm:ss` in UTC, rounded up to the second: Scheduler's `at()` has no finer grain. */
export function atExpression(at: Date): string {
  return new Date(Math.ceil(at.getTime() / 1000) * 1000).toISOString().slice(0, 19);
}
