import { CreateScheduleCommand, DeleteScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { callAws } from '#adapters/aws-errors';
import type { ResumeReview } from '#api/order-api';
import type { ReviewTimer } from '#domain/review';
import { REVIEW_TIMED_OUT } from '#domain/review';
import { type ChainMessage, sendToQueue } from './sqs-step.ts';

/**
 * How the chain waits for a review: the order parks in DynamoDB (AWAITING_REVIEW) and nothing runs
 * while it waits. Its timeout is a one-time EventBridge Scheduler schedule, named after the
 * orderId in the stack's own schedule group, that puts `{orderId, reason: ReviewTimedOut}` on the
 * compensate-order queue when it fires (and deletes itself); the review API resumes the order by
 * sending it to the charge-payment queue, and deletes the schedule.
 */
export interface ReviewSchedule {
  scheduler: SchedulerClient;
  /** The stack's schedule group (REVIEW_SCHEDULE_GROUP): an operator lists the waiting orders there. */
  groupName: string;
  /** The compensate-order queue (REVIEW_TIMEOUT_TARGET_ARN). */
  targetArn: string;
  /** The role Scheduler assumes to send to it (REVIEW_SCHEDULE_ROLE_ARN). */
  roleArn: string;
  /** Where a timeout goes that Scheduler could not deliver (REVIEW_TIMEOUT_DLQ_ARN): the compensation's DLQ. */
  deadLetterArn: string;
}

/** Starts the timeout of a parked order: the schedule's name is the token stored with the review. */
export function createScheduleTimer(schedule: ReviewSchedule): ReviewTimer {
  return {
    async start(order, timeoutAt) {
      const message: ChainMessage = { orderId: order.orderId, reason: REVIEW_TIMED_OUT };
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
                Arn: schedule.targetArn,
                RoleArn: schedule.roleArn,
                Input: JSON.stringify(message),
                // Never lost: undeliverable, it waits in the DLQ (alarmed, redrivable) with the order's id.
                DeadLetterConfig: { Arn: schedule.deadLetterArn },
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
 * The chain's ResumeReview: approve sends the order to the charge-payment queue (it is VALIDATED
 * again); reject needs no message (the decision ended it CANCELLED, with nothing to undo). Both
 * delete the timeout's schedule; one that fired or was deleted already is fine (the timeout
 * finds the order decided and changes nothing).
 */
export function createResumeReview(sqs: SQSClient, chargeQueueUrl: string, schedule: ReviewSchedule): ResumeReview {
  return async (order, decision) => {
    if (decision === 'approve') await sendToQueue(sqs, chargeQueueUrl, { orderId: order.orderId }, order.correlationId);
    await deleteTimeout(schedule, order.review?.token ?? order.orderId);
  };
}

async function deleteTimeout(schedule: ReviewSchedule, name: string): Promise<void> {
  try {
    await callAws('scheduler', () =>
      schedule.scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: schedule.groupName })),
    );
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
}

/** `yyyy-mm-ddThh:mm:ss` in UTC, rounded up to the second: Scheduler's `at()` has no finer grain. */
export function atExpression(at: Date): string {
  return new Date(Math.ceil(at.getTime() / 1000) * 1000).toISOString().slice(0, 19);
}
